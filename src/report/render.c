/*
 * render.c - text, CSV, JSON and Markdown renderers (render.h); HTML is in
 * render_html.c. Cells are attacker-chosen strings: the text renderer
 * replaces control characters (a user agent must not move the cursor of
 * the analyst's terminal), CSV quotes, Markdown escapes, JSON goes through
 * jansson.
 */
#include "report/render.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define CELL_MAX 4096
/* The text format cuts cells at this many characters (with "..."). */
#define TEXT_CELL_WIDTH 60

int rpt_format_from_name(const char *name)
{
    if (!strcmp(name, "text"))
        return RPT_FMT_TEXT;
    if (!strcmp(name, "csv"))
        return RPT_FMT_CSV;
    if (!strcmp(name, "json"))
        return RPT_FMT_JSON;
    if (!strcmp(name, "md") || !strcmp(name, "markdown"))
        return RPT_FMT_MD;
    if (!strcmp(name, "html"))
        return RPT_FMT_HTML;
    return -1;
}

static int is_numeric(rpt_type t)
{
    return t == RPT_INT || t == RPT_SHARE || t == RPT_REAL;
}

/* A cell made safe for a terminal: valid UTF-8 (bad bytes as U+FFFD),
 * control characters as '?'. Returns the number of characters (columns). */
static size_t clean_text(const char *in, char *out, size_t outlen, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = strlen(in), i = 0, w = 0, chars = 0;
    while (i < n && w + 8 < outlen) {
        if (chars == max_chars) {
            memcpy(out + w, "...", 3);
            w += 3;
            chars += 3;
            break;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (len == 0) {               /* one U+FFFD per bad byte */
            memcpy(out + w, "\xEF\xBF\xBD", 3);
            w += 3;
            i++;
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            out[w++] = '?';
            i++;
        } else {
            memcpy(out + w, p + i, len);
            w += len;
            i += len;
        }
        chars++;
    }
    out[w] = '\0';
    return chars;
}

/* ---- text ---- */

/* One line of a text table: cells padded to their column's width (numbers
 * and times right-aligned), trailing blanks dropped. */
static void text_line(FILE *f, const rpt_table *t, const size_t *width, const char cells[][CELL_MAX * 3],
                      const size_t *chars)
{
    char line[RPT_MAX_COLS * (CELL_MAX * 3 + 2) / 4];
    size_t w = 0;
    for (int c = 0; c < t->ncols; c++) {
        size_t pad = width[c] > chars[c] ? width[c] - chars[c] : 0;
        size_t len = strlen(cells[c]);
        int right = t->cols[c].type != RPT_TEXT;
        if (w + 2 + pad + len >= sizeof line)
            break;
        if (c) {
            memcpy(line + w, "  ", 2);
            w += 2;
        }
        if (right) {
            memset(line + w, ' ', pad);
            w += pad;
        }
        memcpy(line + w, cells[c], len);
        w += len;
        if (!right) {
            memset(line + w, ' ', pad);
            w += pad;
        }
    }
    while (w > 0 && line[w - 1] == ' ')
        w--;
    fwrite(line, 1, w, f);
    fputc('\n', f);
}

static int render_text_table(FILE *f, const rpt_table *t)
{
    static char cells[RPT_MAX_COLS][CELL_MAX * 3];
    size_t width[RPT_MAX_COLS], chars[RPT_MAX_COLS];
    char raw[CELL_MAX];
    for (int c = 0; c < t->ncols; c++)
        width[c] = clean_text(t->cols[c].title, cells[c], sizeof cells[c], TEXT_CELL_WIDTH);
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            rpt_cell_format(t, r, c, 0, raw, sizeof raw);
            size_t w = clean_text(raw, cells[c], sizeof cells[c], TEXT_CELL_WIDTH);
            if (w > width[c])
                width[c] = w;
        }
    fprintf(f, "%s\n", t->title);
    for (int c = 0; c < t->ncols; c++)
        chars[c] = clean_text(t->cols[c].title, cells[c], sizeof cells[c], TEXT_CELL_WIDTH);
    text_line(f, t, width, (const char(*)[CELL_MAX * 3])cells, chars);
    for (int c = 0; c < t->ncols; c++) {
        size_t n = width[c] < sizeof cells[c] - 1 ? width[c] : sizeof cells[c] - 1;
        memset(cells[c], '-', n);
        cells[c][n] = '\0';
        chars[c] = n;
    }
    text_line(f, t, width, (const char(*)[CELL_MAX * 3])cells, chars);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            rpt_cell_format(t, r, c, 0, raw, sizeof raw);
            chars[c] = clean_text(raw, cells[c], sizeof cells[c], TEXT_CELL_WIDTH);
        }
        text_line(f, t, width, (const char(*)[CELL_MAX * 3])cells, chars);
    }
    if (t->nrows == 0)
        fputs("(none)\n", f);
    fputc('\n', f);
    return 0;
}

static int render_text(FILE *f, const rpt_report *r)
{
    fprintf(f, "%s\n", r->title);
    if (r->generated)
        fprintf(f, "generated: %s\n", r->generated);
    if (r->scope)
        fprintf(f, "scope:     %s\n", r->scope);
    if (r->attribution)
        fprintf(f, "data:      %s\n", r->attribution);
    fputc('\n', f);
    for (size_t i = 0; i < r->nsections; i++) {
        const rpt_section *s = r->sections[i];
        fprintf(f, "== %s\n", s->title);
        if (s->note)
            fprintf(f, "%s\n", s->note);
        fputc('\n', f);
        for (size_t k = 0; k < s->ntables; k++)
            render_text_table(f, s->tables[k]);
    }
    return 0;
}

/* ---- CSV (RFC 4180; a "# section/table" line before each table) ---- */

static void csv_field(FILE *f, const char *s)
{
    /* Quote always when there is anything special; a leading = + - @ is
     * prefixed with ' so that a spreadsheet does not run it as a formula
     * (attacker-chosen user agents end up in analysts' spreadsheets). */
    int formula = (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') &&
                  !(s[0] == '-' && s[1] >= '0' && s[1] <= '9');
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int render_csv(FILE *f, const rpt_report *r)
{
    char raw[CELL_MAX];
    for (size_t i = 0; i < r->nsections; i++) {
        const rpt_section *s = r->sections[i];
        for (size_t k = 0; k < s->ntables; k++) {
            const rpt_table *t = s->tables[k];
            if (i || k)
                fputs("\r\n", f);
            fprintf(f, "# %s/%s\r\n", s->name, t->name);
            for (int c = 0; c < t->ncols; c++) {
                if (c)
                    fputc(',', f);
                csv_field(f, t->cols[c].name);
            }
            fputs("\r\n", f);
            for (size_t row = 0; row < t->nrows; row++) {
                for (int c = 0; c < t->ncols; c++) {
                    if (c)
                        fputc(',', f);
                    rpt_cell_format(t, row, c, 1, raw, sizeof raw);
                    csv_field(f, raw);
                }
                fputs("\r\n", f);
            }
        }
    }
    return 0;
}

/* ---- JSON ---- */

/* A JSON string from bytes that may not be UTF-8 (jansson refuses those). */
static json_t *json_text(const char *s)
{
    size_t n = strlen(s);
    json_t *j = json_stringn(s, n);   /* NULL when s is not valid UTF-8 */
    if (j)
        return j;
    char *clean = malloc(n * 3 + 9);
    if (!clean)
        return json_null();
    clean_text(s, clean, n * 3 + 9, (size_t)-1);
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *cell_json(const rpt_table *t, size_t row, int col)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    char buf[64];
    if (!c->set)
        return json_null();
    switch (t->cols[col].type) {
    case RPT_TEXT: return json_text(c->s ? c->s : "");
    case RPT_INT: return json_integer(c->i);
    case RPT_SHARE:
    case RPT_REAL: return json_real(c->d);
    case RPT_TIME:
        rpt_cell_format(t, row, col, 1, buf, sizeof buf);
        return json_string(buf);
    }
    return json_null();
}

static const char *type_name(rpt_type t)
{
    static const char *const names[] = {"text", "int", "share", "real", "time"};
    return (unsigned)t < 5 ? names[t] : "text";
}

static int render_json(FILE *f, const rpt_report *r)
{
    json_t *root = json_object();
    json_object_set_new(root, "title", json_text(r->title));
    json_object_set_new(root, "generated", r->generated ? json_text(r->generated) : json_null());
    json_object_set_new(root, "scope", r->scope ? json_text(r->scope) : json_null());
    json_object_set_new(root, "attribution", r->attribution ? json_text(r->attribution) : json_null());
    json_t *secs = json_array();
    for (size_t i = 0; i < r->nsections; i++) {
        const rpt_section *s = r->sections[i];
        json_t *js = json_object();
        json_object_set_new(js, "name", json_text(s->name));
        json_object_set_new(js, "title", json_text(s->title));
        json_object_set_new(js, "note", s->note ? json_text(s->note) : json_null());
        json_t *tabs = json_array();
        for (size_t k = 0; k < s->ntables; k++) {
            const rpt_table *t = s->tables[k];
            json_t *jt = json_object();
            json_object_set_new(jt, "name", json_text(t->name));
            json_object_set_new(jt, "title", json_text(t->title));
            json_t *cols = json_array();
            for (int c = 0; c < t->ncols; c++)
                json_array_append_new(cols, json_pack("{s:s,s:s,s:s}", "name", t->cols[c].name, "title",
                                                      t->cols[c].title, "type", type_name(t->cols[c].type)));
            json_object_set_new(jt, "columns", cols);
            json_t *rows = json_array();
            for (size_t row = 0; row < t->nrows; row++) {
                json_t *jr = json_object();
                for (int c = 0; c < t->ncols; c++)
                    json_object_set_new(jr, t->cols[c].name, cell_json(t, row, c));
                json_array_append_new(rows, jr);
            }
            json_object_set_new(jt, "rows", rows);
            json_array_append_new(tabs, jt);
        }
        json_object_set_new(js, "tables", tabs);
        json_array_append_new(secs, js);
    }
    json_object_set_new(root, "sections", secs);
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(root);
    fputc('\n', f);
    return rc == 0 ? 0 : -1;
}

/* ---- Markdown ---- */

/* Escapes what Markdown (or HTML inside it) would interpret: emphasis,
 * code, links, table pipes, tags and entities. Cells are cut at
 * MD_CELL_WIDTH characters; titles and notes are not. */
#define MD_CELL_WIDTH 200
static void md_text_max(FILE *f, const char *s, size_t max_chars)
{
    char clean[CELL_MAX * 3];
    clean_text(s, clean, sizeof clean, max_chars);
    for (const char *p = clean; *p; p++) {
        if (strchr("\\`*_[]|<>&~", *p))
            fputc('\\', f);
        fputc(*p, f);
    }
}

static void md_text(FILE *f, const char *s)
{
    md_text_max(f, s, (size_t)-1);
}

static int render_md(FILE *f, const rpt_report *r)
{
    char raw[CELL_MAX];
    fputs("# ", f);
    md_text(f, r->title);
    fputs("\n\n", f);
    if (r->generated) {
        fputs("- generated: ", f);
        md_text(f, r->generated);
        fputc('\n', f);
    }
    if (r->scope) {
        fputs("- scope: ", f);
        md_text(f, r->scope);
        fputc('\n', f);
    }
    if (r->attribution) {
        fputs("- data: ", f);
        md_text(f, r->attribution);
        fputc('\n', f);
    }
    for (size_t i = 0; i < r->nsections; i++) {
        const rpt_section *s = r->sections[i];
        fputs("\n## ", f);
        md_text(f, s->title);
        fputs("\n\n", f);
        if (s->note) {
            md_text(f, s->note);
            fputs("\n\n", f);
        }
        for (size_t k = 0; k < s->ntables; k++) {
            const rpt_table *t = s->tables[k];
            fputs("### ", f);
            md_text(f, t->title);
            fputs("\n\n|", f);
            for (int c = 0; c < t->ncols; c++) {
                fputc(' ', f);
                md_text(f, t->cols[c].title);
                fputs(" |", f);
            }
            fputs("\n|", f);
            for (int c = 0; c < t->ncols; c++)
                fputs(is_numeric(t->cols[c].type) ? "---:|" : "---|", f);
            fputc('\n', f);
            for (size_t row = 0; row < t->nrows; row++) {
                fputc('|', f);
                for (int c = 0; c < t->ncols; c++) {
                    rpt_cell_format(t, row, c, 0, raw, sizeof raw);
                    fputc(' ', f);
                    md_text_max(f, raw, MD_CELL_WIDTH);
                    fputs(" |", f);
                }
                fputc('\n', f);
            }
            if (t->nrows == 0)
                fputs("\n(none)\n", f);
            fputc('\n', f);
        }
    }
    return 0;
}

int rpt_render(FILE *out, const rpt_report *r, rpt_format fmt)
{
    int rc;
    switch (fmt) {
    case RPT_FMT_TEXT: rc = render_text(out, r); break;
    case RPT_FMT_CSV: rc = render_csv(out, r); break;
    case RPT_FMT_JSON: rc = render_json(out, r); break;
    case RPT_FMT_MD: rc = render_md(out, r); break;
    case RPT_FMT_HTML: rc = rpt_render_html(out, r); break;
    default: errno = EINVAL; return -1;
    }
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return rc;
}
