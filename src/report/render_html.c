/*
 * render_html.c - a report (table.h) as one self-contained HTML5 page
 * (render.h): header, table of contents, a section per report section with
 * its tables (sortable by a click on a column title) and the charts of the
 * tables' chart hints drawn as inline SVG (bars, timeline, star graph).
 *
 * Safety. Cells hold attacker-chosen strings (user agents, dialed strings),
 * so every string from the report goes through html_esc(): & < > " ' become
 * character references, invalid UTF-8 becomes U+FFFD, C0 controls and DEL
 * are shown as their control pictures (U+2400..), invisible format
 * characters (C1 controls, bidi overrides, zero-width characters) as a
 * visible "<U+202E>". The same escaping is right for HTML text, quoted
 * attribute values and SVG <text>/<title> (HTML parser), and the output is
 * also well-formed XML inside each <svg>. No string from the report is
 * ever written into the script, the style sheet, a URL or an unquoted
 * attribute; element ids are built from the index and a sanitised name.
 *
 * The page loads nothing: the Content-Security-Policy allows no source at
 * all except the page's own <style> and <script> blocks, by their SHA-256
 * hashes, so even an injected inline script (were escaping ever wrong)
 * would not run. No style attributes are used (SVG colours are
 * presentation attributes), so style-src needs nothing but the hash.
 *
 * Numbers in coordinates and sort keys are written with a '.' whatever the
 * C locale says. Write errors: the stream's error flag is checked at the
 * end (and after fflush); -1 with errno set.
 */
#include "report/render.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "util/utf8.h"

/* ---- the constant parts: style sheet and sort script ------------------ */

static const char CSS[] =
    ":root{color-scheme:light;--fg:#1b1f24;--muted:#4a5560;--bg:#fff;--line:#c9d1d9;"
    "--head:#eef2f6;--accent:#0b5cad}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1100px;padding:1.5rem 1rem 3rem;"
    "font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    "h1{font-size:1.7rem;margin:0 0 .5rem}\n"
    "h2{font-size:1.35rem;margin:2.2rem 0 .4rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}\n"
    "header dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}\n"
    "header dt{font-weight:600;color:var(--muted)}\n"
    "header dd{margin:0;overflow-wrap:anywhere}\n"
    ".attribution{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}\n"
    "nav ol{columns:2 16rem;padding-left:1.6rem}\n"
    "a{color:var(--accent)}\n"
    ".note{color:var(--muted);max-width:75ch;overflow-wrap:anywhere}\n"
    "figure{margin:1rem 0}\n"
    "svg.chart{display:block;width:100%;max-width:720px;height:auto}\n"
    ".tablewrap{overflow-x:auto;margin:.75rem 0 1.5rem}\n"
    ".tablewrap:focus-visible{outline:2px solid var(--accent)}\n"
    "table{border-collapse:collapse;font-size:.9rem}\n"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}\n"
    ".rows{font-weight:400;color:var(--muted)}\n"
    "th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "thead th{background:var(--head);border-bottom:2px solid #8c959f;white-space:nowrap}\n"
    "td{overflow-wrap:anywhere;max-width:40rem}\n"
    ".long{max-height:7.5em;overflow:auto}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#f6f8fa}\n"
    "th button{font:inherit;color:inherit;background:none;border:0;padding:0;margin:0;"
    "cursor:pointer;text-align:inherit}\n"
    "th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}\n"
    "th button::after{content:\"\\2195\";color:#6e7781;margin-left:.3em}\n"
    "th[aria-sort=\"ascending\"] button::after{content:\"\\25B2\";color:var(--fg)}\n"
    "th[aria-sort=\"descending\"] button::after{content:\"\\25BC\";color:var(--fg)}\n"
    ".empty{color:var(--muted);font-style:italic}\n"
    "footer{margin-top:3rem;font-size:.8rem;color:var(--muted)}\n"
    "@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
    "h2{break-after:avoid}figure,tr{break-inside:avoid}thead{display:table-header-group}"
    ".tablewrap{overflow:visible}th button::after{content:none}a{color:inherit;text-decoration:none}"
    "tbody tr:nth-child(even){background:none}.long{max-height:none}}\n";

/* Sorts a table.sortable when a column title is clicked: numeric columns
 * (data-type other than text) by the cells' data-sort-value (cells
 * without one last, in both directions), text with a collator. First click
 * descending for numbers, ascending for text; the next click reverses.
 * Only DOM methods: nothing is parsed as markup. */
static const char JS[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var coll = (typeof Intl === 'object' && Intl.Collator) ?\n"
    "    new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'}) : null;\n"
    "  function cmpText(a, b) { return coll ? coll.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0); }\n"
    "  function key(cell, numeric) {\n"
    "    var v = cell ? cell.getAttribute('data-sort-value') : null;\n"
    "    if (numeric) return (v === null || v === '') ? NaN : Number(v);\n"
    "    return v !== null ? v : (cell ? cell.textContent : '');\n"
    "  }\n"
    "  function sortBy(table, th, col) {\n"
    "    var numeric = th.getAttribute('data-type') !== 'text';\n"
    "    var cur = th.getAttribute('aria-sort');\n"
    "    var dir = cur === 'ascending' ? 'descending' : cur === 'descending' ? 'ascending' :\n"
    "      (numeric ? 'descending' : 'ascending');\n"
    "    var heads = table.tHead.rows[0].cells, i;\n"
    "    for (i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');\n"
    "    th.setAttribute('aria-sort', dir);\n"
    "    var sign = dir === 'ascending' ? 1 : -1;\n"
    "    var body = table.tBodies[0], rows = [];\n"
    "    for (i = 0; i < body.rows.length; i++)\n"
    "      rows.push({r: body.rows[i], i: i, k: key(body.rows[i].cells[col], numeric)});\n"
    "    rows.sort(function (a, b) {\n"
    "      var c;\n"
    "      if (numeric) {\n"
    "        var an = a.k !== a.k, bn = b.k !== b.k;\n"
    "        if (an || bn) c = an === bn ? 0 : (an ? 1 : -1);\n"
    "        else c = sign * (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);\n"
    "      } else {\n"
    "        c = sign * cmpText(a.k, b.k);\n"
    "      }\n"
    "      return c || a.i - b.i;\n"
    "    });\n"
    "    for (i = 0; i < rows.length; i++) body.appendChild(rows[i].r);\n"
    "  }\n"
    "  function setup(table) {\n"
    "    if (!table.tHead || !table.tHead.rows.length || !table.tBodies.length) return;\n"
    "    var heads = table.tHead.rows[0].cells;\n"
    "    for (var c = 0; c < heads.length; c++) (function (th, col) {\n"
    "      var b = document.createElement('button');\n"
    "      b.type = 'button';\n"
    "      while (th.firstChild) b.appendChild(th.firstChild);\n"
    "      th.appendChild(b);\n"
    "      b.addEventListener('click', function () { sortBy(table, th, col); });\n"
    "    })(heads[c], c);\n"
    "  }\n"
    "  var tables = document.querySelectorAll('table.sortable');\n"
    "  for (var t = 0; t < tables.length; t++) setup(tables[t]);\n"
    "  document.documentElement.classList.add('js');\n"
    "})();\n";

/* Okabe-Ito colours (colour-blind safe); the fourth is a dark wine for
 * contrast on white. Timeline series also differ by dash and marker. */
static const char *const SERIES_COLOR[4] = {"#0072B2", "#D55E00", "#009E73", "#882255"};
static const char *const SERIES_DASH[4] = {NULL, "7 4", "2 3", "9 3 2 3"};
#define BAR_COLOR "#0072B2"
#define TEXT_COLOR "#1b1f24"
#define GRID_COLOR "#d0d7de"
#define AXIS_COLOR "#57606a"
#define FONT_ATTRS "font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif\" font-size=\"12\""

/* ---- escaping --------------------------------------------------------- */

enum { ESC_KEEP_WS = 1 };   /* program prose: newline and tab stay as they are */

static uint32_t utf8_decode(const unsigned char *p, size_t k)
{
    if (k == 2)
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    if (k == 3)
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
           ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

/* Characters that would be invisible or reorder the text around them. */
static int invisible(uint32_t u)
{
    return (u >= 0x80 && u <= 0x9F) || u == 0x061C || (u >= 0x200B && u <= 0x200F) ||
           (u >= 0x2028 && u <= 0x202E) || (u >= 0x2060 && u <= 0x206F) || u == 0xFEFF ||
           (u >= 0xFFF9 && u <= 0xFFFB) || (u >= 0xE0000 && u <= 0xE007F);
}

/* Writes n bytes of s escaped for HTML text, a quoted attribute value or
 * SVG text; at most max_cp characters (0: all), then an ellipsis. */
static void html_esc_n(FILE *f, const char *s, size_t n, size_t max_cp, int flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, cp = 0;
    while (i < n) {
        if (max_cp && cp == max_cp) {
            fputs("\xE2\x80\xA6", f);
            return;
        }
        size_t k = utf8_seq_len(p + i, n - i);
        cp++;
        if (k == 0) {
            fputs("\xEF\xBF\xBD", f);
            i++;
            continue;
        }
        if (k > 1) {
            uint32_t u = utf8_decode(p + i, k);
            if (invisible(u))
                fprintf(f, "&lt;U+%04X&gt;", (unsigned)u);
            else
                fwrite(p + i, 1, k, f);
            i += k;
            continue;
        }
        unsigned c = p[i++];
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (c >= 0x20 && c != 0x7F)
                fputc((int)c, f);
            else if ((flags & ESC_KEEP_WS) && (c == '\n' || c == '\t'))
                fputc((int)c, f);
            else if (c == 0x7F)
                fputs("\xE2\x90\xA1", f);                 /* U+2421 SYMBOL FOR DELETE */
            else {
                char pic[4] = {'\xE2', '\x90', (char)(0x80 + c), 0};  /* U+2400 + c */
                fputs(pic, f);
            }
        }
    }
}

static void html_esc(FILE *f, const char *s)
{
    if (s)
        html_esc_n(f, s, strlen(s), 0, 0);
}

static void html_esc_max(FILE *f, const char *s, size_t max_cp)
{
    if (s)
        html_esc_n(f, s, strlen(s), max_cp, 0);
}

static void html_prose(FILE *f, const char *s)
{
    if (s)
        html_esc_n(f, s, strlen(s), 0, ESC_KEEP_WS);
}

/* Characters shown by html_esc_max (an estimate of the text's width). */
static size_t shown_chars(const char *s, size_t max_cp)
{
    size_t n = 0, len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq_len((const unsigned char *)s + i, len - i);
        i += k ? k : 1;
        n++;
    }
    return max_cp && n > max_cp ? max_cp + 1 : n;
}

/* An element id: prefix, numbers, and the name with anything but
 * [A-Za-z0-9_-] replaced by '-' (at most 40 characters). */
static void write_id(FILE *f, const char *prefix, size_t a, size_t b, int two, const char *name)
{
    if (two)
        fprintf(f, "%s%zu-%zu", prefix, a, b);
    else
        fprintf(f, "%s%zu", prefix, a);
    if (!name || !*name)
        return;
    fputc('-', f);
    for (size_t i = 0; name[i] && i < 40; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        fputc(ok ? c : '-', f);
    }
}

/* ---- numbers, locale-independent -------------------------------------- */

static void fix_point(char *buf)
{
    for (; *buf; buf++)
        if (*buf == ',')
            *buf = '.';
}

/* A coordinate with one decimal. */
static void coord(FILE *f, double v)
{
    char buf[48];
    if (!isfinite(v))
        v = 0;
    snprintf(buf, sizeof buf, "%.1f", v);
    fix_point(buf);
    fputs(buf, f);
}

/* An integer with narrow no-break spaces between groups of three digits
 * (from 10 000 on). */
static void fmt_int(int64_t v, char *buf, size_t len)
{
    char digits[24];
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
    size_t o = 0;
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    for (int i = 0; i < nd; i++) {
        if (nd > 4 && i > 0 && (nd - i) % 3 == 0 && o + 3 < len) {
            memcpy(buf + o, "\xE2\x80\xAF", 3);
            o += 3;
        }
        if (o + 1 < len)
            buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* A cell as people read it (INT grouped, the rest as rpt_cell_format). */
static const char *cell_display(const rpt_table *t, size_t row, int col, char *buf, size_t len)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    buf[0] = '\0';
    if (!c->set)
        return buf;
    if (t->cols[col].type == RPT_TEXT)
        return c->s ? c->s : "";
    if (t->cols[col].type == RPT_INT) {
        fmt_int(c->i, buf, len);
        return buf;
    }
    rpt_cell_format(t, row, col, 0, buf, len);
    fix_point(buf);
    return buf;
}

/* A cell's numeric value: 1, or 0 when NULL, text or not finite. */
static int cell_num(const rpt_table *t, size_t row, int col, double *v)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    if (!c->set)
        return 0;
    switch (t->cols[col].type) {
    case RPT_INT:
    case RPT_TIME:
        *v = (double)c->i;
        return 1;
    case RPT_SHARE:
    case RPT_REAL:
        if (!isfinite(c->d))
            return 0;
        *v = c->d;
        return 1;
    case RPT_TEXT:
        break;
    }
    return 0;
}

static const char *type_name(rpt_type t)
{
    switch (t) {
    case RPT_INT: return "int";
    case RPT_SHARE: return "share";
    case RPT_REAL: return "real";
    case RPT_TIME: return "time";
    case RPT_TEXT: break;
    }
    return "text";
}

/* ---- charts: shared --------------------------------------------------- */

typedef struct {
    double v;
    size_t row;
} pick;

static int pick_by_value(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int pick_by_row(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The rows with a numeric value in column vc: all of them when there are
 * at most maxn, else the maxn largest (ties: the first rows). Returned in
 * table order, or by value (largest first) when by_value. NULL with *n 0
 * when there is none; NULL with *n 1 when out of memory. */
static pick *pick_rows(const rpt_table *t, int vc, size_t maxn, int by_value, size_t *n,
                       size_t *total)
{
    pick *p = malloc((t->nrows ? t->nrows : 1) * sizeof *p);
    size_t k = 0;
    *n = 1;
    *total = 0;
    if (!p)
        return NULL;
    for (size_t r = 0; r < t->nrows; r++) {
        double v;
        if (cell_num(t, r, vc, &v)) {
            p[k].v = v;
            p[k].row = r;
            k++;
        }
    }
    *total = k;
    if (k > maxn || by_value)
        qsort(p, k, sizeof *p, pick_by_value);
    if (k > maxn)
        k = maxn;
    if (!by_value)
        qsort(p, k, sizeof *p, pick_by_row);
    *n = k;
    if (k == 0) {
        free(p);
        return NULL;
    }
    return p;
}

static const char *col_title(const rpt_table *t, int col)
{
    const rpt_col *c = &t->cols[col];
    return c->title ? c->title : c->name ? c->name : "";
}

static const char *table_title(const rpt_table *t)
{
    return t->title ? t->title : t->name ? t->name : "table";
}

/* <svg ...><title id=...>: the caller writes the title text, then svg_title_end(). */
static void svg_open(FILE *f, const char *id, double w, double h)
{
    fputs("<svg class=\"chart\" role=\"img\" aria-labelledby=\"", f);
    fputs(id, f);
    fputs("\" viewBox=\"0 0 ", f);
    coord(f, w);
    fputc(' ', f);
    coord(f, h);
    fputs("\" width=\"", f);
    coord(f, w);
    fputs("\" height=\"", f);
    coord(f, h);
    fputs("\" " FONT_ATTRS " fill=\"" TEXT_COLOR "\"><title id=\"", f);
    fputs(id, f);
    fputs("\">", f);
}

/* A <text> at (x, y) with an anchor; the caller writes its content. */
static void text_open(FILE *f, double x, double y, const char *anchor)
{
    fputs("<text x=\"", f);
    coord(f, x);
    fputs("\" y=\"", f);
    coord(f, y);
    fputs("\"", f);
    if (anchor)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    fputs(">", f);
}

/* ---- bar chart -------------------------------------------------------- */

/* tooltips (<title> of a bar or leaf): the whole value is in the table */
#define TIP_MAX 300

#define BAR_W 720.0
#define BAR_ROW 24.0
#define BAR_X 280.0
#define BAR_LEN 340.0
#define BAR_LABEL_MAX 30

static int chart_bar(FILE *f, const rpt_table *t, const char *id)
{
    const rpt_chart *c = &t->chart;
    int lc = c->label_col, vc = c->value_cols[0];
    size_t maxn = c->max_items > 0 ? (size_t)c->max_items : 20, n, total;
    pick *p = pick_rows(t, vc, maxn, 0, &n, &total);
    if (!p)
        return n ? -1 : 0;
    double vmax = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].v > vmax)
            vmax = p[i].v;
    double h = 8 + (double)n * BAR_ROW + 8;
    fputs("<figure>", f);
    svg_open(f, id, BAR_W, h);
    html_esc(f, table_title(t));
    fputs(" \xE2\x80\x94 bar chart of ", f);
    html_esc(f, col_title(t, vc));
    fputs(" by ", f);
    html_esc(f, col_title(t, lc));
    if (total > n)
        fprintf(f, ", the %zu largest of %zu", n, total);
    fputs("</title>\n", f);
    for (size_t i = 0; i < n; i++) {
        char lbuf[64], vbuf[64];
        const rpt_cell *lcell = rpt_cell_at(t, p[i].row, lc);
        const char *label = lcell->set ? cell_display(t, p[i].row, lc, lbuf, sizeof lbuf) : "(none)";
        const char *value = cell_display(t, p[i].row, vc, vbuf, sizeof vbuf);
        double y = 8 + (double)i * BAR_ROW;
        double len = vmax > 0 && p[i].v > 0 ? p[i].v / vmax * BAR_LEN : 0;
        if (p[i].v > 0 && len < 1)
            len = 1;
        fputs("<g><title>", f);
        html_esc_max(f, label, TIP_MAX);
        fputs(": ", f);
        html_esc(f, value);
        fputs("</title>", f);
        text_open(f, BAR_X - 8, y + 16, "end");
        html_esc_max(f, label, BAR_LABEL_MAX);
        fputs("</text><rect x=\"", f);
        coord(f, BAR_X);
        fputs("\" y=\"", f);
        coord(f, y + 3);
        fputs("\" width=\"", f);
        coord(f, len);
        fputs("\" height=\"18\" fill=\"" BAR_COLOR "\"/>", f);
        text_open(f, BAR_X + len + 6, y + 16, NULL);
        html_esc(f, value);
        fputs("</text></g>\n", f);
    }
    fputs("<line x1=\"", f);
    coord(f, BAR_X);
    fputs("\" y1=\"4\" x2=\"", f);
    coord(f, BAR_X);
    fputs("\" y2=\"", f);
    coord(f, h - 4);
    fputs("\" stroke=\"" AXIS_COLOR "\" stroke-width=\"1\"/>\n</svg></figure>\n", f);
    free(p);
    return 0;
}

/* ---- timeline --------------------------------------------------------- */

#define TL_W 720.0
#define TL_H 270.0
#define TL_X0 70.0
#define TL_X1 700.0
#define TL_Y0 40.0
#define TL_Y1 226.0

typedef struct {
    int64_t day;          /* days since 1970-01-01 */
    double v[4];
    unsigned char has[4];
    size_t row;
} tl_point;

static int tl_cmp(const void *a, const void *b)
{
    const tl_point *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int digits_at(const char *s, int from, int n)
{
    for (int i = from; i < from + n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Days drawn: year 0 to 9999 or so; others are skipped (and no
 * arithmetic on them can overflow). */
#define DAY_LIMIT 3000000

static int cell_day_raw(const rpt_table *t, size_t row, int col, int64_t *day);

/* The day of a label cell: text "YYYY-MM-DD...", a TIME or an INT (days
 * since 1970-01-01); 0 when none. */
static int cell_day(const rpt_table *t, size_t row, int col, int64_t *day)
{
    return cell_day_raw(t, row, col, day) && *day > -DAY_LIMIT && *day < DAY_LIMIT;
}

static int cell_day_raw(const rpt_table *t, size_t row, int col, int64_t *day)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    if (!c->set)
        return 0;
    if (t->cols[col].type == RPT_TIME) {
        int64_t ms = c->i;
        *day = ms / 86400000 - (ms % 86400000 < 0);
        return 1;
    }
    if (t->cols[col].type == RPT_INT) {
        *day = c->i;
        return 1;
    }
    const char *s = c->s;
    if (t->cols[col].type != RPT_TEXT || !s || strlen(s) < 10 || !digits_at(s, 0, 4) ||
        s[4] != '-' || !digits_at(s, 5, 2) || s[7] != '-' || !digits_at(s, 8, 2))
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
    tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return 0;
    time_t secs = timegm(&tm);
    if (secs == (time_t)-1)
        return 0;
    *day = (int64_t)secs / 86400;
    return 1;
}

static void day_text(int64_t day, char *buf, size_t len)
{
    time_t secs = (time_t)(day * 86400);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(buf, len, "%Y-%m-%d", &tm))
        snprintf(buf, len, "?");
}

/* An axis value: percent for shares, grouped integers, else %g. */
static void tick_text(double v, int share, char *buf, size_t len)
{
    if (share)
        snprintf(buf, len, "%g%%", v * 100.0);
    else if (fabs(v) < 9e15 && v == floor(v))
        fmt_int((int64_t)v, buf, len);
    else
        snprintf(buf, len, "%g", v);
    fix_point(buf);
}

/* Marker shapes by series: circle, square, triangle, diamond. */
static void marker(FILE *f, int s, double x, double y)
{
    const char *col = SERIES_COLOR[s];
    switch (s) {
    case 0:
        fputs("<circle cx=\"", f);
        coord(f, x);
        fputs("\" cy=\"", f);
        coord(f, y);
        fprintf(f, "\" r=\"3\" fill=\"%s\"/>", col);
        break;
    case 1:
        fputs("<rect x=\"", f);
        coord(f, x - 3);
        fputs("\" y=\"", f);
        coord(f, y - 3);
        fprintf(f, "\" width=\"6\" height=\"6\" fill=\"%s\"/>", col);
        break;
    default:
        fputs("<polygon points=\"", f);
        if (s == 2) {
            coord(f, x); fputc(',', f); coord(f, y - 4); fputc(' ', f);
            coord(f, x + 4); fputc(',', f); coord(f, y + 3); fputc(' ', f);
            coord(f, x - 4); fputc(',', f); coord(f, y + 3);
        } else {
            coord(f, x); fputc(',', f); coord(f, y - 4); fputc(' ', f);
            coord(f, x + 4); fputc(',', f); coord(f, y); fputc(' ', f);
            coord(f, x); fputc(',', f); coord(f, y + 4); fputc(' ', f);
            coord(f, x - 4); fputc(',', f); coord(f, y);
        }
        fprintf(f, "\" fill=\"%s\"/>", col);
        break;
    }
}

static int chart_timeline(FILE *f, const rpt_table *t, const char *id)
{
    const rpt_chart *c = &t->chart;
    int ns = c->n_values, lc = c->label_col;
    tl_point *pt = malloc((t->nrows ? t->nrows : 1) * sizeof *pt);
    size_t n = 0;
    if (!pt)
        return -1;
    double vmax = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        tl_point *q = &pt[n];
        if (!cell_day(t, r, lc, &q->day))
            continue;
        int any = 0;
        for (int s = 0; s < ns; s++) {
            q->has[s] = (unsigned char)cell_num(t, r, c->value_cols[s], &q->v[s]);
            if (q->has[s]) {
                any = 1;
                if (q->v[s] > vmax)
                    vmax = q->v[s];
            }
        }
        q->row = r;
        if (any)
            n++;
    }
    if (n == 0) {
        free(pt);
        return 0;
    }
    qsort(pt, n, sizeof *pt, tl_cmp);
    int64_t dmin = pt[0].day, dmax = pt[n - 1].day;

    /* y scale: a step of 1, 2 or 5 times a power of ten, about 4 ticks */
    double step = 1, ymax = 1;
    if (vmax > 0) {
        double raw = vmax / 4, mag = pow(10, floor(log10(raw))), norm = raw / mag;
        step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
        ymax = ceil(vmax / step - 1e-9) * step;
        if (ymax <= 0)
            ymax = step;
        if (!isfinite(ymax) || !isfinite(step)) {   /* near DBL_MAX */
            ymax = vmax;
            step = vmax / 4;
        }
    }
    int share = t->cols[c->value_cols[0]].type == RPT_SHARE;
#define XPOS(d) (dmax == dmin ? (TL_X0 + TL_X1) / 2 \
                 : TL_X0 + (double)((d) - dmin) * (TL_X1 - TL_X0) / (double)(dmax - dmin))
#define YPOS(v) (TL_Y1 - ((v) < 0 ? 0 : (v) > ymax ? ymax : (v)) / ymax * (TL_Y1 - TL_Y0))

    char d1[32], d2[32];
    day_text(dmin, d1, sizeof d1);
    day_text(dmax, d2, sizeof d2);
    fputs("<figure>", f);
    svg_open(f, id, TL_W, TL_H);
    html_esc(f, table_title(t));
    fprintf(f, " \xE2\x80\x94 timeline per day, %s to %s: ", d1, d2);
    for (int s = 0; s < ns; s++) {
        if (s)
            fputs(", ", f);
        html_esc(f, col_title(t, c->value_cols[s]));
    }
    fputs("</title>\n", f);

    /* grid and y labels */
    double nsteps = floor(ymax / step + 0.5);
    for (int k = 0; k <= 20 && k <= nsteps; k++) {
        double v = k * step;
        char buf[64];
        double y = YPOS(v);
        fputs("<line x1=\"", f);
        coord(f, TL_X0);
        fputs("\" x2=\"", f);
        coord(f, TL_X1);
        fputs("\" y1=\"", f);
        coord(f, y);
        fputs("\" y2=\"", f);
        coord(f, y);
        fprintf(f, "\" stroke=\"%s\" stroke-width=\"1\"/>", k ? GRID_COLOR : AXIS_COLOR);
        tick_text(v, share, buf, sizeof buf);
        text_open(f, TL_X0 - 6, y + 4, "end");
        html_esc(f, buf);
        fputs("</text>\n", f);
    }
    /* x ticks: up to 6 dates */
    int64_t span = dmax - dmin;
    int nt = span == 0 ? 1 : span < 5 ? (int)span + 1 : 6;
    for (int k = 0; k < nt; k++) {
        int64_t d = nt == 1 ? dmin : dmin + (span * k + (nt - 1) / 2) / (nt - 1);
        char buf[32];
        double x = XPOS(d);
        day_text(d, buf, sizeof buf);
        fputs("<line x1=\"", f);
        coord(f, x);
        fputs("\" x2=\"", f);
        coord(f, x);
        fputs("\" y1=\"", f);
        coord(f, TL_Y1);
        fputs("\" y2=\"", f);
        coord(f, TL_Y1 + 5);
        fputs("\" stroke=\"" AXIS_COLOR "\" stroke-width=\"1\"/>", f);
        text_open(f, x, TL_Y1 + 20, nt == 1 ? "middle" : k == 0 ? "start" : k == nt - 1 ? "end" : "middle");
        html_esc(f, buf);
        fputs("</text>\n", f);
    }
    /* legend */
    double lx = TL_X0;
    for (int s = 0; s < ns; s++) {
        const char *name = col_title(t, c->value_cols[s]);
        fputs("<line x1=\"", f);
        coord(f, lx);
        fputs("\" x2=\"", f);
        coord(f, lx + 26);
        fprintf(f, "\" y1=\"14\" y2=\"14\" stroke=\"%s\" stroke-width=\"2.5\"", SERIES_COLOR[s]);
        if (SERIES_DASH[s])
            fprintf(f, " stroke-dasharray=\"%s\"", SERIES_DASH[s]);
        fputs("/>", f);
        marker(f, s, lx + 13, 14);
        text_open(f, lx + 32, 18, NULL);
        html_esc_max(f, name, 28);
        fputs("</text>\n", f);
        lx += 32 + 7.0 * (double)shown_chars(name, 28) + 24;
    }
    /* series: a line over consecutive days, broken where a day has no row
     * or no value; markers when there are few points, and on any point
     * standing alone */
    for (int s = 0; s < ns; s++) {
        fprintf(f, "<g stroke=\"%s\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\"",
                SERIES_COLOR[s]);
        if (SERIES_DASH[s])
            fprintf(f, " stroke-dasharray=\"%s\"", SERIES_DASH[s]);
        fputs(">", f);
        for (size_t i = 0; i < n;) {
            if (!pt[i].has[s]) {
                i++;
                continue;
            }
            size_t j = i + 1;
            while (j < n && pt[j].has[s] && pt[j].day - pt[j - 1].day <= 1)
                j++;
            if (j - i >= 2) {
                fputs("<polyline points=\"", f);
                for (size_t k = i; k < j; k++) {
                    if (k > i)
                        fputc(' ', f);
                    coord(f, XPOS(pt[k].day));
                    fputc(',', f);
                    coord(f, YPOS(pt[k].v[s]));
                }
                fputs("\"/>", f);
            }
            i = j;
        }
        fputs("</g>\n<g>", f);
        for (size_t i = 0; i < n; i++) {
            if (!pt[i].has[s])
                continue;
            int alone = (i == 0 || !pt[i - 1].has[s] || pt[i].day - pt[i - 1].day > 1) &&
                        (i + 1 == n || !pt[i + 1].has[s] || pt[i + 1].day - pt[i].day > 1);
            if (n <= 45 || alone)
                marker(f, s, XPOS(pt[i].day), YPOS(pt[i].v[s]));
        }
        fputs("</g>\n", f);
    }
    fputs("</svg></figure>\n", f);
#undef XPOS
#undef YPOS
    free(pt);
    return 0;
}

/* ---- star graph (the study's Figure 5) -------------------------------- */

#define ST_W 760.0
#define ST_H 520.0
#define ST_RX 220.0   /* an ellipse: more room between labels at the top and bottom */
#define ST_RY 185.0
#define ST_LABEL_MAX 22

static int chart_star(FILE *f, const rpt_table *t, const char *id)
{
    const rpt_chart *c = &t->chart;
    int lc = c->label_col, wc = c->value_cols[0];
    size_t maxn = c->max_items > 0 ? (size_t)c->max_items : 20, n, total;
    pick *p = pick_rows(t, wc, maxn, 1, &n, &total);
    if (!p)
        return n ? -1 : 0;
    const double pi = 3.14159265358979323846, cx = ST_W / 2, cy = ST_H / 2;
    double wmax = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].v > wmax)
            wmax = p[i].v;
    const char *centre = c->centre ? c->centre : "";

    fputs("<figure>", f);
    svg_open(f, id, ST_W, ST_H);
    html_esc(f, table_title(t));
    fputs(" \xE2\x80\x94 ", f);
    html_esc(f, centre);
    fprintf(f, " and the %zu ", n);
    html_esc(f, col_title(t, lc));
    fputs(" it reached", f);
    if (total > n)
        fprintf(f, " (the %zu largest of %zu)", n, total);
    fputs(", line width by ", f);
    html_esc(f, col_title(t, wc));
    fputs("</title>\n", f);

    /* edges */
    fputs("<g stroke=\"" BAR_COLOR "\" stroke-opacity=\"0.65\" stroke-linecap=\"round\">", f);
    for (size_t i = 0; i < n; i++) {
        double a = -pi / 2 + 2 * pi * (double)i / (double)n;
        double w = wmax > 0 && p[i].v > 0 ? 1 + p[i].v / wmax * 11 : 1;
        fputs("<line x1=\"", f);
        coord(f, cx);
        fputs("\" y1=\"", f);
        coord(f, cy);
        fputs("\" x2=\"", f);
        coord(f, cx + ST_RX * cos(a));
        fputs("\" y2=\"", f);
        coord(f, cy + ST_RY * sin(a));
        fputs("\" stroke-width=\"", f);
        coord(f, w);
        fputs("\"/>", f);
    }
    fputs("</g>\n", f);

    /* leaves */
    for (size_t i = 0; i < n; i++) {
        char lbuf[64], vbuf[64];
        const rpt_cell *lcell = rpt_cell_at(t, p[i].row, lc);
        const char *label = lcell->set ? cell_display(t, p[i].row, lc, lbuf, sizeof lbuf) : "(none)";
        const char *value = cell_display(t, p[i].row, wc, vbuf, sizeof vbuf);
        double a = -pi / 2 + 2 * pi * (double)i / (double)n, ca = cos(a), sa = sin(a);
        double x = cx + ST_RX * ca, y = cy + ST_RY * sa;
        const char *anchor = ca > 0.3 ? "start" : ca < -0.3 ? "end" : "middle";
        double tx = cx + (ST_RX + 14) * ca, ty = cy + (ST_RY + 14) * sa + 4;
        if (sa < -0.9)
            ty -= 6;
        else if (sa > 0.9)
            ty += 8;
        fputs("<g><title>", f);
        html_esc_max(f, label, TIP_MAX);
        fputs(": ", f);
        html_esc(f, value);
        fputs("</title><circle cx=\"", f);
        coord(f, x);
        fputs("\" cy=\"", f);
        coord(f, y);
        fputs("\" r=\"7\" fill=\"#E69F00\" stroke=\"" TEXT_COLOR "\" stroke-width=\"1\"/>", f);
        text_open(f, tx, ty, anchor);
        html_esc_max(f, label, ST_LABEL_MAX);
        fputs(" (", f);
        html_esc(f, value);
        fputs(")</text></g>\n", f);
    }

    /* the centre: a dark box with the address */
    double bw = 7.4 * (double)shown_chars(centre, 40) + 20;
    if (bw < 60)
        bw = 60;
    fputs("<g><title>", f);
    html_esc(f, centre);
    fputs("</title><rect x=\"", f);
    coord(f, cx - bw / 2);
    fputs("\" y=\"", f);
    coord(f, cy - 14);
    fputs("\" width=\"", f);
    coord(f, bw);
    fputs("\" height=\"28\" rx=\"6\" fill=\"" TEXT_COLOR "\"/>", f);
    fputs("<text x=\"", f);
    coord(f, cx);
    fputs("\" y=\"", f);
    coord(f, cy + 5);
    fputs("\" text-anchor=\"middle\" fill=\"#ffffff\" font-weight=\"600\">", f);
    html_esc_max(f, centre, 40);
    fputs("</text></g>\n</svg></figure>\n", f);
    free(p);
    return 0;
}

static int chart_valid(const rpt_table *t)
{
    const rpt_chart *c = &t->chart;
    if (c->kind == RPT_CHART_NONE || c->label_col < 0 || c->label_col >= t->ncols)
        return 0;
    if (c->n_values < 1 || c->n_values > 4)
        return 0;
    for (int i = 0; i < c->n_values; i++)
        if (c->value_cols[i] < 0 || c->value_cols[i] >= t->ncols)
            return 0;
    return c->kind == RPT_CHART_BAR || c->kind == RPT_CHART_TIMELINE || c->kind == RPT_CHART_STAR;
}

/* ---- tables ----------------------------------------------------------- */

#define LONG_TEXT 300   /* bytes */

static void write_cell(FILE *f, const rpt_table *t, size_t row, int col)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    rpt_type ty = t->cols[col].type;
    char buf[96];
    if (ty == RPT_TEXT) {
        /* a very long string scrolls in a box of a few lines */
        int long_text = c->set && c->s && strlen(c->s) > LONG_TEXT;
        fputs(long_text ? "<td><div class=\"long\">" : "<td>", f);
        if (c->set)
            html_esc(f, c->s);
        fputs(long_text ? "</div></td>" : "</td>", f);
        return;
    }
    fputs("<td class=\"num\"", f);
    if (c->set) {
        char key[64] = "";
        if (ty == RPT_INT || ty == RPT_TIME)
            snprintf(key, sizeof key, "%lld", (long long)c->i);
        else if (isfinite(c->d))
            snprintf(key, sizeof key, "%.17g", c->d);
        fix_point(key);
        if (key[0]) {
            fputs(" data-sort-value=\"", f);
            html_esc(f, key);
            fputs("\"", f);
        }
    }
    fputs(">", f);
    if (c->set) {
        const char *s = cell_display(t, row, col, buf, sizeof buf);
        if (ty == RPT_TIME && s[0]) {
            fputs("<time datetime=\"", f);
            html_esc(f, s);
            fputs("\">", f);
            html_esc(f, s);
            fputs("</time>", f);
        } else {
            html_esc(f, s);
        }
    }
    fputs("</td>", f);
}

static int write_table(FILE *f, const rpt_table *t, size_t si, size_t ti)
{
    char chart_id[48];
    snprintf(chart_id, sizeof chart_id, "c%zu-%zu", si, ti);
    if (t->nrows > 0 && chart_valid(t)) {
        int rc = 0;
        switch (t->chart.kind) {
        case RPT_CHART_BAR: rc = chart_bar(f, t, chart_id); break;
        case RPT_CHART_TIMELINE: rc = chart_timeline(f, t, chart_id); break;
        case RPT_CHART_STAR: rc = chart_star(f, t, chart_id); break;
        case RPT_CHART_NONE: break;
        }
        if (rc < 0)
            return -1;
    }
    fputs("<div class=\"tablewrap\" role=\"region\" tabindex=\"0\" aria-labelledby=\"", f);
    write_id(f, "t", si, ti, 1, t->name);
    fputs("-cap\"><table class=\"sortable\" id=\"", f);
    write_id(f, "t", si, ti, 1, t->name);
    fputs("\"><caption id=\"", f);
    write_id(f, "t", si, ti, 1, t->name);
    fputs("-cap\">", f);
    html_esc(f, table_title(t));
    fprintf(f, " <span class=\"rows\">(%zu row%s)</span></caption>\n<thead><tr>", t->nrows,
            t->nrows == 1 ? "" : "s");
    for (int c = 0; c < t->ncols; c++) {
        fprintf(f, "<th scope=\"col\" data-type=\"%s\"%s>", type_name(t->cols[c].type),
                t->cols[c].type == RPT_TEXT ? "" : " class=\"num\"");
        html_esc(f, col_title(t, c));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr>", f);
        for (int c = 0; c < t->ncols; c++)
            write_cell(f, t, r, c);
        fputs("</tr>\n", f);
        if (ferror(f))
            return -1;
    }
    fputs("</tbody></table></div>\n", f);
    if (t->nrows == 0)
        fputs("<p class=\"empty\">No rows.</p>\n", f);
    return 0;
}

/* ---- the page --------------------------------------------------------- */

/* "sha256-<base64>" of a constant block, for the CSP. */
static int csp_hash(const char *text, char out[64])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return -1;
    memcpy(out, "sha256-", 7);
    EVP_EncodeBlock((unsigned char *)out + 7, md, (int)mdlen);   /* 44 chars + NUL */
    return 0;
}

static const char *section_title(const rpt_section *s)
{
    return s->title ? s->title : s->name ? s->name : "Section";
}

static int finish(FILE *f)
{
    int err = ferror(f);
    if (fflush(f) != 0 || err || ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

int rpt_render_html(FILE *f, const rpt_report *r)
{
    char css_hash[64], js_hash[64];
    if (csp_hash(CSS, css_hash) < 0 || csp_hash(JS, js_hash) < 0) {
        errno = EINVAL;
        return -1;
    }
    const char *title = r->title ? r->title : "sipsnare report";
    errno = 0;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fprintf(f,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src '%s'; script-src '%s'; img-src 'none'; font-src 'none'; connect-src 'none'; "
            "base-uri 'none'; form-action 'none'\">\n",
            css_hash, js_hash);
    fputs("<meta name=\"referrer\" content=\"no-referrer\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"sipsnare\">\n<title>", f);
    html_esc(f, title);
    fputs("</title>\n<style>", f);
    fputs(CSS, f);
    fputs("</style>\n</head>\n<body>\n<header>\n<h1>", f);
    html_esc(f, title);
    fputs("</h1>\n<dl>", f);
    if (r->generated) {
        fputs("<dt>Generated</dt><dd>", f);
        html_esc(f, r->generated);
        fputs("</dd>", f);
    }
    if (r->scope) {
        fputs("<dt>Scope</dt><dd>", f);
        html_prose(f, r->scope);
        fputs("</dd>", f);
    }
    fputs("</dl>\n", f);
    if (r->attribution) {
        fputs("<p class=\"attribution\">", f);
        html_prose(f, r->attribution);
        fputs("</p>\n", f);
    }
    fputs("</header>\n", f);

    if (r->nsections > 0) {
        fputs("<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">Contents</h2>\n<ol>\n", f);
        for (size_t i = 0; i < r->nsections; i++) {
            const rpt_section *s = r->sections[i];
            fputs("<li><a href=\"#", f);
            write_id(f, "s", i + 1, 0, 0, s->name);
            fputs("\">", f);
            html_esc(f, section_title(s));
            fputs("</a></li>\n", f);
        }
        fputs("</ol>\n</nav>\n", f);
    }

    fputs("<main>\n", f);
    for (size_t i = 0; i < r->nsections; i++) {
        const rpt_section *s = r->sections[i];
        fputs("<section id=\"", f);
        write_id(f, "s", i + 1, 0, 0, s->name);
        fputs("\">\n<h2>", f);
        html_esc(f, section_title(s));
        fputs("</h2>\n", f);
        if (s->note) {
            fputs("<p class=\"note\">", f);
            html_prose(f, s->note);
            fputs("</p>\n", f);
        }
        for (size_t k = 0; k < s->ntables; k++) {
            if (write_table(f, s->tables[k], i + 1, k + 1) < 0) {
                if (finish(f) == 0)
                    errno = ENOMEM;     /* no write error: a chart's allocation */
                return -1;
            }
        }
        fputs("</section>\n", f);
        if (ferror(f))
            return finish(f);
    }
    fputs("</main>\n<footer>Written by sipsnare report: one self-contained file, "
          "it loads nothing from the network. Click a column title to sort a table.</footer>\n"
          "<script>", f);
    fputs(JS, f);
    fputs("</script>\n</body>\n</html>\n", f);
    return finish(f);
}
