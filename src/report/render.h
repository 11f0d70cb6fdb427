/*
 * render.h - a report (table.h) written in one of its output formats.
 *
 *   text  aligned columns for a terminal
 *   csv   RFC 4180; every table preceded by a line "# section/table"
 *         (one file of many tables; docs/REPORTS.md)
 *   json  one object: {"title","generated","scope","sections":[{"name",
 *         "title","note","tables":[{"name","title","columns":[...],
 *         "rows":[{col: value}]}]}]}; numbers as numbers, NULL as null
 *   md    Markdown: a heading per section, pipe tables
 *   html  one self-contained page (inline CSS, SVG charts, a small script
 *         to sort tables); no external resource of any kind
 *
 * Every renderer escapes what it writes for its format: report cells hold
 * attacker-chosen strings (user agents, dialed strings).
 */
#ifndef SIPSNARE_REPORT_RENDER_H
#define SIPSNARE_REPORT_RENDER_H

#include <stdio.h>

#include "report/table.h"

typedef enum { RPT_FMT_TEXT = 0, RPT_FMT_CSV, RPT_FMT_JSON, RPT_FMT_MD, RPT_FMT_HTML } rpt_format;

/* "text", "csv", "json", "md" (or "markdown"), "html"; -1 when unknown. */
int rpt_format_from_name(const char *name);

/* Writes the report; 0, or -1 when writing failed (errno set). */
int rpt_render(FILE *out, const rpt_report *r, rpt_format fmt);

/* The HTML renderer (render_html.c). */
int rpt_render_html(FILE *out, const rpt_report *r);

#endif
