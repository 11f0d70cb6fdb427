/*
 * table.h - what a report is made of, independent of its output format.
 *
 * A report is a list of sections ("summary", "agents", "countries", ...);
 * a section is a title, an optional note and one or more tables; a table
 * has typed columns and rows of cells. Every renderer (text, CSV, JSON,
 * Markdown, HTML: render.h) works from this model alone, so a section is
 * written once and appears the same in every format.
 *
 * A table may carry a chart hint that the HTML renderer draws as inline
 * SVG: bars (label column, value column), a timeline (a day column and one
 * or more value columns) or a star graph (one centre, its leaves and their
 * weights: the study's Figure 5).
 *
 * Memory: a report owns every string (copied on entry); rpt_free() frees
 * all. Cells are addressed by row and column; a cell never set is NULL
 * (rendered as empty text, CSV empty field, JSON null).
 */
#ifndef SIPSNARE_REPORT_TABLE_H
#define SIPSNARE_REPORT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define RPT_MAX_COLS 16

typedef enum {
    RPT_TEXT = 0,   /* a string */
    RPT_INT,        /* an integer (counts) */
    RPT_SHARE,      /* a fraction 0..1, shown as a percentage with one decimal */
    RPT_REAL,       /* a real number, two decimals */
    RPT_TIME        /* Unix ms, shown as ISO 8601 UTC ("2026-11-25T10:00:00Z") */
} rpt_type;

typedef enum { RPT_CHART_NONE = 0, RPT_CHART_BAR, RPT_CHART_TIMELINE, RPT_CHART_STAR } rpt_chart_kind;

typedef struct {
    rpt_chart_kind kind;
    int label_col;        /* BAR: bar labels; TIMELINE: the day (text YYYY-MM-DD); STAR: leaf labels */
    int value_cols[4];    /* BAR: value_cols[0]; TIMELINE: up to 4 series; STAR: edge weights in [0] */
    int n_values;
    int max_items;        /* bars or leaves drawn at most (0: 20) */
    char *centre;         /* STAR: the centre's label (a source IP) */
} rpt_chart;

typedef struct {
    int set;              /* 0: NULL */
    char *s;              /* RPT_TEXT */
    int64_t i;            /* RPT_INT, RPT_TIME */
    double d;             /* RPT_SHARE, RPT_REAL */
} rpt_cell;

typedef struct {
    char *name;           /* machine name: "count", "share", "user_agent" (CSV header, JSON key) */
    char *title;          /* for people: "Count", "Share", "User agent" */
    rpt_type type;
} rpt_col;

typedef struct {
    char *name;           /* "top_agents" (JSON key; CSV file part) */
    char *title;
    rpt_col cols[RPT_MAX_COLS];
    int ncols;
    rpt_cell *cells;      /* nrows * ncols */
    size_t nrows, cap;
    rpt_chart chart;
} rpt_table;

typedef struct {
    char *name;           /* "summary", "agents", ... (as on the command line) */
    char *title;
    char *note;           /* a paragraph under the title, or NULL */
    rpt_table **tables;
    size_t ntables;
} rpt_section;

typedef struct {
    char *title;          /* "sipsnare report" */
    char *generated;      /* ISO 8601 time of the run */
    char *scope;          /* "2026-01-01 .. 2026-12-31, sensors: all, store: sqlite:x.db" */
    char *attribution;    /* data licences to show (docs/ENRICHMENT.md), or NULL */
    rpt_section **sections;
    size_t nsections;
} rpt_report;

rpt_report *rpt_new(const char *title);
void rpt_free(rpt_report *r);
void rpt_set_meta(rpt_report *r, const char *generated, const char *scope, const char *attribution);

rpt_section *rpt_section_add(rpt_report *r, const char *name, const char *title, const char *note);

/* cols: "name:Title:type" triples, e.g. rpt_table_add(sec, "top_agents",
 * "Top user agents", "user_agent:User agent:text", "count:Count:int",
 * "share:Share:share", NULL); types text, int, share, real, time. */
rpt_table *rpt_table_add(rpt_section *s, const char *name, const char *title, ...);

/* Appends an empty row and returns its index. */
size_t rpt_row(rpt_table *t);
void rpt_text(rpt_table *t, size_t row, int col, const char *s);   /* NULL leaves it NULL */
void rpt_int(rpt_table *t, size_t row, int col, int64_t v);
void rpt_real(rpt_table *t, size_t row, int col, double v);         /* SHARE and REAL */
void rpt_time(rpt_table *t, size_t row, int col, int64_t ms);
const rpt_cell *rpt_cell_at(const rpt_table *t, size_t row, int col);

/* Chart hints (see rpt_chart). */
void rpt_chart_bar(rpt_table *t, int label_col, int value_col, int max_items);
void rpt_chart_timeline(rpt_table *t, int day_col, const int *value_cols, int n);
void rpt_chart_star(rpt_table *t, const char *centre, int leaf_col, int weight_col, int max_items);

/* A cell as text, as the text/CSV/Markdown renderers show it ("" for NULL):
 * INT decimal, SHARE "12.3%" (csv: "0.123"), REAL "1.50", TIME ISO 8601. */
size_t rpt_cell_format(const rpt_table *t, size_t row, int col, int for_csv, char *buf, size_t len);

#endif
