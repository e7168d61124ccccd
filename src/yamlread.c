/*
 * yamlread: one YAML file to a yr_node tree.  See yamlread.h for the
 * contract.
 *
 * Steps:
 *   1. read_file() with the LOAD_MAX_BYTES limit.
 *   2. Index the lines the way libyaml counts them (a break is \r\n, \r, \n,
 *      NEL, LS or PS; a leading BOM is not part of column 0), so that our own
 *      positions and libyaml's marks agree.
 *   3. Reject invalid UTF-8 and tabs in indentation ourselves, with the exact
 *      position: libyaml would report the first as "invalid leading UTF-8
 *      octet" without a line, and the second in a confusing way or not at
 *      all.
 *   4. Pull libyaml events and build nodes recursively (depth is bounded by
 *      LOAD_MAX_DEPTH, so recursion is safe).  Anchors, aliases, tags,
 *      complex keys and duplicate keys are collected as errors and the read
 *      goes on; a syntax error or the depth limit stops it.  Errors are
 *      buffered and printed sorted by position, so a duplicate key found when
 *      its mapping closes still prints in file order.
 *   5. For each scalar, align its value with its source text to compute the
 *      inline anchors (compute_anchors below).
 */
#include "yamlread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "load.h"

/* ---- source text and positions ----------------------------------------- */

/* Positions are mostly asked for in file order, so the last answer of each
 * conversion is remembered and the next one counts on from there: without
 * this, a 1 MB single-line file would take minutes (each scalar counting
 * characters from the start of the line). */
struct src_cache {
  size_t line, off, col;    /* src_pos_of: offset off is column col (0-based) */
  size_t mline, mcol, moff; /* src_mark_offset: (mline, mcol) is at moff */
};

struct src {
  const char *text;
  size_t len;
  const char *path; /* display path */
  size_t *starts;   /* byte offset of each line's first character */
  size_t *ends;     /* byte offset of each line's break (or len) */
  size_t nlines;
  struct src_cache *cache;
};

/* Length of the line break at text[i], or 0 if there is none. */
static size_t break_len(const char *t, size_t n, size_t i) {
  unsigned char c = (unsigned char)t[i];
  if (c == '\n')
    return 1;
  if (c == '\r')
    return (i + 1 < n && t[i + 1] == '\n') ? 2 : 1;
  if (c == 0xC2 && i + 1 < n && (unsigned char)t[i + 1] == 0x85)
    return 2;
  if (c == 0xE2 && i + 2 < n && (unsigned char)t[i + 1] == 0x80 &&
      ((unsigned char)t[i + 2] == 0xA8 || (unsigned char)t[i + 2] == 0xA9))
    return 3;
  return 0;
}

static void src_index(struct src *s) {
  size_t cap = 0;
  size_t i = 0;
  s->nlines = 0;
  size_t ecap = 0, nends = 0;
  if (s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  *VEC_PUSH(s->starts, s->nlines, cap) = i;
  while (i < s->len) {
    size_t b = break_len(s->text, s->len, i);
    if (b) {
      *VEC_PUSH(s->ends, nends, ecap) = i;
      i += b;
      *VEC_PUSH(s->starts, s->nlines, cap) = i;
    } else {
      i++;
    }
  }
  *VEC_PUSH(s->ends, nends, ecap) = s->len;
}

static void src_free(struct src *s) {
  free(s->starts);
  free(s->ends);
}

/* 0-based line holding byte offset off. */
static size_t src_line_of(const struct src *s, size_t off) {
  size_t lo = 0, hi = s->nlines; /* starts[lo] <= off < starts[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static struct src_pos src_pos_of(const struct src *s, size_t off) {
  if (off > s->len)
    off = s->len;
  size_t line = src_line_of(s, off);
  size_t start = s->starts[line], col = 0;
  struct src_cache *c = s->cache;
  if (off < start) {
    col = 0;
  } else if (c->line == line && c->off >= start && c->off <= off) {
    col = c->col + utf8_count(s->text + c->off, off - c->off);
  } else {
    col = utf8_count(s->text + start, off - start);
  }
  if (off >= start) {
    c->line = line;
    c->off = off;
    c->col = col;
  }
  return (struct src_pos){s->path, (int)line + 1, (int)col + 1};
}

/* Byte offset of a libyaml mark (0-based line and column in characters). */
static size_t src_mark_offset(const struct src *s, size_t line, size_t col) {
  if (line >= s->nlines)
    return s->len;
  struct src_cache *c = s->cache;
  size_t i = s->starts[line], end = s->ends[line], want = col;
  if (c->mline == line && c->mcol <= col && c->moff >= i && c->moff <= end) {
    i = c->moff;
    col -= c->mcol;
  }
  while (col > 0 && i < end) {
    i++;
    while (i < end && ((unsigned char)s->text[i] & 0xC0) == 0x80)
      i++;
    col--;
  }
  c->mline = line;
  c->mcol = want - col;
  c->moff = i;
  return i;
}

static struct src_pos mkpos(const char *file, int line, int col) {
  struct src_pos p = {file, line, col};
  return p;
}

static struct src_pos mark_pos(const struct src *s, yaml_mark_t m) {
  return (struct src_pos){s->path, (int)m.line + 1, (int)m.column + 1};
}

/* ---- buffered errors ----------------------------------------------------- */

struct pending {
  struct src_pos pos;
  size_t seq; /* report order, to keep the sort stable */
  char *msg;
};

struct reader {
  struct src src;
  struct arena *arena;
  struct diag *d;
  yaml_parser_t parser;
  bool fatal; /* stop reading: syntax error or depth limit */
  struct pending *errs;
  size_t nerrs, errcap;
};

static void rerror(struct reader *r, struct src_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rerror(struct reader *r, struct src_pos pos, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = xmalloc((size_t)n + 1);
  vsnprintf(msg, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  struct pending *p = VEC_PUSH(r->errs, r->nerrs, r->errcap);
  p->pos = pos;
  p->seq = r->nerrs;
  p->msg = msg;
}

static int pending_cmp(const void *a, const void *b) {
  const struct pending *x = a, *y = b;
  if (x->pos.line != y->pos.line)
    return x->pos.line < y->pos.line ? -1 : 1;
  if (x->pos.col != y->pos.col)
    return x->pos.col < y->pos.col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_errors(struct reader *r) {
  if (r->nerrs > 1)
    qsort(r->errs, r->nerrs, sizeof *r->errs, pending_cmp);
  for (size_t i = 0; i < r->nerrs; i++) {
    diag_error(r->d, r->errs[i].pos, "%s", r->errs[i].msg);
    free(r->errs[i].msg);
  }
  free(r->errs);
  r->errs = NULL;
  r->nerrs = r->errcap = 0;
}

/* ---- checks before libyaml ---------------------------------------------- */

/* Describe the invalid UTF-8 sequence at t[i] (utf8_decode refused it). */
static void describe_bad_utf8(const unsigned char *t, size_t n, size_t i,
                              char *buf, size_t size) {
  unsigned c = t[i];
  if (c >= 0x80 && c <= 0xBF) {
    snprintf(buf, size, "stray continuation byte 0x%02X", c);
    return;
  }
  if (c == 0xC0 || c == 0xC1) {
    snprintf(buf, size, "overlong encoding (byte 0x%02X)", c);
    return;
  }
  if (c >= 0xF5) {
    snprintf(buf, size, "byte 0x%02X, which never occurs in UTF-8", c);
    return;
  }
  int need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
  for (int k = 1; k <= need; k++) {
    if (i + (size_t)k >= n || (t[i + k] & 0xC0) != 0x80) {
      snprintf(buf, size,
               "truncated sequence (byte 0x%02X needs %d continuation "
               "byte%s, found %d)",
               c, need, need == 1 ? "" : "s", k - 1);
      return;
    }
  }
  uint32_t v = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
  for (int k = 1; k <= need; k++)
    v = (v << 6) | (t[i + k] & 0x3F);
  if (v >= 0xD800 && v <= 0xDFFF)
    snprintf(buf, size, "encoded surrogate U+%04X", (unsigned)v);
  else if (v > 0x10FFFF)
    snprintf(buf, size, "code point above U+10FFFF");
  else
    snprintf(buf, size, "overlong encoding of U+%04X", (unsigned)v);
}

static bool check_utf8(struct reader *r) {
  size_t bad = utf8_invalid_at(r->src.text, r->src.len);
  if (bad == (size_t)-1)
    return true;
  char what[128];
  describe_bad_utf8((const unsigned char *)r->src.text, r->src.len, bad, what,
                    sizeof what);
  diag_error(r->d, src_pos_of(&r->src, bad),
             "invalid UTF-8: %s (expected UTF-8 text; save the file as UTF-8)",
             what);
  return false;
}

/* A tab among the leading blanks of a line that has content. */
static bool check_tabs(struct reader *r) {
  const struct src *s = &r->src;
  for (size_t ln = 0; ln < s->nlines; ln++) {
    size_t i = s->starts[ln], end = s->ends[ln], tab = (size_t)-1;
    for (; i < end && (s->text[i] == ' ' || s->text[i] == '\t'); i++)
      if (s->text[i] == '\t' && tab == (size_t)-1)
        tab = i;
    if (tab != (size_t)-1 && i < end) {
      diag_error(r->d, src_pos_of(s, tab),
                 "tab character in indentation (expected spaces)");
      return false;
    }
  }
  return true;
}

/* ---- libyaml errors in plain words -------------------------------------- */

/* Is the ':' at off inside a value on a "key: value" line (rather than the
 * colon of a key that starts its own line)? */
static bool colon_in_value(const struct src *s, size_t off) {
  size_t ls = s->starts[src_line_of(s, off)];
  for (size_t i = ls; i + 1 < off; i++)
    if (s->text[i] == ':' && (s->text[i + 1] == ' ' || s->text[i + 1] == '\t'))
      return true;
  return false;
}

static void report_yaml_error(struct reader *r) {
  yaml_parser_t *p = &r->parser;
  const char *problem = p->problem ? p->problem : "unknown problem";
  const char *context = p->context;
  struct src_pos pos = mark_pos(&r->src, p->problem_mark);
  struct src_pos cpos = mark_pos(&r->src, p->context_mark);
  size_t off =
      src_mark_offset(&r->src, p->problem_mark.line, p->problem_mark.column);
  char here = off < r->src.len ? r->src.text[off] : '\0';
  /* the last non-blank character before the problem, on the same line */
  char before = '\0';
  for (size_t i = off; i > 0; i--) {
    char c = r->src.text[i - 1];
    if (c == ' ' || c == '\t')
      continue;
    if (c != '\n' && c != '\r')
      before = c;
    break;
  }

  if (p->error == YAML_READER_ERROR) {
    /* reader errors carry a byte offset, not a mark */
    struct src_pos at = src_pos_of(&r->src, p->problem_offset);
    if (p->problem_value >= 0) {
      char ch[48];
      diag_describe_char((unsigned)p->problem_value, ch, sizeof ch);
      diag_error(r->d, at, "control character %s (expected printable text)",
                 ch);
    } else {
      diag_error(r->d, at, "unreadable text: %s (expected UTF-8 text)",
                 problem);
    }
    return;
  }
  if (strcmp(problem, "could not find expected ':'") == 0) {
    diag_error(r->d, context ? cpos : pos,
               "missing ':' after a key (expected 'key: value')");
  } else if (strcmp(problem,
                    "mapping values are not allowed in this context") == 0 &&
             !colon_in_value(&r->src, off)) {
    /* "key: value" on a line of its own that libyaml read as the
     * continuation of the value above: an indentation mistake */
    size_t ls = r->src.starts[src_line_of(&r->src, off)];
    while (ls < off && (r->src.text[ls] == ' ' || r->src.text[ls] == '-'))
      ls++;
    diag_error(r->d, src_pos_of(&r->src, ls),
               "bad indentation of '%.*s:' (expected 'key: value' lined up "
               "with the keys above, or quotes around a value that contains "
               "': ')",
               (int)(off - ls), r->src.text + ls);
  } else if (strcmp(problem,
                    "mapping values are not allowed in this context") == 0) {
    diag_error(r->d, pos,
               "unexpected ':' (expected no ': ' inside a plain value; put the "
               "value in quotes)");
  } else if (strcmp(problem, "found unexpected end of stream") == 0 &&
             context && strstr(context, "quoted scalar")) {
    diag_error(r->d, cpos,
               "unclosed quote (expected a closing quote before the end of the "
               "file)");
  } else if (strcmp(problem, "found unknown escape character") == 0) {
    diag_error(r->d, pos,
               "unknown escape sequence in double quotes (expected \\\\ for a "
               "backslash, or use single quotes)");
  } else if (strcmp(problem, "did not find expected alphabetic or numeric "
                             "character") == 0 &&
             context && strstr(context, "alias")) {
    diag_error(r->d, cpos,
               "a value cannot start with '*' (expected quotes around text "
               "that starts with '*' or '**'; lists use '- ')");
  } else if (strcmp(problem, "did not find expected alphabetic or numeric "
                             "character") == 0 &&
             context && strstr(context, "anchor")) {
    diag_error(r->d, cpos,
               "a value cannot start with '&' (expected quotes around text "
               "that starts with '&')");
  } else if (strcmp(problem, "found character that cannot start any token") ==
             0) {
    diag_error(r->d, pos,
               "a value cannot start with '%c' (expected quotes around text "
               "that starts with '%c')",
               here ? here : '?', here ? here : '?');
  } else if (strcmp(problem, "did not find expected key") == 0 &&
             (before == ']' || before == '}')) {
    diag_error(r->d, pos,
               "text after a closing '%c' (expected quotes around text that "
               "starts with '%c')",
               before, before == ']' ? '[' : '{');
  } else if (strcmp(problem, "did not find expected key") == 0) {
    diag_error(r->d, pos,
               "bad indentation or a missing ':' (expected 'key: value' lined "
               "up with the keys above)");
  } else if (strcmp(problem, "did not find expected '-' indicator") == 0) {
    diag_error(r->d, pos,
               "bad indentation in a list (expected '- ' lined up with the "
               "items above)");
  } else if (strcmp(problem, "did not find expected node content") == 0) {
    diag_error(r->d, pos, "missing value (expected a value here)");
  } else if (strcmp(problem, "did not find expected ',' or ']'") == 0) {
    diag_error(r->d, context ? cpos : pos,
               "unclosed '[' (expected ',' or ']'; put quotes around text "
               "that starts with '[')");
  } else if (strcmp(problem, "did not find expected ',' or '}'") == 0) {
    diag_error(r->d, context ? cpos : pos,
               "unclosed '{' (expected ',' or '}'; put quotes around text "
               "that starts with '{')");
  } else if (strcmp(problem, "block sequence entries are not allowed in this "
                             "context") == 0) {
    diag_error(r->d, pos,
               "unexpected '- ' (expected a list item on its own line, "
               "indented under its key)");
  } else if (context) {
    diag_error(r->d, pos, "invalid YAML: %s %s (expected valid YAML)", problem,
               context);
  } else {
    diag_error(r->d, pos, "invalid YAML: %s (expected valid YAML)", problem);
  }
}

/* ---- inline anchors ------------------------------------------------------
 * The value of a scalar is aligned with its source text line by line.  For
 * each source line in the scalar (for quoted scalars without the quotes,
 * for block scalars without the header line), leading and trailing blanks
 * are dropped; the value cursor skips whitespace that YAML folding produced
 * or kept (a folded break, indentation beyond the block indent, blank
 * lines) until the line's first character matches; then characters are
 * matched one to one, decoding escapes ("\t", "\u00e9", "''").  An anchor is
 * recorded at each line's first matched character and after each escape.
 * If anything fails to match, alignment stops and the anchors found so far
 * are kept (positions after that point are approximate).
 */

struct anchors {
  struct inline_anchor *a;
  size_t n, cap;
};

static void anchor_add(struct anchors *as, size_t off, struct src_pos pos) {
  if (as->n && as->a[as->n - 1].offset == off) {
    as->a[as->n - 1].pos = pos;
    return;
  }
  struct inline_anchor *x = VEC_PUSH(as->a, as->n, as->cap);
  x->offset = off;
  x->pos = pos;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decode the double-quoted escape at t[i] == '\\' (end e).  Stores its UTF-8
 * bytes in out and returns the source length, 0 if it is a line
 * continuation ("\" at the end of the line), -1 if unknown. */
static int decode_escape(const char *t, size_t i, size_t e, char *out,
                         int *outlen) {
  if (i + 1 >= e)
    return 0;
  char c = t[i + 1];
  uint32_t cp;
  int digits = 0;
  switch (c) {
  case '0':
    cp = 0;
    break;
  case 'a':
    cp = 7;
    break;
  case 'b':
    cp = 8;
    break;
  case 't':
  case '\t':
    cp = 9;
    break;
  case 'n':
    cp = 10;
    break;
  case 'v':
    cp = 11;
    break;
  case 'f':
    cp = 12;
    break;
  case 'r':
    cp = 13;
    break;
  case 'e':
    cp = 27;
    break;
  case ' ':
    cp = ' ';
    break;
  case '"':
    cp = '"';
    break;
  case '/':
    cp = '/';
    break;
  case '\\':
    cp = '\\';
    break;
  case 'N':
    cp = 0x85;
    break;
  case '_':
    cp = 0xA0;
    break;
  case 'L':
    cp = 0x2028;
    break;
  case 'P':
    cp = 0x2029;
    break;
  case 'x':
    digits = 2;
    break;
  case 'u':
    digits = 4;
    break;
  case 'U':
    digits = 8;
    break;
  default:
    return -1;
  }
  if (digits) {
    if (i + 2 + (size_t)digits > e)
      return -1;
    cp = 0;
    for (int k = 0; k < digits; k++) {
      int h = hexval(t[i + 2 + k]);
      if (h < 0)
        return -1;
      cp = cp * 16 + (uint32_t)h;
    }
  }
  *outlen = utf8_encode(cp, out);
  return 2 + digits;
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }
static bool is_vws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Align value v[0..vn) with the source lines of [cs, ce). */
static void align(const struct src *s, enum yr_style style, size_t cs,
                  size_t ce, const char *v, size_t vn, struct anchors *as) {
  size_t vo = 0;
  size_t line = src_line_of(s, cs);
  for (; line < s->nlines && s->starts[line] <= ce; line++) {
    size_t ls = s->starts[line] > cs ? s->starts[line] : cs;
    size_t le = s->ends[line] < ce ? s->ends[line] : ce;
    if (ls > le)
      continue;
    const char *t = s->text;
    while (ls < le && is_ws(t[ls]))
      ls++;
    while (le > ls && is_ws(t[le - 1]))
      le--;
    if (ls == le)
      continue;

    /* skip whitespace in the value up to the line's first character */
    size_t i = ls;
    bool first = true;
    while (i < le) {
      char buf[4];
      int blen = 0, slen = 1;
      if (style == YR_DOUBLE_QUOTED && t[i] == '\\') {
        slen = decode_escape(t, i, le, buf, &blen);
        if (slen == 0)
          break; /* line continuation */
        if (slen < 0)
          return;
      } else if (style == YR_SINGLE_QUOTED && t[i] == '\'' && i + 1 < le &&
                 t[i + 1] == '\'') {
        buf[0] = '\'';
        blen = 1;
        slen = 2;
      } else {
        buf[0] = t[i];
        blen = 1;
      }
      if (first) {
        while (vo < vn &&
               (vo + (size_t)blen > vn ||
                memcmp(v + vo, buf, (size_t)blen) != 0) &&
               is_vws(v[vo]))
          vo++;
        if (vo + (size_t)blen > vn || memcmp(v + vo, buf, (size_t)blen) != 0)
          return;
        anchor_add(as, vo, src_pos_of(s, i));
        first = false;
      } else if (vo + (size_t)blen > vn ||
                 memcmp(v + vo, buf, (size_t)blen) != 0) {
        return;
      }
      vo += (size_t)blen;
      i += (size_t)slen;
      if (slen != 1 && blen != slen && i < le)
        anchor_add(as, vo, src_pos_of(s, i)); /* after an escape */
    }
  }
}

static void compute_anchors(struct reader *r, struct yr_node *n,
                            const yaml_event_t *ev) {
  const struct src *s = &r->src;
  size_t so = src_mark_offset(s, ev->start_mark.line, ev->start_mark.column);
  size_t eo = src_mark_offset(s, ev->end_mark.line, ev->end_mark.column);
  if (eo < so)
    eo = so;
  size_t cs = so, ce = eo;
  switch (n->style) {
  case YR_SINGLE_QUOTED:
  case YR_DOUBLE_QUOTED:
    cs = so + 1 <= eo ? so + 1 : eo;
    ce = eo > cs ? eo - 1 : cs;
    break;
  case YR_LITERAL:
  case YR_FOLDED: {
    size_t line = src_line_of(s, so);
    cs = line + 1 < s->nlines ? s->starts[line + 1] : s->len;
    if (cs > eo)
      cs = eo;
    break;
  }
  default:
    break;
  }
  struct anchors as = {0};
  align(s, n->style, cs, ce, n->str, n->len, &as);
  if (as.n == 0 || as.a[0].offset != 0) {
    /* value starts with whitespace the alignment skipped, or is empty */
    struct inline_anchor first = {0, src_pos_of(s, cs)};
    if (as.n && !memchr(n->str, '\n', as.a[0].offset)) {
      /* leading blanks on the first anchored line: count back from it */
      first.pos = as.a[0].pos;
      int back = (int)utf8_count(n->str, as.a[0].offset);
      first.pos.col = first.pos.col > back ? first.pos.col - back : 1;
    } else if (n->style == YR_LITERAL || n->style == YR_FOLDED) {
      first.pos = as.n ? as.a[0].pos : src_pos_of(s, so);
      if (as.n)
        first.pos.col = 1;
    }
    VEC_PUSH(as.a, as.n, as.cap);
    memmove(as.a + 1, as.a, (as.n - 1) * sizeof *as.a);
    as.a[0] = first;
  }
  n->anchors = arena_alloc(r->arena, as.n * sizeof *as.a);
  memcpy(n->anchors, as.a, as.n * sizeof *as.a);
  n->nanchors = as.n;
  free(as.a);
}

/* ---- events to nodes ------------------------------------------------------
 */

static bool next_event(struct reader *r, yaml_event_t *ev) {
  if (!yaml_parser_parse(&r->parser, ev)) {
    flush_errors(r); /* earlier errors first, then the syntax error */
    report_yaml_error(r);
    r->fatal = true;
    return false;
  }
  return true;
}

static struct yr_node *new_node(struct reader *r, enum yr_kind kind,
                                const yaml_event_t *ev) {
  struct yr_node *n = arena_alloc(r->arena, sizeof *n);
  n->kind = kind;
  n->pos = mark_pos(&r->src, ev->start_mark);
  n->str = "";
  return n;
}

static void check_props(struct reader *r, const yaml_event_t *ev,
                        const yaml_char_t *anchor, const yaml_char_t *tag,
                        bool implicit_tag) {
  if (anchor)
    rerror(r, mark_pos(&r->src, ev->start_mark),
           "anchors and aliases are not supported (expected plain values)");
  else if (tag && !implicit_tag) {
    /* show the tag as written ("!!int"), not as resolved */
    size_t off =
        src_mark_offset(&r->src, ev->start_mark.line, ev->start_mark.column);
    size_t end = off;
    while (end < r->src.len && end - off < 40 && r->src.text[end] != ' ' &&
           r->src.text[end] != '\n' && r->src.text[end] != '\r')
      end++;
    rerror(r, mark_pos(&r->src, ev->start_mark),
           "tags such as '%.*s' are not supported (expected plain values)",
           (int)(end - off), r->src.text + off);
  }
}

/* Report duplicate keys in a finished mapping. */
struct keyref {
  const struct yr_node *key;
  size_t index;
};

static int keyref_cmp(const void *a, const void *b) {
  const struct keyref *x = a, *y = b;
  int c = strcmp(x->key->str, y->key->str);
  if (c)
    return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

static void check_duplicates(struct reader *r, struct yr_pair *pairs,
                             size_t n) {
  if (n < 2)
    return;
  struct keyref *refs = xmalloc(n * sizeof *refs);
  for (size_t i = 0; i < n; i++)
    refs[i] = (struct keyref){pairs[i].key, i};
  qsort(refs, n, sizeof *refs, keyref_cmp);
  for (size_t i = 1; i < n; i++) {
    size_t j = i;
    while (j > 0 && strcmp(refs[j - 1].key->str, refs[i].key->str) == 0)
      j--;
    if (j != i)
      rerror(r, refs[i].key->pos,
             "duplicate key '%s' (first defined at line %d)", refs[i].key->str,
             refs[j].key->pos.line);
  }
  free(refs);
}

static struct yr_node *parse_node(struct reader *r, yaml_event_t *ev,
                                  int depth);

static struct yr_node *parse_collection(struct reader *r, yaml_event_t *ev,
                                        int depth, bool mapping) {
  struct yr_node *n = new_node(r, mapping ? YR_MAPPING : YR_SEQUENCE, ev);
  n->flow = mapping ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                    : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
  if (depth > LOAD_MAX_DEPTH) {
    flush_errors(r);
    diag_error(r->d, n->pos,
               "nesting deeper than %d levels (expected at most %d nested "
               "mappings and sequences)",
               LOAD_MAX_DEPTH, LOAD_MAX_DEPTH);
    r->fatal = true;
    yaml_event_delete(ev);
    return NULL;
  }
  if (mapping)
    check_props(r, ev, ev->data.mapping_start.anchor,
                ev->data.mapping_start.tag, ev->data.mapping_start.implicit);
  else
    check_props(r, ev, ev->data.sequence_start.anchor,
                ev->data.sequence_start.tag, ev->data.sequence_start.implicit);
  yaml_event_delete(ev);

  struct yr_node **items = NULL;
  size_t nitems = 0, cap = 0;
  yaml_event_type_t end =
      mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
  for (;;) {
    yaml_event_t e;
    if (!next_event(r, &e))
      break;
    if (e.type == end) {
      yaml_event_delete(&e);
      break;
    }
    struct yr_node *child = parse_node(r, &e, depth);
    if (r->fatal)
      break;
    *VEC_PUSH(items, nitems, cap) = child;
  }
  if (r->fatal) {
    free(items);
    return NULL;
  }
  if (mapping) {
    size_t np = nitems / 2;
    n->pairs = arena_alloc(r->arena, (np ? np : 1) * sizeof *n->pairs);
    for (size_t i = 0; i < np; i++) {
      struct yr_node *k = items[2 * i];
      if (k->kind != YR_SCALAR) {
        rerror(r, k->pos, "a %s used as a key (expected a plain text key)",
               k->kind == YR_MAPPING ? "mapping" : "sequence");
        continue;
      }
      n->pairs[n->npairs++] = (struct yr_pair){k, items[2 * i + 1]};
    }
    check_duplicates(r, n->pairs, n->npairs);
  } else {
    n->items = arena_alloc(r->arena, (nitems ? nitems : 1) * sizeof *n->items);
    if (nitems)
      memcpy(n->items, items, nitems * sizeof *items);
    n->nitems = nitems;
  }
  free(items);
  return n;
}

/* Build the node that starts with event ev (consumed). */
static struct yr_node *parse_node(struct reader *r, yaml_event_t *ev,
                                  int depth) {
  switch (ev->type) {
  case YAML_SCALAR_EVENT: {
    struct yr_node *n = new_node(r, YR_SCALAR, ev);
    check_props(r, ev, ev->data.scalar.anchor, ev->data.scalar.tag,
                ev->data.scalar.plain_implicit ||
                    ev->data.scalar.quoted_implicit);
    if (ev->data.scalar.length > LOAD_MAX_SCALAR)
      rerror(r, n->pos, "value is %zu bytes long (expected at most %d)",
             ev->data.scalar.length, LOAD_MAX_SCALAR);
    n->str = arena_strndup(r->arena, (const char *)ev->data.scalar.value,
                           ev->data.scalar.length);
    n->len = ev->data.scalar.length;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
      n->style = YR_SINGLE_QUOTED;
      break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
      n->style = YR_DOUBLE_QUOTED;
      break;
    case YAML_LITERAL_SCALAR_STYLE:
      n->style = YR_LITERAL;
      break;
    case YAML_FOLDED_SCALAR_STYLE:
      n->style = YR_FOLDED;
      break;
    default:
      n->style = YR_PLAIN;
      break;
    }
    compute_anchors(r, n, ev);
    yaml_event_delete(ev);
    return n;
  }
  case YAML_ALIAS_EVENT: {
    struct yr_node *n = new_node(r, YR_SCALAR, ev);
    rerror(r, n->pos,
           "anchors and aliases are not supported (expected plain values)");
    n->anchors = arena_alloc(r->arena, sizeof *n->anchors);
    n->anchors[0] = (struct inline_anchor){0, n->pos};
    n->nanchors = 1;
    yaml_event_delete(ev);
    return n;
  }
  case YAML_MAPPING_START_EVENT:
    return parse_collection(r, ev, depth + 1, true);
  case YAML_SEQUENCE_START_EVENT:
    return parse_collection(r, ev, depth + 1, false);
  default: {
    /* cannot happen with a well-behaved parser */
    struct src_pos pos = mark_pos(&r->src, ev->start_mark);
    yaml_event_delete(ev);
    flush_errors(r);
    diag_error(r->d, pos, "unexpected YAML event (expected a value)");
    r->fatal = true;
    return NULL;
  }
  }
}

static struct yr_node *parse_stream(struct reader *r) {
  yaml_event_t e;
  struct yr_node *root = NULL;
  bool have_doc = false;
  while (!r->fatal) {
    if (!next_event(r, &e))
      break;
    yaml_event_type_t t = e.type;
    if (t == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&e);
      break;
    }
    if (t == YAML_DOCUMENT_START_EVENT) {
      if (have_doc) {
        flush_errors(r);
        diag_error(r->d, mark_pos(&r->src, e.start_mark),
                   "a second YAML document (expected one document per file; "
                   "remove the '---')");
        r->fatal = true;
        yaml_event_delete(&e);
        break;
      }
      have_doc = true;
      yaml_event_delete(&e);
      continue;
    }
    if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_END_EVENT) {
      yaml_event_delete(&e);
      continue;
    }
    root = parse_node(r, &e, -1); /* the top collection is level 0 */
  }
  if (r->fatal)
    return NULL;
  if (!root) {
    diag_error(r->d, mkpos(r->src.path, 1, 1),
               "the file is empty (expected a YAML mapping)");
    return NULL;
  }
  /* An empty document (only comments) is one empty plain scalar. */
  if (root->kind == YR_SCALAR && root->len == 0 && root->style == YR_PLAIN) {
    flush_errors(r);
    diag_error(r->d, mkpos(r->src.path, 1, 1),
               "the file is empty (expected a YAML mapping)");
    return NULL;
  }
  return root;
}

struct yr_node *yamlread_buffer(const char *text, size_t len,
                                const char *display_path, struct arena *arena,
                                struct diag *d) {
  struct reader r = {0};
  struct src_cache cache = {0};
  r.src.cache = &cache;
  r.src.text = text;
  r.src.len = len;
  r.src.path = display_path;
  r.arena = arena;
  r.d = d;
  src_index(&r.src);
  struct yr_node *root = NULL;
  if (check_utf8(&r) && check_tabs(&r)) {
    yaml_parser_initialize(&r.parser);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
    root = parse_stream(&r);
    yaml_parser_delete(&r.parser);
    bool had = r.nerrs > 0;
    flush_errors(&r);
    if (had)
      root = NULL;
  }
  src_free(&r.src);
  return root;
}

struct yr_node *yamlread_file(const char *path, const char *display_path,
                              struct arena *arena, struct diag *d) {
  size_t len = 0;
  errno = 0;
  char *text = read_file(path, LOAD_MAX_BYTES, &len);
  if (!text) {
    struct src_pos pos = {display_path, 0, 0};
    if (errno == EFBIG) {
      struct stat st;
      if (stat(path, &st) == 0)
        diag_error(d, pos, "file is %lld bytes (expected at most %d)",
                   (long long)st.st_size, LOAD_MAX_BYTES);
      else
        diag_error(d, pos, "file is too large (expected at most %d bytes)",
                   LOAD_MAX_BYTES);
    } else {
      diag_error(d, pos, "cannot read the file: %s (expected a readable file)",
                 strerror(errno ? errno : EIO));
    }
    return NULL;
  }
  struct yr_node *root = yamlread_buffer(text, len, display_path, arena, d);
  free(text);
  return root;
}

/* ---- helpers for schema code ----------------------------------------------
 */

bool yr_is_empty(const struct yr_node *n) {
  return n && n->kind == YR_SCALAR && n->style == YR_PLAIN && n->len == 0;
}

const char *yr_kind_name(const struct yr_node *n) {
  if (!n)
    return "nothing";
  switch (n->kind) {
  case YR_MAPPING:
    return "a mapping";
  case YR_SEQUENCE:
    return "a sequence";
  default:
    return yr_is_empty(n) ? "an empty value" : "a text value";
  }
}

static const char *const expect_names[YR__MAX] = {"a text value", "a mapping",
                                                  "a sequence", "a value"};

bool yr_expect(struct diag *d, const struct yr_node *n, enum yr_kind kind) {
  if (kind == YR_ANY || n->kind == kind)
    return true;
  if (kind == YR_SCALAR && n->flow) {
    diag_error(d, n->pos,
               "expected a text value, found %s (put quotes around text that "
               "starts with '%c')",
               yr_kind_name(n), n->kind == YR_MAPPING ? '{' : '[');
    return false;
  }
  diag_error(d, n->pos, "expected %s, found %s (check indentation)",
             expect_names[kind], yr_kind_name(n));
  return false;
}

const struct yr_node *yr_get(const struct yr_node *map, const char *key) {
  if (!map || map->kind != YR_MAPPING)
    return NULL;
  for (size_t i = 0; i < map->npairs; i++)
    if (strcmp(map->pairs[i].key->str, key) == 0)
      return map->pairs[i].value;
  return NULL;
}

const char *yr_unknown_key(struct diag *d, const struct yr_node *key,
                           const char *what, const char *const *names,
                           size_t nnames) {
  const char *s = nearest_name(key->str, names, nnames);
  if (s) {
    diag_error(d, key->pos, "unknown %s '%s' (did you mean '%s'?)", what,
               key->str, s);
    return s;
  }
  struct strbuf b = {0};
  for (size_t i = 0; i < nnames; i++) {
    if (i)
      strbuf_puts(&b, ", ");
    strbuf_puts(&b, names[i]);
  }
  diag_error(d, key->pos, "unknown %s '%s' (expected one of: %s)", what,
             key->str, b.data ? b.data : "");
  strbuf_free(&b);
  return NULL;
}

bool yr_dispatch(struct diag *d, const struct yr_node *map,
                 const struct yr_field *fields, size_t nfields, void *ctx,
                 void *obj) {
  bool ok = true;
  bool *seen = xcalloc(nfields + 1, sizeof *seen);
  bool *suggested = xcalloc(nfields + 1, sizeof *suggested);
  const char **names = xmalloc((nfields + 1) * sizeof *names);
  for (size_t i = 0; i < nfields; i++)
    names[i] = fields[i].key;

  for (size_t p = 0; p < map->npairs; p++) {
    const struct yr_node *k = map->pairs[p].key, *v = map->pairs[p].value;
    size_t f = 0;
    while (f < nfields && strcmp(fields[f].key, k->str) != 0)
      f++;
    if (f == nfields) {
      const char *s = yr_unknown_key(d, k, "key", names, nfields);
      for (size_t i = 0; s && i < nfields; i++)
        if (names[i] == s)
          suggested[i] = true;
      ok = false;
      continue;
    }
    seen[f] = true;
    if (!yr_expect(d, v, fields[f].kind)) {
      ok = false;
      continue;
    }
    if (fields[f].handler &&
        !fields[f].handler(ctx, (char *)obj + fields[f].offset, k, v))
      ok = false;
  }
  for (size_t f = 0; f < nfields; f++) {
    if (fields[f].required && !seen[f] && !suggested[f]) {
      diag_error(d, map->pos, "missing required key '%s'", fields[f].key);
      ok = false;
    }
  }
  free(seen);
  free(suggested);
  free(names);
  return ok;
}

struct src_pos yr_pos_at(const struct yr_node *n, size_t off) {
  if (!n->nanchors)
    return n->pos;
  size_t i = 0;
  while (i + 1 < n->nanchors && n->anchors[i + 1].offset <= off)
    i++;
  struct src_pos p = n->anchors[i].pos;
  size_t a = n->anchors[i].offset;
  if (off > n->len)
    off = n->len;
  if (off > a)
    p.col += (int)utf8_count(n->str + a, off - a);
  return p;
}

/* ---- typed readers shared by every loader -------------------------------- */

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
      return false;
  return true;
}

bool yr_text(struct yr_ctx *ctx, const struct yr_node *k,
             const struct yr_node *v, const char **out) {
  if (blank(v->str, v->len)) {
    diag_error(ctx->d, v->pos, "empty value for '%s' (expected text)", k->str);
    return false;
  }
  *out = arena_strndup(ctx->arena, v->str, v->len);
  return true;
}

bool yr_id(struct yr_ctx *ctx, const struct yr_node *k,
           const struct yr_node *v, const char **out, const char *example) {
  if (!yr_text(ctx, k, v, out))
    return false;
  for (const char *p = v->str; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
      diag_error(ctx->d, v->pos,
                 "bad id '%s' (expected lowercase letters, digits and '-', "
                 "like %s)",
                 v->str, example);
      return false;
    }
  }
  return true;
}

bool yr_h_text(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v) {
  return yr_text(ctx, k, v, dst);
}

bool yr_h_bool(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v) {
  struct yr_ctx *c = ctx;
  if (strcmp(v->str, "true") == 0 || strcmp(v->str, "false") == 0) {
    *(bool *)dst = v->str[0] == 't';
    return true;
  }
  diag_error(c->d, v->pos,
             "'%s' is not allowed for '%s' (expected true or false; yes, no, "
             "on and off are not accepted)",
             v->str, k->str);
  return false;
}

bool yr_h_node(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v) {
  (void)ctx, (void)k;
  *(const struct yr_node **)dst = v;
  return true;
}
