/*
 * sections.h - the study's tables and figures, built from a dataset into a
 * format-independent report (table.h). Each section is one function; the
 * list and what each shows are in docs/REPORTS.md.
 */
#ifndef SIPSNARE_REPORT_SECTIONS_H
#define SIPSNARE_REPORT_SECTIONS_H

#include <stddef.h>

#include "report/dataset.h"
#include "report/table.h"

typedef struct {
    const char *name;      /* as on the command line: "summary", "agents", ... */
    const char *title;
    void (*build)(rpt_report *r, const dataset *d, int top);
} report_section_def;

/* Every section, in report order; *n set to their number. */
const report_section_def *report_sections(size_t *n);
const report_section_def *report_section_find(const char *name);

/* Adds the named sections (all when names is NULL) with at most `top` rows
 * in ranked tables. */
void report_build(rpt_report *r, const dataset *d, const char *const *names, size_t n_names, int top);

#endif
