#!/bin/sh
# tests/bench/bench_batch.sh [BUILD_DIR] [N]
# Batch throughput, as medians of 3 runs each (issue 4):
#   - N synthetic patients (default 1000, made by a python3 generator into a
#     temporary folder: fictional names, every handout, a4 or letter, one in
#     ten large print) with `batch --patients` at -j 1 and -j 2;
#   - the same patients with a two-page leaflet (tests/good-min.yaml, in
#     a4), the case issue 4's target (500 leaflets/s per core) is about;
#   - every handout x every layout (`batch` without --patients) at -j 1 and
#     -j 2;
#   - a baseline in the same invocation, first and last: the first 20 rows
#     of tests/patients/awkward-200.csv at -j 1, so that a busy or noisy
#     machine shows up as a slow baseline rather than a false change.
# For each: leaflets per second (wall clock), ms per leaflet (wall, and
# CPU: user + system time of all processes / leaflets, which a busy machine
# disturbs less), bytes per leaflet (mean, from the manifest), pages.
# Every run writes into a fresh folder (files fsync'd, as in real use).
# HANDOUT_BENCH_PROFILE=1 also profiles a 20-leaflet -j 1 batch: perf record
# when hardware counters work (perf stat -e instructions), else valgrind
# --tool=callgrind; the top 10 functions by self cost are printed.
set -eu
build=${1:-build}
n=${2:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
bin="$build/handout"
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HANDOUT_HOME="$root"
cd "$tmp"

# ---- the synthetic patients ------------------------------------------------
"$py" - "$n" "$root" >"$tmp/patients.csv" <<'EOF'
import csv, datetime, os, random, sys
n, root = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(4)  # deterministic
first = ["Alex", "Sam", "Priya", "Chidi", "Mei", "Olu", "Ines", "Tomasz",
         "Aoife", "Kwame", "Leila", "Rowan", "Yusuf", "Hana", "Mateo", "Zoë"]
last = ["Okafor", "Nguyen", "Smith", "O'Neill", "García", "Kowalski",
        "Haddad", "Brown", "Sato", "Mensah", "Ivanova", "Jones"]
handouts = sorted(f[:-5] for f in os.listdir(os.path.join(root, "handouts"))
                  if f.endswith(".yaml"))
drugs = ["pembrolizumab", "nivolumab", "nivolumab + ipilimumab",
         "atezolizumab", "durvalumab", "cemiplimab"]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["ref", "first_name", "last_name", "handout", "layout",
            "treatment", "start_date", "large_print"])
start = datetime.date(2026, 12, 1)
for i in range(n):
    w.writerow([f"S{i + 1:06d}", rnd.choice(first), rnd.choice(last),
                rnd.choice(handouts), rnd.choice(["a4", "letter"]),
                rnd.choice(drugs),
                (start + datetime.timedelta(days=rnd.randrange(30))).isoformat(),
                "yes" if rnd.randrange(10) == 0 else "no"])
EOF
head -21 "$root/tests/patients/awkward-200.csv" >"$tmp/baseline.csv"

# ---- the two-page leaflet: tests/good-min.yaml (every block kind, the demo
# clinic's logo and contacts, a QR code) for the same patients, in a4, from
# a HANDOUT_HOME of its own (the shipped handouts are all four pages) -------
mkdir -p "$tmp/home/handouts"
for d in fonts layouts; do ln -s "$root/$d" "$tmp/home/$d"; done
for d in common sites; do ln -s "$root/handouts/$d" "$tmp/home/handouts/$d"; done
cp "$root/tests/good-min.yaml" "$tmp/home/handouts/two-page.yaml"
"$py" - "$tmp/patients.csv" >"$tmp/two-page.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(rows[0])
for r in rows[1:]:
    r[3], r[4], r[7] = "two-page", "a4", "no"
    w.writerow(r)
EOF

# ---- one measured run: "wall_s cpu_s leaflets bytes_mean pages_mean" --------
measure() { # OUTDIR ARGS...
  out=$1
  shift
  rm -rf "$out"
  "$py" - "$bin" "$out" "$@" <<'EOF'
import json, os, resource, subprocess, sys, time
bin, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.monotonic()
r = subprocess.run([bin, "batch", *args, "-o", out], stderr=subprocess.PIPE)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode())
    sys.exit(1)
lines = [json.loads(l) for l in open(os.path.join(out, "manifest.jsonl"))]
ok = [l for l in lines if l["status"] == "ok"]
print(f"{wall:.4f} {ru.ru_utime + ru.ru_stime:.4f} {len(ok)} "
      f"{sum(l['bytes'] for l in ok) / len(ok):.0f} "
      f"{sum(l['pages'] for l in ok) / len(ok):.2f}")
EOF
}

# ---- three runs, medians -------------------------------------------------------
bench() { # NAME ARGS...
  name=$1
  shift
  : >"$tmp/runs"
  for run in 1 2 3; do measure "$tmp/out" "$@" >>"$tmp/runs"; done
  # medians: wall time and CPU time each sorted on their own
  c=$(cut -d' ' -f2 "$tmp/runs" | sort -n | sed -n 2p)
  sort -n "$tmp/runs" | sed -n 2p | awk -v name="$name" -v c="$c" '
    { w = $1; k = $3
      printf "%-24s %5d leaflets %8.1f leaflets/s %8.2f ms/leaflet %7.2f ms CPU/leaflet %7.0f bytes/leaflet %5.2f pages\n",
             name, k, k / w, 1000 * w / k, 1000 * c / k, $4, $5 }'
}

echo "handout batch benchmark: $n synthetic patients; medians of 3 runs; $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench "baseline (20, -j 1)" --patients "$tmp/baseline.csv" -j 1
bench "patients -j 1" --patients "$tmp/patients.csv" -j 1
bench "patients -j 2" --patients "$tmp/patients.csv" -j 2
(export HANDOUT_HOME="$tmp/home"
 bench "two-page leaflet -j 1" --patients "$tmp/two-page.csv" -j 1
 bench "two-page leaflet -j 2" --patients "$tmp/two-page.csv" -j 2)
bench "handouts x layouts -j 1" -j 1
bench "handouts x layouts -j 2" -j 2
bench "baseline again" --patients "$tmp/baseline.csv" -j 1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the profile -------------------------------------------------------------------
if [ "${HANDOUT_BENCH_PROFILE:-0}" = 1 ]; then
  rm -rf "$tmp/prof"
  if perf stat -e instructions true 2>&1 | grep -q 'not supported\|not counted' ||
     ! perf stat -e instructions true >/dev/null 2>&1; then
    echo "profile: valgrind --tool=callgrind, 20 leaflets, -j 1 (perf has no hardware counters here)"
    valgrind --tool=callgrind --trace-children=yes \
      --callgrind-out-file="$tmp/callgrind.%p" \
      "$bin" batch --patients "$tmp/baseline.csv" -j 1 -o "$tmp/prof" 2>/dev/null
    # the worker's file: the largest
    f=$(ls -S "$tmp"/callgrind.* | head -1)
    callgrind_annotate --inclusive=no "$f" 2>/dev/null | sed -n '/^-* *$/,$p' |
      grep -E '^ *[0-9,]+ ' | head -11   # the total, then the top 10
  else
    echo "profile: perf record, 20 leaflets, -j 1"
    perf record -q -g -o "$tmp/perf.data" \
      "$bin" batch --patients "$tmp/baseline.csv" -j 1 -o "$tmp/prof" 2>/dev/null
    perf report -i "$tmp/perf.data" --stdio --no-children --sort symbol 2>/dev/null |
      grep -E '^ +[0-9.]+%' | head -10
  fi
fi
