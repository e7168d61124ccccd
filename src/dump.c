/* dump: stage outputs as text.  See dump.h. */
#include "dump.h"

#include <string.h>

#include "linebreak.h"

static const char *const block_names[DOC__MAX] = {
    "heading", "para", "list", "callout", "table", "image", "qr"};
static const char *const callout_names[CALLOUT__MAX] = {"info", "warning",
                                                        "urgent"};
static const char *const role_names[ROLE__MAX] = {
    "Document", "Sect", "Div", "H1", "H2", "H3", "P", "L", "LI",
    "Lbl", "LBody", "Table", "TR", "TH", "TD", "Figure", "Caption"};
_Static_assert(sizeof role_names / sizeof *role_names == ROLE__MAX,
               "one name per role");

static void dump_inline(FILE *out, const struct doc_inline *in) {
  for (size_t i = 0; i < in->nspans; i++) {
    const struct doc_span *s = &in->spans[i];
    fputc('[', out);
    if (s->flags & SPAN_BOLD) fputs("b", out);
    if (s->flags & SPAN_KEEP) fputs("k", out);
    if (s->url) fprintf(out, "<%s>", s->url);
    fprintf(out, "%d:%d \"%.*s\"]", s->pos.line, s->pos.col, (int)s->len, s->text);
  }
}

static void dump_block(FILE *out, const struct doc_block *b, int depth) {
  fprintf(out, "%*s%s %d:%d", depth * 2, "", block_names[b->kind], b->pos.line,
          b->pos.col);
  switch (b->kind) {
  case DOC_HEADING: fprintf(out, " level=%d ", b->level); break;
  case DOC_LIST: fprintf(out, " %s\n", b->ordered ? "numbered" : "bullets"); break;
  case DOC_CALLOUT: fprintf(out, " %s ", callout_names[b->callout]); break;
  case DOC_TABLE:
    fprintf(out, " %zux%zu%s\n", b->nrows, b->ncols, b->header_row ? " header" : "");
    break;
  case DOC_IMAGE: fprintf(out, " file=%s alt=\"%s\" ", b->path, b->alt); break;
  case DOC_QR: fprintf(out, " url=%s alt=\"%s\" ", b->url, b->alt); break;
  default: fputc(' ', out); break;
  }
  if (b->kind != DOC_LIST && b->kind != DOC_TABLE) {
    dump_inline(out, &b->text);
    fputc('\n', out);
  }
  for (size_t i = 0; i < b->nitems; i++) {
    fprintf(out, "%*s- ", depth * 2 + 2, "");
    dump_inline(out, &b->items[i].text);
    fputc('\n', out);
    if (b->items[i].sublist) dump_block(out, b->items[i].sublist, depth + 2);
  }
  for (size_t i = 0; i < b->nchildren; i++) dump_block(out, &b->children[i], depth + 1);
  for (size_t i = 0; b->kind == DOC_TABLE && i < b->nrows * b->ncols; i++) {
    fprintf(out, "%*scell %zu,%zu ", depth * 2 + 2, "", i / b->ncols, i % b->ncols);
    dump_inline(out, &b->cells[i]);
    fputc('\n', out);
  }
}

void dump_tree(FILE *out, const struct doc *doc) {
  fprintf(out, "doc id=%s language=%s version=%s published=%s review_by=%s\n",
          doc->id, doc->language, doc->version, doc->published, doc->review_by);
  fprintf(out, "title \"%s\"\n", doc->title);
  if (doc->subtitle) fprintf(out, "subtitle \"%s\"\n", doc->subtitle);
  fprintf(out, "owner \"%s\"\nreviewed_against \"%s\"\n", doc->owner,
          doc->reviewed_against);
  if (doc->summary.nspans) {
    fputs("summary ", out);
    dump_inline(out, &doc->summary);
    fputc('\n', out);
  }
  for (size_t i = 0; i < doc->nsources; i++)
    fprintf(out, "source \"%s\" %s\n", doc->sources[i].title,
            doc->sources[i].url ? doc->sources[i].url : "-");
  for (size_t i = 0; i < doc->nblocks; i++) dump_block(out, &doc->blocks[i], 0);
}

/* The text of a line as drawn: boxes, a space per glue, a final hyphen. */
static void line_text(FILE *out, const struct pg_op *op) {
  for (size_t i = 0; i < op->nitems; i++) {
    const struct item *it = &op->items[i];
    if (it->type == ITEM_BOX) fwrite(it->text, 1, it->len, out);
    if (it->type == ITEM_GLUE && it->stretch < ITEM_FIL) fputc(' ', out);
  }
  if (op->hyphen) fputc('-', out);
}

void dump_lines(FILE *out, const struct galley *g) {
  fprintf(out, "galley width=%.2f chunks=%zu\n", HU_TO_PT(g->width), g->nchunks);
  for (size_t i = 0; i < g->nchunks; i++) {
    const struct galley_chunk *ch = &g->chunks[i];
    for (size_t k = 0; k < ch->nops; k++) {
      const struct pg_op *op = &ch->ops[k];
      if (op->kind != PG_TEXT) continue;
      fprintf(out, "%4zu %s%s r=%+.3f |", i, ch->keep_with_next ? "k" : "-",
              op->elem < 0 ? "a" : " ", op->ratio);
      line_text(out, op);
      /* a hyphen inserted by hyphenation, as opposed to one in the text */
      fputs(op->hyphen ? "| inserted-hyphen\n" : "|\n", out);
    }
  }
}

void dump_pages(FILE *out, const struct pg_doc *pg) {
  fprintf(out, "pages %zu size %.2f x %.2f\n", pg->npages,
          HU_TO_PT(pg->page_width), HU_TO_PT(pg->page_height));
  for (size_t p = 0; p < pg->npages; p++) {
    fprintf(out, "page %zu\n", p + 1);
    for (size_t i = 0; i < pg->pages[p].nops; i++) {
      const struct pg_op *op = &pg->pages[p].ops[i];
      const char *role = op->elem < 0 ? "Artifact" : role_names[pg->elems[op->elem].role];
      switch (op->kind) {
      case PG_TEXT:
        fprintf(out, "  text %.2f %.2f %s |", HU_TO_PT(op->x), HU_TO_PT(op->y), role);
        line_text(out, op);
        fputs("|\n", out);
        break;
      case PG_RECT:
        fprintf(out, "  rect %.2f %.2f %.2f %.2f\n", HU_TO_PT(op->x),
                HU_TO_PT(op->y), HU_TO_PT(op->w), HU_TO_PT(op->h));
        break;
      case PG_IMAGE:
      case PG_QR:
        fprintf(out, "  %s %.2f %.2f %.2f %.2f %s\n",
                op->kind == PG_QR ? "qr" : "image", HU_TO_PT(op->x),
                HU_TO_PT(op->y), HU_TO_PT(op->w), HU_TO_PT(op->h),
                op->kind == PG_QR ? op->url : op->path);
        break;
      case PG_LINK:
        fprintf(out, "  link %.2f %.2f %.2f %.2f %s\n", HU_TO_PT(op->x),
                HU_TO_PT(op->y), HU_TO_PT(op->w), HU_TO_PT(op->h), op->url);
        break;
      case PG__MAX: break;
      }
    }
  }
  for (size_t i = 0; i < pg->noutlines; i++)
    fprintf(out, "outline %d page %d \"%s\"\n", pg->outlines[i].level,
            pg->outlines[i].page + 1, pg->outlines[i].title);
}
