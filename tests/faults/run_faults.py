#!/usr/bin/env python3
"""Faults (issue 6, part 5): each case injects one fault into `handout
batch` or `handout render` and then checks the output folder.

    run_faults.py --handout BIN --shim SHIM.so --work DIR CASE

Cases:
  enospc-leaflet  one leaflet's temporary file fails with ENOSPC on write,
                  then on fsync, then on rename (tests/faults/shim_enospc.c
                  preloaded): exit 3, an error naming the file and "No space
                  left on device", no temporary file, a manifest that agrees
                  with the files (that leaflet io-error); the re-run makes
                  only that one and ends byte-identical to a clean run.
  enospc-full     the output folder's "disk" holds ~1/4 of the run: exit 3,
                  no temporary file, no manifest, a journal whose lines are
                  exactly the PDFs present (sha256 and all), no line cut
                  short; the re-run completes the rest, byte-identical.
  enospc-tmpfs    the same on a real full disk: a tmpfs of ~1/4 of the run,
                  mounted in a private mount namespace (unshare -m, as root;
                  skipped, exit 77, where that is not allowed), then grown
                  (remount) for the re-run.
  unwritable      an output folder this user cannot write (as root: the
                  test drops to uid 65534 with setpriv; otherwise chmod
                  0555): batch --patients, batch and render each exit 3
                  with an error naming the folder, and nothing is written.
  output-folder   render -o DIR (with and without a trailing slash) and a
                  batch whose OUTDIR/a4/melanoma.pdf is a folder: exit 3,
                  "Is a directory" naming the path, no temporary file, the
                  folder untouched; the batch's other leaflet is written and
                  the re-run (folder gone) completes it, byte-identical.
  sigkill         SIGKILL to the whole batch (-j 2) mid-run, then to the
                  parent alone: every PDF present is complete, every journal
                  line's file has its sha256, no manifest; the workers of a
                  killed parent stop on their own; stale temporary files of
                  this run's names are removed by the next run (and only
                  those); the re-run ends byte-identical to a clean run.

Exit status 0 when every check holds; each failure is printed.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSV = os.path.join(ROOT, "tests", "patients", "awkward-200.csv")
TEMP = re.compile(r"\.tmp\.[A-Za-z0-9]{6}$")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def ok(msg):
    print("ok: " + msg, flush=True)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Env:
    def __init__(self, args, fresh=True):
        self.bin = os.path.abspath(args.handout)
        self.shim = os.path.abspath(args.shim)
        self.work = os.path.abspath(args.work)
        if fresh:
            shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work, exist_ok=True)
        os.chmod(self.work, 0o755)  # readable by the unprivileged user too
        self.env = dict(os.environ, HANDOUT_HOME=ROOT)
        self.env.pop("LD_PRELOAD", None)
        # with ASan the shim comes before its runtime in the preload order
        asan = self.env.get("ASAN_OPTIONS", "")
        self.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
            "verify_asan_link_order=0"

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def csv(self, rows):
        """The first rows of awkward-200.csv, as a file of its own."""
        out = self.path(f"patients-{rows}.csv")
        if not os.path.exists(out):
            with open(CSV, encoding="utf-8", newline="") as f:
                lines = f.readlines()
            with open(out, "w", encoding="utf-8", newline="") as f:
                f.writelines(lines[:rows + 1])
            os.chmod(out, 0o644)
        return out

    def run(self, args, fault=None, prefix=(), **kw):
        env = dict(self.env)
        if fault:
            env["LD_PRELOAD"] = self.shim
            env.update(fault)
        return subprocess.run(list(prefix) + [self.bin] + args, env=env,
                              capture_output=True, text=True, cwd=ROOT, **kw)

    def reference(self, args, name):
        """A clean, uninterrupted run into work/NAME (made once)."""
        out = self.path(name)
        if not os.path.isdir(out):
            r = self.run(args + ["-j", "2", "-o", out])
            if r.returncode != 0:
                fail(f"reference run {name}: exit {r.returncode}\n{r.stderr}")
        return out


# ---- checks on an output folder ---------------------------------------------


def files_under(d):
    """Every file below d, relative, sorted (folders not listed)."""
    out = []
    for base, _, names in os.walk(d):
        out += [os.path.relpath(os.path.join(base, n), d) for n in names]
    return sorted(out)


def temps(d):
    return [f for f in files_under(d) if TEMP.search(f)]


def journal_lines(path):
    """The lines of a manifest or journal; a line that does not parse or
    lacks its newline is a failure (a line cut short)."""
    if not os.path.exists(path):
        return []
    data = open(path, encoding="utf-8").read()
    if data and not data.endswith("\n"):
        fail(f"{path}: the last line is cut short")
    out = []
    for line in data.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            fail(f"{path}: a line that is not JSON: {line[:60]!r}")
    return out


def agrees(d, name, want_lines=None):
    """Every ok line of d/name names a file with its sha256 and bytes; no
    temporary file of the run is left.  Returns the lines."""
    lines = journal_lines(os.path.join(d, name))
    bad = [l["path"] for l in lines if l["status"] == "ok" and (
        not os.path.isfile(os.path.join(d, l["path"])) or
        sha256(os.path.join(d, l["path"])) != l["sha256"] or
        os.path.getsize(os.path.join(d, l["path"])) != l["bytes"])]
    check(not bad, f"{os.path.basename(d)}/{name}: {len(lines)} lines, every ok "
          f"line's file has its sha256 ({bad[:3]} do not)")
    if want_lines is not None:
        check(len(lines) == want_lines, f"{name}: {len(lines)} lines "
              f"(expected {want_lines})")
    return lines


def same_tree(a, b, what):
    fa, fb = files_under(a), files_under(b)
    if fa != fb:
        return check(False, f"{what}: files differ from the clean run: "
                     f"{sorted(set(fa) ^ set(fb))[:5]}")
    diff = [f for f in fa if open(os.path.join(a, f), "rb").read() !=
            open(os.path.join(b, f), "rb").read()]
    return check(not diff, f"{what}: {len(fa)} files byte-identical to a clean "
                 f"run ({diff[:3]} differ)")


def pdfs_complete(d, ref, what):
    """Every PDF in d equals the clean run's: none partial."""
    pdfs = [f for f in files_under(d) if f.endswith(".pdf")]
    bad = [f for f in pdfs if open(os.path.join(d, f), "rb").read() !=
           open(os.path.join(ref, f), "rb").read()]
    check(not bad, f"{what}: {len(pdfs)} PDFs present, each complete ({bad[:3]} not)")
    return pdfs


# ---- cases -------------------------------------------------------------------


def case_enospc_leaflet(e):
    csv = e.csv(12)
    ref = e.reference(["batch", "--patients", csv], "ref-12")
    for op in ("write", "fsync", "rename"):
        out = e.path(f"leaflet-{op}")
        os.makedirs(out)
        fault = {"FAULT_ENOSPC_DIR": out + "/", "FAULT_ENOSPC_OPS": op,
                 "FAULT_ENOSPC_MATCH": "*/P0007.pdf*",
                 "FAULT_ENOSPC_LOG": e.path(f"leaflet-{op}.log")}
        r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out], fault)
        check(r.returncode == 3, f"ENOSPC on {op}: exit {r.returncode} (expected 3)")
        check(os.path.exists(e.path(f"leaflet-{op}.log")), f"ENOSPC on {op}: the fault was hit")
        want = f"handout: error: cannot write '{out}/P0007.pdf': No space left on device"
        check(want in r.stderr, f"ENOSPC on {op}: the error names the file and the cause"
              + ("" if want in r.stderr else f"\n{r.stderr}"))
        check(not temps(out), f"ENOSPC on {op}: no temporary file ({temps(out)})")
        check(not os.path.exists(os.path.join(out, "P0007.pdf")),
              f"ENOSPC on {op}: no P0007.pdf")
        lines = agrees(out, "manifest.jsonl", 12)
        st = {l["ref"]: l["status"] for l in lines}
        check(st.get("P0007") == "io-error" and
              sum(v == "ok" for v in st.values()) == 11,
              f"ENOSPC on {op}: P0007 io-error, the 11 others ok in the manifest")
        r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
        check(r.returncode == 0 and "11 kept from an earlier run" in r.stderr,
              f"ENOSPC on {op}: the re-run makes only P0007 (exit {r.returncode})"
              + ("" if r.returncode == 0 else f"\n{r.stderr}"))
        same_tree(out, ref, f"ENOSPC on {op}, re-run")


def case_enospc_full(e):
    csv = e.csv(40)
    ref = e.reference(["batch", "--patients", csv], "ref-40")
    total = sum(os.path.getsize(os.path.join(ref, f)) for f in os.listdir(ref))
    out = e.path("full")
    os.makedirs(out)
    fault = {"FAULT_ENOSPC_DIR": out + "/", "FAULT_ENOSPC_AFTER": str(total // 4),
             "FAULT_ENOSPC_LOG": e.path("full.log")}
    r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out], fault)
    check(r.returncode == 3, f"full disk: exit {r.returncode} (expected 3)")
    check("No space left on device" in r.stderr,
          "full disk: the cause is reported" + ("" if "No space" in r.stderr else f"\n{r.stderr}"))
    check(not temps(out), f"full disk: no temporary file ({temps(out)[:3]})")
    check(not os.path.exists(os.path.join(out, "manifest.jsonl")),
          "full disk: no manifest (the run is not complete)")
    pdfs = pdfs_complete(out, ref, "full disk")
    lines = agrees(out, "manifest.jsonl.partial")
    listed = sorted(l["path"] for l in lines if l["status"] == "ok")
    check(listed == sorted(pdfs), f"full disk: the journal lists exactly the "
          f"{len(pdfs)} PDFs present ({len(listed)} ok lines)")
    check(0 < len(pdfs) < 40, f"full disk: {len(pdfs)} of 40 made before the disk filled")
    r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
    kept = f"{len(pdfs)} kept from an earlier run"
    check(r.returncode == 0 and (kept in r.stderr or not pdfs),
          f"full disk: the re-run keeps the {len(pdfs)} and makes the rest "
          f"(exit {r.returncode})" + ("" if r.returncode == 0 else f"\n{r.stderr}"))
    same_tree(out, ref, "full disk, re-run")


def case_enospc_tmpfs(e, inside=False):
    csv = e.csv(40)
    ref = e.reference(["batch", "--patients", csv], "ref-40")
    if not inside:  # again, in a mount namespace of its own
        if os.geteuid() != 0 or not shutil.which("unshare"):
            print("skip: mounting a tmpfs needs root and unshare")
            sys.exit(77)
        r = subprocess.run(["unshare", "-m", "--propagation", "private",
                            sys.executable] + sys.argv + ["--inside", "--keep"])
        if r.returncode == 77:
            sys.exit(77)
        if r.returncode != 0:
            fail(f"tmpfs: the run in its own mount namespace failed ({r.returncode})")
        return
    total = sum(os.path.getsize(os.path.join(ref, f)) for f in os.listdir(ref))
    out = e.path("tmpfs")
    os.makedirs(out)
    size = (total // 4 + 4095) // 4096 * 4096
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", out],
                      capture_output=True).returncode != 0:
        print("skip: mount -t tmpfs is not allowed here")
        sys.exit(77)
    try:
        r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
        check(r.returncode == 3, f"tmpfs full: exit {r.returncode} (expected 3)")
        check("No space left on device" in r.stderr, "tmpfs full: the cause is reported"
              + ("" if "No space" in r.stderr else f"\n{r.stderr}"))
        check(not temps(out), f"tmpfs full: no temporary file ({temps(out)[:3]})")
        pdfs = pdfs_complete(out, ref, "tmpfs full")
        name = "manifest.jsonl" if os.path.exists(os.path.join(out, "manifest.jsonl")) \
            else "manifest.jsonl.partial"
        lines = agrees(out, name)
        listed = sorted(l["path"] for l in lines if l["status"] == "ok")
        check(listed == sorted(pdfs), f"tmpfs full: {name} lists exactly the "
              f"{len(pdfs)} PDFs present ({len(listed)} ok lines)")
        subprocess.run(["mount", "-o", "remount,size=64m", out], check=True)
        r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
        check(r.returncode == 0, f"tmpfs grown: the re-run exits {r.returncode}"
              + ("" if r.returncode == 0 else f"\n{r.stderr}"))
        same_tree(out, ref, "tmpfs grown, re-run")
    finally:
        subprocess.run(["umount", out])


def unprivileged():
    """The prefix that runs a command as a user who cannot write a folder
    root made: setpriv to nobody when we are root (root ignores modes)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def case_unwritable(e):
    prefix = unprivileged()
    if prefix is None:
        print("skip: running as root without setpriv")
        return
    csv = e.csv(3)
    out = e.path("readonly")
    os.makedirs(out)
    os.chmod(out, 0o555)
    cases = [
        ("batch --patients", ["batch", "--patients", csv, "-j", "2", "-o", out],
         f"handout: error: cannot create a file in '{out}': Permission denied"),
        ("batch", ["batch", "handouts/melanoma.yaml", "-l", "a4", "-o", out],
         f"handout: error: cannot create folder '{out}/a4': Permission denied"),
        ("render", ["render", "handouts/melanoma.yaml", "-o", out + "/m.pdf"],
         f"handout: error: cannot create a file in '{out}': Permission denied"),
    ]
    for what, args, want in cases:
        r = e.run(args, prefix=prefix)
        check(r.returncode == 3, f"unwritable, {what}: exit {r.returncode} (expected 3)")
        check(want in r.stderr, f"unwritable, {what}: the error names the folder"
              + ("" if want in r.stderr else f"\n{r.stderr}"))
        check(not os.listdir(out), f"unwritable, {what}: nothing written "
              f"({os.listdir(out)})")


def untouched(d, what):
    check(os.path.isdir(d) and os.listdir(d) == ["keep.txt"] and
          open(os.path.join(d, "keep.txt")).read() == "mine\n",
          f"{what}: the folder is untouched")


def folder_with_file(d):
    os.makedirs(d)
    with open(os.path.join(d, "keep.txt"), "w") as f:
        f.write("mine\n")


def case_output_folder(e):
    parent = e.path("render")
    target = os.path.join(parent, "some-dir")
    folder_with_file(target)
    for given in (target, target + "/"):
        r = e.run(["render", "handouts/melanoma.yaml", "-o", given])
        check(r.returncode == 3, f"render -o {os.path.basename(given)}: exit "
              f"{r.returncode} (expected 3)")
        want = f"cannot write '{given}': Is a directory"
        check(want in r.stderr, f"render -o a folder: the error names it"
              + ("" if want in r.stderr else f"\n{r.stderr}"))
        check(not temps(parent), f"render -o a folder: no temporary file {temps(parent)}")
        check(sorted(os.listdir(parent)) == ["some-dir"], "render -o a folder: nothing beside it")
        untouched(target, f"render -o {given}")

    args = ["batch", "handouts/melanoma.yaml", "handouts/lung-nsclc.yaml", "-l", "a4"]
    ref = e.reference(args, "ref-generic")
    out = e.path("generic")
    folder_with_file(os.path.join(out, "a4", "melanoma.pdf"))
    r = e.run(args + ["-j", "2", "-o", out])
    check(r.returncode == 3, f"batch, a4/melanoma.pdf a folder: exit {r.returncode} (expected 3)")
    want = f"cannot write '{out}/a4/melanoma.pdf': Is a directory"
    check(want in r.stderr, "batch, a leaflet's path a folder: the error names it"
          + ("" if want in r.stderr else f"\n{r.stderr}"))
    check(not temps(out), f"batch, a leaflet's path a folder: no temporary file {temps(out)}")
    untouched(os.path.join(out, "a4", "melanoma.pdf"), "batch, a4/melanoma.pdf")
    lines = agrees(out, "manifest.jsonl", 2)
    st = {l["handout"]: l["status"] for l in lines}
    check(st == {"melanoma": "io-error", "lung-nsclc": "ok"},
          f"batch, a leaflet's path a folder: manifest statuses {st}")
    shutil.rmtree(os.path.join(out, "a4", "melanoma.pdf"))
    r = e.run(args + ["-j", "2", "-o", out])
    check(r.returncode == 0 and "1 kept from an earlier run" in r.stderr,
          f"batch, folder gone: the re-run makes melanoma only (exit {r.returncode})"
          + ("" if r.returncode == 0 else f"\n{r.stderr}"))
    same_tree(out, ref, "batch, folder gone, re-run")


def start_batch(e, csv, out, fault=None):
    env = dict(e.env)
    if fault:
        env["LD_PRELOAD"] = e.shim
        env.update(fault)
    return subprocess.Popen([e.bin, "batch", "--patients", csv, "-j", "2", "-o", out],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for(out, pattern, n, proc, timeout=300):
    """Until n files in out match pattern (False if the batch ends first)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if len(glob.glob(os.path.join(out, pattern))) >= n:
            return True
        time.sleep(0.005)
    return False


def become_subreaper():
    """Orphaned workers become our children, so that we can reap them (a
    container's PID 1 may not)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def group_gone(pgid, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def after_kill(e, out, ref, what):
    """The checks on a folder a SIGKILL left: PDFs complete, journal agrees,
    no manifest.  Returns how many PDFs."""
    check(not os.path.exists(os.path.join(out, "manifest.jsonl")), f"{what}: no manifest")
    pdfs = pdfs_complete(out, ref, what)
    lines = agrees(out, "manifest.jsonl.partial")
    listed = {l["path"] for l in lines if l["status"] == "ok"}
    check(listed <= set(pdfs), f"{what}: the journal lists {len(listed)} of the "
          f"{len(pdfs)} PDFs (those renamed just before the kill may be unlisted)")
    print(f"{what}: {len(temps(out))} temporary files left by the kill")
    return len(pdfs)


def case_sigkill(e):
    csv = e.csv(40)
    ref = e.reference(["batch", "--patients", csv], "ref-40")
    become_subreaper()

    # the whole process group, as a container runtime or `timeout -s KILL`
    # does, while one worker is in the middle of writing P0009.pdf (the
    # shim holds that write until the kill) and the other renders on
    out = e.path("killed")
    p = start_batch(e, csv, out, {"FAULT_ENOSPC_DIR": out + "/",
                                  "FAULT_STALL_MATCH": "*/P0009.pdf.tmp.*"})
    if not (wait_for(out, "P0009.pdf.tmp.*", 1, p) and wait_for(out, "*.pdf", 6, p)):
        p.kill()
        p.wait()
        return fail("SIGKILL to the group: the batch did not reach P0009")
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    check(group_gone(p.pid, 30), "SIGKILL to the group: every process gone")
    n = after_kill(e, out, ref, "SIGKILL to the group")
    check(len(temps(out)) >= 1 and not os.path.exists(os.path.join(out, "P0009.pdf")),
          "SIGKILL to the group: the write it stopped left only its temporary file")
    # stale temporary files: this run's names go, anything else stays
    planted = {"P0040.pdf.tmp.zz9ZZ9": True,
               "manifest.jsonl.partial.tmp.Q1w2E3": True,
               "P0003.pdf.tmp.keep": False, "P9999.pdf.tmp.AbC123": False,
               "notes.txt": False}
    for name in planted:
        with open(os.path.join(out, name), "w") as f:
            f.write("stale\n")
    r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
    check(r.returncode == 0, f"after SIGKILL: the re-run exits {r.returncode}"
          + ("" if r.returncode == 0 else f"\n{r.stderr}"))
    check(re.search(r"removed \d+ temporary files? an interrupted run left", r.stderr),
          "after SIGKILL: the re-run says it removed stale temporary files")
    check(re.search(r"; (\d+) kept from an earlier run", r.stderr) is not None or n == 0,
          "after SIGKILL: the re-run keeps the finished leaflets")
    left = set(os.listdir(out))
    check(temps(out) == ["P9999.pdf.tmp.AbC123"],
          f"after SIGKILL: no temporary file of the run left ({temps(out)})")
    check(all((name in left) != gone for name, gone in planted.items()),
          "after SIGKILL: the run's own stale temporary files removed, the others kept "
          f"({sorted(n for n in planted if n in left)})")
    for name, gone in planted.items():
        if not gone:
            os.remove(os.path.join(out, name))
    same_tree(out, ref, "after SIGKILL, re-run")

    # the parent alone: its workers stop by themselves (PR_SET_PDEATHSIG)
    out = e.path("parent-killed")
    p = start_batch(e, csv, out)
    if wait_for(out, "*.pdf", 6, p):
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        check(group_gone(p.pid, 60), "SIGKILL to the parent: its workers stop on their own")
        after_kill(e, out, ref, "SIGKILL to the parent")
    else:
        p.wait()
        print("skip: the batch finished before SIGKILL to the parent")
    r = e.run(["batch", "--patients", csv, "-j", "2", "-o", out])
    check(r.returncode == 0, f"after SIGKILL to the parent: the re-run exits {r.returncode}")
    same_tree(out, ref, "after SIGKILL to the parent, re-run")


CASES = {
    "enospc-leaflet": case_enospc_leaflet,
    "enospc-full": case_enospc_full,
    "enospc-tmpfs": case_enospc_tmpfs,
    "unwritable": case_unwritable,
    "output-folder": case_output_folder,
    "sigkill": case_sigkill,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--handout", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    e = Env(args, fresh=not args.keep)
    if args.inside:
        case_enospc_tmpfs(e, inside=True)
    else:
        CASES[args.case](e)
    if not failures:
        print(f"all {args.case} checks passed")
        shutil.rmtree(e.work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
