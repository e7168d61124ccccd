/*
 * inline: handout inline markup to spans.  See inline.h for the syntax.
 *
 * One left-to-right pass over the scalar with three pieces of state: bold
 * on/off, keep on/off, and the link being read (its ']' offset, its URL and
 * the offset after its ')').  Markup characters are dropped; every other
 * character is copied to one output buffer and appended to the current span.
 * A new span starts when the style changes (bold, keep, link URL), when the
 * source offset of a character does not follow the previous one (markup or
 * an escape was skipped), or when the character comes from another source
 * line (another anchor).  So every span is a run of characters that are
 * contiguous in the file, and its pos plus n columns is its n-th character.
 *
 * Links: a '[' starts a link only if its matching ']' (brackets counted, so
 * "[call [[0800 123]]](tel:0800123)" works) is followed directly by '('.
 * Otherwise '[' is an ordinary character.  "[[" starts a keep-together run,
 * except "[[[" where the first '[' is tried as a link.  The URL runs to the
 * matching ')' (parentheses counted) and must be http(s)://..., mailto: or
 * tel:, without spaces.  Bold and keep may start or end inside link text;
 * spans carry independent flags, so any overlap is representable.
 *
 * Variables: "{{" starts a variable, whose name runs to "}}" and is
 * [a-z0-9_]+ parts joined by single dots.  It becomes one span of its own
 * with SPAN_VAR (plus the bold, keep and link around it), whose text is the
 * name and whose pos is the "{{", for resolve to replace.  Inside a link
 * target the variables are checked the same way and left in the URL text.
 *
 * Escapes: a backslash before ASCII punctuation gives that character
 * (\* \[ \] \~ \{ \\ \( \) ...); any other backslash is an ordinary
 * character.
 */
#include "inline.h"

#include <stdlib.h>
#include <string.h>

struct iparse {
  struct arena *arena;
  const char *text;
  size_t len;
  const struct inline_anchor *anchors;
  size_t nanchors;
  struct diag *d;

  struct strbuf out;
  struct doc_span *spans; /* text holds an offset into out until the end */
  size_t nspans, cap;
  size_t *span_start; /* byte offset of each span's text in out */
  size_t nstarts, sscap;

  size_t *match; /* match_brackets() */

  /* current style */
  unsigned flags;
  const char *url;
  /* where the last emitted character ended in the source, and its anchor */
  size_t src_end;
  size_t anchor;
  bool open; /* a span is open */
  struct pos_memo *memo; /* pos_at() */
};

/* pos_at()'s memo: the column of the last offset it was asked for, so that
 * the spans of one long source line cost linear time in all, not quadratic
 * (a 1 MB line of "\\*" has 300 000 spans). */
struct pos_memo {
  size_t anchor, off;
  int col;
  bool set;
};

/* The last anchor at or before off (binary search: a scalar with many
 * escapes has many anchors). */
static size_t anchor_index(const struct iparse *p, size_t off) {
  size_t lo = 0, hi = p->nanchors; /* anchors[lo].offset <= off */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->anchors[mid].offset <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static struct src_pos pos_at(const struct iparse *p, size_t off) {
  if (!p->nanchors) {
    struct src_pos none = {NULL, 0, 0};
    return none;
  }
  size_t i = anchor_index(p, off);
  struct src_pos pos = p->anchors[i].pos;
  size_t a = p->anchors[i].offset;
  if (off > a && pos.col > 0) {
    struct pos_memo *m = p->memo;
    if (m && m->set && m->anchor == i && m->off >= a && m->off <= off)
      pos.col = m->col, a = m->off; /* count on from the last one */
    pos.col += (int)utf8_count(p->text + a, off - a);
    if (m)
      *m = (struct pos_memo){i, off, pos.col, true};
  }
  return pos;
}

/* Append out bytes [s, s+n) produced by source bytes [src, src_next). */
static void emit(struct iparse *p, const char *s, size_t n, size_t src,
                 size_t src_next) {
  size_t ai = anchor_index(p, src);
  struct doc_span *cur = p->open ? &p->spans[p->nspans - 1] : NULL;
  if (!cur || cur->flags != p->flags || cur->url != p->url ||
      src != p->src_end || ai != p->anchor) {
    cur = VEC_PUSH(p->spans, p->nspans, p->cap);
    *VEC_PUSH(p->span_start, p->nstarts, p->sscap) = p->out.len;
    memset(cur, 0, sizeof *cur);
    cur->flags = p->flags;
    cur->url = p->url;
    cur->pos = pos_at(p, src);
    p->open = true;
    p->anchor = ai;
  }
  strbuf_append(&p->out, s, n);
  cur->len += n;
  p->src_end = src_next;
}

static bool is_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/* For every unescaped '[', the offset of its matching ']' (brackets
 * counted), or NO_MATCH; computed once per text with a stack, so that many
 * unmatched '[' cost linear time. */
#define NO_MATCH ((size_t)-1)

static size_t *match_brackets(const char *t, size_t n) {
  size_t *match = xmalloc((n ? n : 1) * sizeof *match);
  size_t *stack = xmalloc((n ? n : 1) * sizeof *stack);
  size_t depth = 0;
  for (size_t j = 0; j < n; j++) {
    match[j] = NO_MATCH;
    if (t[j] == '\\' && j + 1 < n && is_punct(t[j + 1])) {
      match[++j] = NO_MATCH;
    } else if (t[j] == '[') {
      stack[depth++] = j;
    } else if (t[j] == ']' && depth > 0) {
      match[stack[--depth]] = j;
    }
  }
  free(stack);
  return match;
}

/* Does a link start at text[i] == '['?  Its ']' must be followed by '('. */
static bool find_link(const struct iparse *p, size_t i, size_t *close) {
  size_t j = p->match[i];
  if (j == NO_MATCH || j + 1 >= p->len || p->text[j + 1] != '(')
    return false;
  *close = j;
  return true;
}

/* ---- variables ----------------------------------------------------------- */

static bool var_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

/* Check the variable whose "{{" is at text[at]; on success [*name, *end) is
 * the name and *end + 2 the offset after its "}}".  Errors name the exact
 * character. */
static bool scan_var(const struct iparse *p, size_t at, size_t limit,
                     size_t *name, size_t *end) {
  const char *t = p->text;
  size_t s = at + 2, j = s;
  while (j < limit && var_char(t[j]))
    j++;
  bool closed = j + 1 < limit && t[j] == '}' && t[j + 1] == '}';
  if (!closed) {
    bool later = false;
    for (size_t k = j; k + 1 < limit && !later; k++)
      later = t[k] == '}' && t[k + 1] == '}';
    if (!later || j >= limit) {
      diag_error(p->d, pos_at(p, at),
                 "unclosed '{{' (expected '}}' after the variable name, like "
                 "{{clinic.phone_24h}}; write \\{ for a literal '{')");
      return false;
    }
    uint32_t cp = (unsigned char)t[j];
    utf8_decode(t + j, limit - j, &cp);
    char what[48];
    diag_describe_char(cp, what, sizeof what);
    diag_error(p->d, pos_at(p, j),
               "character %s in a variable name (expected lower-case letters, "
               "digits and '_' in parts joined by '.', like "
               "{{clinic.phone_24h}})",
               what);
    return false;
  }
  if (j == s) {
    diag_error(p->d, pos_at(p, at),
               "empty variable '{{}}' (expected a name, like "
               "{{clinic.phone_24h}})");
    return false;
  }
  for (size_t k = s; k < j; k++) {
    bool bad_dot = t[k] == '.' && (k == s || k + 1 == j || t[k + 1] == '.');
    if (bad_dot) {
      diag_error(p->d, pos_at(p, k),
                 "bad variable name '%.*s' (expected parts of lower-case "
                 "letters, digits and '_' joined by single dots, like "
                 "clinic.phone_24h)",
                 (int)(j - s), t + s);
      return false;
    }
  }
  *name = s;
  *end = j;
  return true;
}

/* {{name}} at text[at] to one SPAN_VAR span; *after is past the "}}". */
static bool read_var(struct iparse *p, size_t at, size_t *after) {
  size_t s, e;
  if (!scan_var(p, at, p->len, &s, &e))
    return false;
  unsigned saved = p->flags;
  p->flags |= SPAN_VAR;
  p->src_end = (size_t)-1; /* always a span of its own */
  emit(p, p->text + s, e - s, s, e);
  p->spans[p->nspans - 1].pos = pos_at(p, at);
  p->flags = saved;
  p->src_end = (size_t)-1;
  *after = e + 2;
  return true;
}

static bool url_ok(const char *u, size_t n) {
  static const char *const schemes[] = {"https://", "http://",
                                        "mailto:", "tel:"};
  for (size_t k = 0; k < sizeof schemes / sizeof *schemes; k++) {
    size_t sl = strlen(schemes[k]);
    if (n > sl && strncmp(u, schemes[k], sl) == 0)
      return true;
  }
  return false;
}

/* Read the link target after text[open] == '('.  Returns false after
 * reporting; on success *after is the offset past ')'. */
static bool read_target(struct iparse *p, size_t open, size_t *after) {
  int depth = 0;
  size_t j = open;
  for (; j < p->len; j++) {
    if (p->text[j] == '(')
      depth++;
    else if (p->text[j] == ')' && --depth == 0)
      break;
  }
  if (j >= p->len) {
    diag_error(p->d, pos_at(p, open),
               "unclosed '(' after link text (expected ')' to end the link "
               "target)");
    return false;
  }
  size_t us = open + 1, ue = j;
  if (us == ue) {
    diag_error(p->d, pos_at(p, open),
               "empty link target (expected a URL between '(' and ')')");
    return false;
  }
  for (size_t k = us; k < ue; k++) {
    char c = p->text[k];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      diag_error(p->d, pos_at(p, k),
                 "space in link target (expected a URL without spaces; "
                 "write a space as %%20)");
      return false;
    }
  }
  /* variables in the target: checked here, replaced by resolve, which also
   * checks the scheme of a target that starts with one */
  bool starts_var = ue - us >= 2 && p->text[us] == '{' && p->text[us + 1] == '{';
  for (size_t k = us; k + 1 < ue; k++) {
    if (p->text[k] == '{' && p->text[k + 1] == '{') {
      size_t s, e;
      if (!scan_var(p, k, ue, &s, &e))
        return false;
      k = e + 1;
    }
  }
  if (!starts_var && !url_ok(p->text + us, ue - us)) {
    diag_error(p->d, pos_at(p, us),
               "bad link target '%.*s' (expected a URL starting with "
               "https://, http://, mailto: or tel:)",
               (int)(ue - us), p->text + us);
    return false;
  }
  p->url = arena_strndup(p->arena, p->text + us, ue - us);
  *after = j + 1;
  return true;
}

bool inline_parse(struct arena *arena, const char *text, size_t len,
                  const struct inline_anchor *anchors, size_t nanchors,
                  struct diag *d, struct doc_inline *out) {
  struct iparse p = {0};
  p.arena = arena;
  p.text = text;
  p.len = len;
  p.anchors = anchors;
  p.nanchors = nanchors;
  p.d = d;
  p.src_end = (size_t)-1;
  struct pos_memo memo = {0};
  p.memo = &memo;
  p.match = match_brackets(text, len);
  out->spans = NULL;
  out->nspans = 0;

  size_t bold_at = 0, keep_at = 0;
  size_t link_close = (size_t)-1, link_after = 0;
  bool ok = true;

  size_t i = 0;
  while (i < len && ok) {
    char c = text[i];
    if (i == link_close) {
      p.url = NULL;
      link_close = (size_t)-1;
      i = link_after;
      continue;
    }
    if (c == '\\' && i + 1 < len && is_punct(text[i + 1])) {
      emit(&p, text + i + 1, 1, i + 1, i + 2);
      i += 2;
      continue;
    }
    if (c == '*' && i + 1 < len && text[i + 1] == '*') {
      p.flags ^= SPAN_BOLD;
      bold_at = i;
      i += 2;
      continue;
    }
    if (c == '{' && i + 1 < len && text[i + 1] == '{') {
      if (!read_var(&p, i, &i)) {
        ok = false;
        break;
      }
      continue;
    }
    if (c == '[') {
      bool triple = i + 2 < len && text[i + 1] == '[' && text[i + 2] == '[';
      bool dbl = i + 1 < len && text[i + 1] == '[';
      size_t close;
      if ((!dbl || triple) && !p.url && find_link(&p, i, &close)) {
        if (close == i + 1) {
          diag_error(d, pos_at(&p, i),
                     "empty link text (expected the words to show between "
                     "'[' and ']')");
          ok = false;
          break;
        }
        if (!read_target(&p, close + 1, &link_after)) {
          ok = false;
          break;
        }
        link_close = close;
        i++;
        continue;
      }
      if (dbl) {
        if (p.flags & SPAN_KEEP) {
          diag_error(d, pos_at(&p, i),
                     "'[[' inside '[[' (expected ']]' to close the first "
                     "one)");
          ok = false;
          break;
        }
        p.flags |= SPAN_KEEP;
        keep_at = i;
        i += 2;
        continue;
      }
    }
    if (c == ']' && i + 1 < len && text[i + 1] == ']' &&
        (p.flags & SPAN_KEEP) && i + 1 != link_close) {
      p.flags &= ~(unsigned)SPAN_KEEP;
      i += 2;
      continue;
    }
    if (c == '~') {
      emit(&p, "\xC2\xA0", 2, i, i + 1);
      i++;
      continue;
    }
    /* an ordinary character, copied whole */
    size_t n = 1;
    while (i + n < len && ((unsigned char)text[i + n] & 0xC0) == 0x80)
      n++;
    emit(&p, text + i, n, i, i + n);
    i += n;
  }

  if (ok) {
    /* report unclosed runs in source order */
    bool bold = p.flags & SPAN_BOLD, keep = p.flags & SPAN_KEEP;
    if (bold && (!keep || bold_at < keep_at))
      diag_error(d, pos_at(&p, bold_at),
                 "unclosed '**' (expected a closing '**' on the same text)");
    if (keep)
      diag_error(d, pos_at(&p, keep_at),
                 "unclosed '[[' (expected a closing ']]' on the same text)");
    if (bold && keep && bold_at > keep_at)
      diag_error(d, pos_at(&p, bold_at),
                 "unclosed '**' (expected a closing '**' on the same text)");
    ok = !bold && !keep;
  }

  if (ok && p.nspans) {
    char *buf = arena_strndup(arena, p.out.data ? p.out.data : "", p.out.len);
    out->spans = arena_alloc(arena, p.nspans * sizeof *out->spans);
    for (size_t k = 0; k < p.nspans; k++) {
      out->spans[k] = p.spans[k];
      out->spans[k].text = buf + p.span_start[k];
    }
    out->nspans = p.nspans;
  }
  strbuf_free(&p.out);
  free(p.spans);
  free(p.span_start);
  free(p.match);
  return ok;
}

char *inline_plain(struct arena *arena, const struct doc_inline *in) {
  size_t n = 0;
  for (size_t i = 0; i < in->nspans; i++)
    n += in->spans[i].len;
  char *s = arena_alloc(arena, n + 1);
  size_t o = 0;
  for (size_t i = 0; i < in->nspans; i++) {
    memcpy(s + o, in->spans[i].text, in->spans[i].len);
    o += in->spans[i].len;
  }
  s[o] = '\0';
  return s;
}
