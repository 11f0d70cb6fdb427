/*
 * test_report.c - the report model (report/table.h) and the text, CSV,
 * JSON and Markdown renderers (report/render.h) on hand-built tables with
 * exact expected output, hostile strings included. The renderers over real
 * data are checked by tests/integration/test_report.sh (golden files).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/render.h"
#include "report/table.h"

/* Renders r in fmt into a malloc'd string. */
static char *render(const rpt_report *r, rpt_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int rc = rpt_render(f, r, fmt);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static rpt_report *sample(void)
{
    rpt_report *r = rpt_new("T");
    rpt_set_meta(r, "2026-01-05T00:00:00Z", "scope", NULL);
    rpt_section *s = rpt_section_add(r, "agents", "Agents", NULL);
    rpt_table *t = rpt_table_add(s, "top", "Top", "ua:User agent:text", "n:Count:int", "share:Share:share",
                                 "first:First:time", NULL);
    size_t row = rpt_row(t);
    rpt_text(t, row, 0, "friendly-scanner");
    rpt_int(t, row, 1, 1234);
    rpt_real(t, row, 2, 0.5);
    rpt_time(t, row, 3, 1767225600000LL);
    row = rpt_row(t);                 /* NULL cells */
    rpt_text(t, row, 0, "=cmd|' /C calc'!A0");
    return r;
}

static void test_cells(void)
{
    rpt_report *r = sample();
    const rpt_table *t = r->sections[0]->tables[0];
    char buf[64];
    CHECK_INT(t->ncols, 4);
    CHECK_STR(t->cols[1].name, "n");
    CHECK_STR(t->cols[1].title, "Count");
    CHECK_INT(t->cols[2].type, RPT_SHARE);
    rpt_cell_format(t, 0, 1, 0, buf, sizeof buf);
    CHECK_STR(buf, "1234");
    rpt_cell_format(t, 0, 2, 0, buf, sizeof buf);
    CHECK_STR(buf, "50.0%");
    rpt_cell_format(t, 0, 2, 1, buf, sizeof buf);
    CHECK_STR(buf, "0.5000");
    rpt_cell_format(t, 0, 3, 0, buf, sizeof buf);
    CHECK_STR(buf, "2026-01-01T00:00:00Z");
    CHECK_INT(rpt_cell_format(t, 1, 1, 0, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
    CHECK(!rpt_cell_at(t, 1, 2)->set);
    rpt_cell_format(t, 0, 0, 0, buf, 8);   /* cut to the buffer */
    CHECK_STR(buf, "friendl");
    rpt_free(r);
}

static void test_many_rows(void)
{
    rpt_report *r = rpt_new("T");
    rpt_table *t = rpt_table_add(rpt_section_add(r, "s", "S", NULL), "t", "T", "n:N:int", NULL);
    for (int i = 0; i < 10000; i++)
        rpt_int(t, rpt_row(t), 0, i);
    CHECK_INT(t->nrows, 10000);
    CHECK_INT(rpt_cell_at(t, 9999, 0)->i, 9999);
    rpt_free(r);
}

static void test_text(void)
{
    rpt_report *r = sample();
    char *out = render(r, RPT_FMT_TEXT);
    CHECK(out != NULL);
    CHECK_STR(out,
              "T\n"
              "generated: 2026-01-05T00:00:00Z\n"
              "scope:     scope\n"
              "\n"
              "== Agents\n"
              "\n"
              "Top\n"
              "User agent          Count  Share                 First\n"
              "------------------  -----  -----  --------------------\n"
              "friendly-scanner     1234  50.0%  2026-01-01T00:00:00Z\n"
              "=cmd|' /C calc'!A0\n"
              "\n");
    free(out);
    rpt_free(r);
}

static void test_text_hostile(void)
{
    rpt_report *r = rpt_new("T");
    rpt_table *t = rpt_table_add(rpt_section_add(r, "s", "S", NULL), "t", "T", "ua:UA:text", NULL);
    rpt_text(t, rpt_row(t), 0, "\x1b]0;owned\x07\x1b[2J\r\nx\xff\xc0\xafy");
    char *out = render(r, RPT_FMT_TEXT);
    CHECK(out != NULL);
    /* Escapes and controls become '?', bad bytes U+FFFD, each on its own. */
    CHECK(out && strstr(out, "?]0;owned??[2J??x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy") != NULL);
    CHECK(out && strchr(out, 0x1b) == NULL && strchr(out, '\r') == NULL);
    free(out);
    /* A long cell is cut at 60 characters. */
    char longua[300];
    memset(longua, 'A', sizeof longua - 1);
    longua[sizeof longua - 1] = '\0';
    rpt_text(t, 0, 0, longua);
    out = render(r, RPT_FMT_TEXT);
    CHECK(out && strstr(out, "AAA...\n") != NULL && strstr(out, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == NULL);
    free(out);
    rpt_free(r);
}

static void test_csv(void)
{
    rpt_report *r = sample();
    rpt_text(r->sections[0]->tables[0], 0, 0, "a,\"b\"\r\nc");
    char *out = render(r, RPT_FMT_CSV);
    CHECK_STR(out,
              "# agents/top\r\n"
              "ua,n,share,first\r\n"
              "\"a,\"\"b\"\"\r\nc\",1234,0.5000,2026-01-01T00:00:00Z\r\n"
              "\"'=cmd|' /C calc'!A0\",,,\r\n");
    free(out);
    rpt_free(r);
}

static void test_json(void)
{
    rpt_report *r = sample();
    rpt_text(r->sections[0]->tables[0], 0, 0, "bad \xff utf-8 \"q\"");
    char *out = render(r, RPT_FMT_JSON);
    CHECK(out != NULL);
    CHECK(out && strstr(out, "\"ua\": \"bad \xEF\xBF\xBD utf-8 \\\"q\\\"\"") != NULL);
    CHECK(out && strstr(out, "\"n\": 1234") != NULL);
    CHECK(out && strstr(out, "\"share\": 0.5") != NULL);
    CHECK(out && strstr(out, "\"first\": \"2026-01-01T00:00:00Z\"") != NULL);
    CHECK(out && strstr(out, "\"n\": null") != NULL);
    CHECK(out && strstr(out, "\"attribution\": null") != NULL);
    CHECK(out && strstr(out, "\"type\": \"share\"") != NULL);
    free(out);
    rpt_free(r);
}

static void test_md(void)
{
    rpt_report *r = sample();
    rpt_text(r->sections[0]->tables[0], 0, 0, "a|b *c* <i>");
    char *out = render(r, RPT_FMT_MD);
    CHECK(out && strstr(out, "| User agent | Count | Share | First |\n|---|---:|---:|---|\n") != NULL);
    CHECK(out && strstr(out, "| a\\|b \\*c\\* \\<i\\> | 1234 | 50.0% | 2026-01-01T00:00:00Z |\n") != NULL);
    free(out);
    rpt_free(r);
}

static void test_formats(void)
{
    CHECK_INT(rpt_format_from_name("text"), RPT_FMT_TEXT);
    CHECK_INT(rpt_format_from_name("markdown"), RPT_FMT_MD);
    CHECK_INT(rpt_format_from_name("html"), RPT_FMT_HTML);
    CHECK_INT(rpt_format_from_name("xml"), -1);
}

CHECK_MAIN("test_report",
    {"cells and their formats", test_cells},
    {"tables grow", test_many_rows},
    {"text: aligned columns", test_text},
    {"text: no control characters, long cells cut", test_text_hostile},
    {"csv: RFC 4180, formulas neutralised", test_csv},
    {"json: types, null, invalid UTF-8", test_json},
    {"markdown: pipes and emphasis escaped", test_md},
    {"format names", test_formats})
