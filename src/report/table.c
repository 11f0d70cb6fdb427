/*
 * table.c - the report model (table.h): building sections and tables.
 * Allocation failures abort: a report is built by a command line program
 * from data already in memory, and a half-built report is worth nothing.
 */
#include "report/table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("sipsnare: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

rpt_report *rpt_new(const char *title)
{
    rpt_report *r = xrealloc(NULL, sizeof *r);
    memset(r, 0, sizeof *r);
    r->title = xstrdup(title);
    return r;
}

static void table_free(rpt_table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i].s);
    for (int c = 0; c < t->ncols; c++) {
        free(t->cols[c].name);
        free(t->cols[c].title);
    }
    free(t->cells);
    free(t->chart.centre);
    free(t->name);
    free(t->title);
    free(t);
}

void rpt_free(rpt_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsections; i++) {
        rpt_section *s = r->sections[i];
        for (size_t k = 0; k < s->ntables; k++)
            table_free(s->tables[k]);
        free(s->tables);
        free(s->name);
        free(s->title);
        free(s->note);
        free(s);
    }
    free(r->sections);
    free(r->title);
    free(r->generated);
    free(r->scope);
    free(r->attribution);
    free(r);
}

void rpt_set_meta(rpt_report *r, const char *generated, const char *scope, const char *attribution)
{
    free(r->generated);
    free(r->scope);
    free(r->attribution);
    r->generated = xstrdup(generated);
    r->scope = xstrdup(scope);
    r->attribution = xstrdup(attribution);
}

rpt_section *rpt_section_add(rpt_report *r, const char *name, const char *title, const char *note)
{
    rpt_section *s = xrealloc(NULL, sizeof *s);
    memset(s, 0, sizeof *s);
    s->name = xstrdup(name);
    s->title = xstrdup(title);
    s->note = xstrdup(note);
    r->sections = xrealloc(r->sections, (r->nsections + 1) * sizeof *r->sections);
    r->sections[r->nsections++] = s;
    return s;
}

static rpt_type type_from_name(const char *t)
{
    if (!strcmp(t, "int"))
        return RPT_INT;
    if (!strcmp(t, "share"))
        return RPT_SHARE;
    if (!strcmp(t, "real"))
        return RPT_REAL;
    if (!strcmp(t, "time"))
        return RPT_TIME;
    return RPT_TEXT;
}

rpt_table *rpt_table_add(rpt_section *s, const char *name, const char *title, ...)
{
    rpt_table *t = xrealloc(NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->title = xstrdup(title);
    va_list ap;
    va_start(ap, title);
    for (const char *spec; (spec = va_arg(ap, const char *)) != NULL;) {
        if (t->ncols == RPT_MAX_COLS) {
            fputs("sipsnare: report table with too many columns\n", stderr);
            abort();
        }
        /* "name:Title:type" */
        const char *a = strchr(spec, ':');
        const char *b = a ? strchr(a + 1, ':') : NULL;
        rpt_col *c = &t->cols[t->ncols++];
        if (!a || !b) {
            c->name = xstrdup(spec);
            c->title = xstrdup(spec);
            c->type = RPT_TEXT;
            continue;
        }
        c->name = xrealloc(NULL, (size_t)(a - spec) + 1);
        memcpy(c->name, spec, (size_t)(a - spec));
        c->name[a - spec] = '\0';
        c->title = xrealloc(NULL, (size_t)(b - a));
        memcpy(c->title, a + 1, (size_t)(b - a - 1));
        c->title[b - a - 1] = '\0';
        c->type = type_from_name(b + 1);
    }
    va_end(ap);
    s->tables = xrealloc(s->tables, (s->ntables + 1) * sizeof *s->tables);
    s->tables[s->ntables++] = t;
    return t;
}

size_t rpt_row(rpt_table *t)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof *t->cells);
    }
    memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof *t->cells);
    return t->nrows++;
}

static rpt_cell *cell(rpt_table *t, size_t row, int col)
{
    if (row >= t->nrows || col < 0 || col >= t->ncols) {
        fputs("sipsnare: report cell out of range\n", stderr);
        abort();
    }
    return &t->cells[row * (size_t)t->ncols + (size_t)col];
}

const rpt_cell *rpt_cell_at(const rpt_table *t, size_t row, int col)
{
    return cell((rpt_table *)t, row, col);
}

void rpt_text(rpt_table *t, size_t row, int col, const char *s)
{
    rpt_cell *c = cell(t, row, col);
    free(c->s);
    c->s = xstrdup(s);
    c->set = s != NULL;
}

void rpt_int(rpt_table *t, size_t row, int col, int64_t v)
{
    rpt_cell *c = cell(t, row, col);
    c->i = v;
    c->set = 1;
}

void rpt_real(rpt_table *t, size_t row, int col, double v)
{
    rpt_cell *c = cell(t, row, col);
    c->d = v;
    c->set = 1;
}

void rpt_time(rpt_table *t, size_t row, int col, int64_t ms)
{
    rpt_int(t, row, col, ms);
}

void rpt_chart_bar(rpt_table *t, int label_col, int value_col, int max_items)
{
    t->chart.kind = RPT_CHART_BAR;
    t->chart.label_col = label_col;
    t->chart.value_cols[0] = value_col;
    t->chart.n_values = 1;
    t->chart.max_items = max_items;
}

void rpt_chart_timeline(rpt_table *t, int day_col, const int *value_cols, int n)
{
    t->chart.kind = RPT_CHART_TIMELINE;
    t->chart.label_col = day_col;
    if (n > 4)
        n = 4;
    for (int i = 0; i < n; i++)
        t->chart.value_cols[i] = value_cols[i];
    t->chart.n_values = n;
}

void rpt_chart_star(rpt_table *t, const char *centre, int leaf_col, int weight_col, int max_items)
{
    t->chart.kind = RPT_CHART_STAR;
    free(t->chart.centre);
    t->chart.centre = xstrdup(centre);
    t->chart.label_col = leaf_col;
    t->chart.value_cols[0] = weight_col;
    t->chart.n_values = 1;
    t->chart.max_items = max_items;
}

size_t rpt_cell_format(const rpt_table *t, size_t row, int col, int for_csv, char *buf, size_t len)
{
    const rpt_cell *c = rpt_cell_at(t, row, col);
    int n = 0;
    if (len == 0)
        return 0;
    buf[0] = '\0';
    if (!c->set)
        return 0;
    switch (t->cols[col].type) {
    case RPT_TEXT:
        n = snprintf(buf, len, "%s", c->s ? c->s : "");
        break;
    case RPT_INT:
        n = snprintf(buf, len, "%lld", (long long)c->i);
        break;
    case RPT_SHARE:
        n = for_csv ? snprintf(buf, len, "%.4f", c->d) : snprintf(buf, len, "%.1f%%", c->d * 100.0);
        break;
    case RPT_REAL:
        n = snprintf(buf, len, "%.2f", c->d);
        break;
    case RPT_TIME: {
        time_t s = (time_t)(c->i / 1000);
        struct tm tm;
        if (!gmtime_r(&s, &tm))
            return 0;
        n = (int)strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
        break;
    }
    }
    if (n < 0)
        return 0;
    return (size_t)n < len ? (size_t)n : len - 1;
}
