/*
 * test_report_html.c - the HTML renderer (src/report/render_html.c) on a
 * report built with rpt_* calls, hostile strings included: script and
 * attribute injection, "</svg>", invalid UTF-8, control and bidi
 * characters, a 5000-character string. Checks the page's structure, that
 * every tag and attribute in the output is one the renderer writes (so no
 * markup from data), the escaping, the UTF-8, each chart, the CSP hashes,
 * and write errors.
 *
 *   test_report_html                the unit tests
 *   test_report_html --write FILE   writes the sample page (used by
 *                                   tests/integration/test_report_html.sh)
 */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "check.h"
#include "report/render.h"
#include "report/table.h"
#include "util/utf8.h"

#define N_AGENTS 26
#define LONG_LEN 5000

static char long_string[LONG_LEN + 1];

/* Strings an attacker controls (user agents, dialed numbers). */
static const char *const HOSTILE[] = {
    "<script>alert(1)</script>",
    "\"onmouseover=alert(1) x=\"",
    "</svg><b id=\"injected\">x</b>",
    "' onload='alert(2)",
    "<img src=x onerror=alert(3)>",
    "</td></tr></table><div id=\"injected2\">",
    "]]><!-- -->&amp;",
};

static void fill_long(void)
{
    memset(long_string, 'A', LONG_LEN);
    long_string[LONG_LEN] = '\0';
}

/* The sample report: every chart kind, hostile strings in cells, titles,
 * notes, the star's centre; an empty table; NULL cells; a bad chart hint. */
static rpt_report *sample_report(void)
{
    fill_long();
    rpt_report *r = rpt_new("sipsnare report");
    rpt_set_meta(r, "2026-11-25T10:00:00Z",
                 "2026-01-01 .. 2026-03-31, sensors: all, store: sqlite:test.db \"onmouseover=alert(7)",
                 "IP-to-country data: CC BY 4.0 (see docs/ENRICHMENT.md) <b>not bold</b>");

    rpt_section *s = rpt_section_add(r, "summary", "Summary", "What the sensors saw, in numbers.");
    rpt_table *t = rpt_table_add(s, "totals", "Totals", "what:What:text", "count:Count:int",
                                 "share:Share:share", "rate:Per day:real", "first:First seen:time", NULL);
    static const char *const what[] = {"REGISTER", "INVITE", "OPTIONS"};
    static const long long cnt[] = {64213004, 1021345, 9876};
    for (int i = 0; i < 3; i++) {
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, what[i]);
        rpt_int(t, row, 1, cnt[i]);
        rpt_real(t, row, 2, (double)cnt[i] / 65244225.0);
        rpt_real(t, row, 3, (double)cnt[i] / 358.0);
        rpt_time(t, row, 4, 1767225600000LL + i * 3600000LL);
    }

    s = rpt_section_add(r, "agents", "User agents", "The user agents of the requests (attacker-chosen).");
    t = rpt_table_add(s, "top_agents", "Top user agents", "user_agent:User agent:text",
                      "count:Count:int", "share:Share:share", NULL);
    for (int i = 0; i < N_AGENTS; i++) {
        char name[64];
        const char *ua = name;
        snprintf(name, sizeof name, "agent-%02d", i);
        if (i < (int)(sizeof HOSTILE / sizeof HOSTILE[0]))
            ua = HOSTILE[i];
        else if (i == 10)
            ua = "bad \xff\xfe utf8 \xc3\x28 \xed\xa0\x80 end";
        else if (i == 11)
            ua = "ctl\x01\x1b[31mred\r\nX-Injected: 1\x7f";
        else if (i == 12)
            ua = "bidi \xE2\x80\xAE" "evil\xE2\x80\x8B zero";
        else if (i == 13)
            ua = long_string;
        else if (i == 14)
            ua = "friendly-scanner";
        else if (i == 15)
            ua = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xE4\xBD\xA0\xE5\xA5\xBD";  /* Привет 你好 */
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, ua);
        /* not in order; agent-24 and agent-25 have the smallest counts */
        long long v = i == 14 ? 5000000 : i < 16 ? 200000 - i * 1000 : 1000 + ((i * 7919) % 97) * 100;
        if (i >= 24)
            v = 10 + i;
        rpt_int(t, row, 1, v);
        rpt_real(t, row, 2, (double)v / 6000000.0);
    }
    rpt_chart_bar(t, 0, 1, 20);

    s = rpt_section_add(r, "countries", "Source countries", NULL);
    t = rpt_table_add(s, "source_countries", "Source countries", "country:Country:text",
                      "sources:Sources:int", "share:Share:share", NULL);
    static const char *const cc[] = {"FR", "US", "DE", "NL", "CN", "RU", "BR", "GB"};
    for (int i = 0; i < 8; i++) {
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, cc[i]);
        rpt_int(t, row, 1, 800 - i * 90);
        rpt_real(t, row, 2, (800 - i * 90) / 4000.0);
    }
    rpt_chart_bar(t, 0, 1, 0);

    s = rpt_section_add(r, "timeline", "Timeline", "Requests per day.\nA gap of three days has no rows.");
    t = rpt_table_add(s, "per_day", "Requests per day", "day:Day:text", "register:REGISTER:int",
                      "invite:INVITE:int", "options:OPTIONS:int", "calls:Calls:int",
                      "extra:Fifth series:int", NULL);
    for (int d = 0; d < 60; d++) {
        if (d >= 30 && d < 33)
            continue;
        char day[32];
        int month = d < 31 ? 1 : 2, mday = d < 31 ? d + 1 : d - 30;
        snprintf(day, sizeof day, "2026-%02d-%02d", month, mday);
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, day);
        rpt_int(t, row, 1, 150000 + (d * 37 % 11) * 20000);
        rpt_int(t, row, 2, 3000 + (d * 13 % 7) * 1500);
        if (d != 20)
            rpt_int(t, row, 3, 40000 + (d % 5) * 8000);
        rpt_int(t, row, 4, 500 + d * 100);
        rpt_int(t, row, 5, 1);
    }
    int series[5] = {1, 2, 3, 4, 5};
    rpt_chart_timeline(t, 0, series, 5);

    s = rpt_section_add(r, "figure5", "One source, every destination",
                        "The destination countries one source address called (the study's Figure 5).");
    t = rpt_table_add(s, "destinations", "Destinations of 203.0.113.50", "country:Destination:text",
                      "calls:Calls:int", NULL);
    static const char *const dest[] = {"PS", "IL", "GB", "SO", "LV", "CU", "US", "DE", "SN", "TN",
                                       "ZW", "EG", "KE", "LT", "PL", "RU", "MA", "DZ", "SA", "AE",
                                       "IR", "IQ", "SY", "JO", "LB", "<script>alert(5)</script>"};
    for (int i = 0; i < 26; i++) {
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, dest[i]);
        rpt_int(t, row, 1, i == 25 ? 999999 : 2000 - i * 70);
    }
    rpt_chart_star(t, "203.0.113.50", 0, 1, 20);

    s = rpt_section_add(r, "x\"><script>alert(8)</script>", "<i>Hostile</i> section \"title\" & more",
                        "A note with <b>markup</b> & an ampersand\nand a second line.");
    t = rpt_table_add(s, "empty", "An empty table", "k:Key:text", "n:N:int", NULL);
    rpt_chart_bar(t, 0, 1, 0);
    t = rpt_table_add(s, "nulls", "NULL cells <and> NaN", "k:Key <th>:text", "n:N:int", "x:X:real", NULL);
    size_t row = rpt_row(t);
    rpt_real(t, row, 2, NAN);
    row = rpt_row(t);
    rpt_text(t, row, 0, "set");
    rpt_int(t, row, 1, -5);
    rpt_real(t, row, 2, 1.5);
    t->chart.kind = RPT_CHART_BAR;   /* a bad hint: no such column */
    t->chart.label_col = 7;
    t->chart.value_cols[0] = 1;
    t->chart.n_values = 1;
    t = rpt_table_add(s, "star2", "Star with a hostile centre", "leaf:Leaf:text", "w:Weight:int", NULL);
    row = rpt_row(t);
    rpt_text(t, row, 0, "only leaf");
    rpt_int(t, row, 1, 3);
    rpt_chart_star(t, "</svg><script>alert(6)</script>", 0, 1, 0);
    return r;
}

#define N_SECTIONS 6
#define N_TABLES 8
#define N_CHARTS 5

static char *render(const rpt_report *r, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        perror("open_memstream");
        exit(2);
    }
    int rc = rpt_render_html(f, r);
    fclose(f);
    if (rc != 0) {
        fprintf(stderr, "rpt_render_html failed\n");
        exit(2);
    }
    *len = n;
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += k)
        n++;
    return n;
}

/* The text between the i-th (0-based) "<svg" and its "</svg>", in a new buffer. */
static char *nth_svg(const char *html, int i)
{
    const char *p = html;
    for (int k = 0; p && k <= i; k++) {
        p = strstr(p, "<svg");
        if (p && k < i)
            p += 4;
    }
    if (!p)
        return NULL;
    const char *e = strstr(p, "</svg>");
    if (!e)
        return NULL;
    size_t n = (size_t)(e - p) + 6;
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Every tag the renderer writes, and every attribute. */
static const char *const TAGS[] = {
    "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "dl", "dt", "dd",
    "p", "nav", "h2", "ol", "li", "a", "main", "section", "figure", "svg", "g", "text", "rect",
    "line", "polyline", "polygon", "circle", "div", "table", "caption", "span", "thead", "tr",
    "th", "tbody", "td", "time", "footer", "script", NULL};
static const char *const ATTRS[] = {
    "lang", "charset", "http-equiv", "content", "name", "href", "id", "class", "role",
    "aria-labelledby", "viewBox", "width", "height", "font-family", "font-size", "fill", "x", "y",
    "x1", "y1", "x2", "y2", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "text-anchor", "font-weight", "cx", "cy", "r", "rx",
    "points", "tabindex", "scope", "data-type", "data-sort-value", "datetime", "html", NULL};

static int in_list(const char *const *list, const char *s, size_t n)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && !memcmp(list[i], s, n))
            return 1;
    return 0;
}

/* Walks the page like a (strict, simple) tokenizer: every '<' opens a tag
 * of TAGS whose attributes are in ATTRS with double-quoted values free of
 * '<', '>' and '"'; text holds no '>'; the contents of <style> and
 * <script> are skipped. Returns the number of problems (printed). */
static int markup_problems(const char *html)
{
    int bad = 0;
    const char *p = html;
    while (*p) {
        if (*p == '>') {
            if (bad++ < 5)
                fprintf(stderr, "  stray '>' at %.40s\n", p);
            p++;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        const char *tag = p++;
        int closing = *p == '/';
        if (closing)
            p++;
        const char *name = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '!')
            p++;
        size_t nlen = (size_t)(p - name);
        if (!in_list(TAGS, name, nlen)) {
            if (bad++ < 5)
                fprintf(stderr, "  unknown tag at %.60s\n", tag);
            continue;
        }
        for (;;) {
            while (*p == ' ' || *p == '\n')
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            const char *an = p;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-')
                p++;
            size_t alen = (size_t)(p - an);
            if (alen == 0 || !in_list(ATTRS, an, alen)) {
                if (bad++ < 5)
                    fprintf(stderr, "  unknown attribute at %.60s\n", an);
                break;
            }
            if (*p != '=')          /* a bare attribute (<!DOCTYPE html>) */
                continue;
            if (p[1] != '"') {
                if (bad++ < 5)
                    fprintf(stderr, "  unquoted attribute at %.60s\n", an);
                break;
            }
            p += 2;
            while (*p && *p != '"') {
                if (*p == '<' || *p == '>') {
                    if (bad++ < 5)
                        fprintf(stderr, "  markup in attribute at %.60s\n", an);
                }
                p++;
            }
            if (*p == '"')
                p++;
        }
        while (*p && *p != '>')
            p++;
        if (*p)
            p++;
        if (!closing && (nlen == 5 && !memcmp(name, "style", 5))) {
            const char *e = strstr(p, "</style>");
            p = e ? e : p + strlen(p);
        } else if (!closing && nlen == 6 && !memcmp(name, "script", 6)) {
            const char *e = strstr(p, "</script>");
            p = e ? e : p + strlen(p);
        }
    }
    return bad;
}

static void test_structure(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    CHECK(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    CHECK(strstr(h, "<meta charset=\"utf-8\">") != NULL);
    CHECK(strstr(h, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ") != NULL);
    CHECK(strstr(h, "<title>sipsnare report</title>") != NULL);
    CHECK(strstr(h, "<h1>sipsnare report</h1>") != NULL);
    CHECK(strstr(h, "<dt>Generated</dt><dd>2026-11-25T10:00:00Z</dd>") != NULL);
    CHECK(len > 7 && strcmp(h + len - 8, "</html>\n") == 0);
    CHECK_INT(count(h, "<section id=\"s"), N_SECTIONS);
    CHECK_INT(count(h, "</section>"), N_SECTIONS);
    CHECK_INT(count(h, "<li><a href=\"#s"), N_SECTIONS);
    CHECK(strstr(h, "<li><a href=\"#s2-agents\">User agents</a></li>") != NULL);
    CHECK(strstr(h, "<section id=\"s2-agents\">") != NULL);
    /* the hostile section name becomes a harmless id */
    CHECK(strstr(h, "<section id=\"s6-x---script-alert-8---script-\">") != NULL);
    CHECK_INT(count(h, "<table class=\"sortable\""), N_TABLES);
    CHECK_INT(count(h, "</table>"), N_TABLES);
    CHECK_INT(count(h, "<tr>"), count(h, "</tr>"));
    CHECK_INT(count(h, "<td"), count(h, "</td>"));
    CHECK(strstr(h, "<th scope=\"col\" data-type=\"text\">User agent</th>"
                    "<th scope=\"col\" data-type=\"int\" class=\"num\">Count</th>"
                    "<th scope=\"col\" data-type=\"share\" class=\"num\">Share</th>") != NULL);
    CHECK(strstr(h, "data-type=\"real\" class=\"num\">Per day</th>") != NULL);
    CHECK(strstr(h, "data-type=\"time\" class=\"num\">First seen</th>") != NULL);
    /* numbers: sort keys exact, display grouped */
    CHECK(strstr(h, "<td class=\"num\" data-sort-value=\"64213004\">64\xE2\x80\xAF" "213\xE2\x80\xAF" "004</td>") != NULL);
    CHECK(strstr(h, "<td class=\"num\" data-sort-value=\"9876\">9876</td>") != NULL);
    CHECK(strstr(h, "data-sort-value=\"1767225600000\"><time datetime=\"2026-01-01T00:00:00Z\">"
                    "2026-01-01T00:00:00Z</time></td>") != NULL);
    CHECK(strstr(h, ">98.4%</td>") != NULL);   /* share */
    CHECK(strstr(h, ">179365.93</td>") != NULL); /* real */
    /* NULL cells, NaN, negative */
    CHECK(strstr(h, "<tr><td></td><td class=\"num\"></td><td class=\"num\">nan</td></tr>") != NULL ||
          strstr(h, "<tr><td></td><td class=\"num\"></td><td class=\"num\">-nan</td></tr>") != NULL);
    CHECK(strstr(h, "<td class=\"num\" data-sort-value=\"-5\">-5</td>") != NULL);
    CHECK(strstr(h, "<p class=\"empty\">No rows.</p>") != NULL);
    CHECK(strstr(h, "(0 rows)") != NULL && strstr(h, "(26 rows)") != NULL && strstr(h, "(1 row)") != NULL);
    /* notes keep their line break */
    CHECK(strstr(h, "<p class=\"note\">Requests per day.\nA gap of three days has no rows.</p>") != NULL);
    /* one script, at the end; nothing loaded */
    CHECK_INT(count(h, "<script"), 1);
    CHECK(strstr(h, " src=\"") == NULL && strstr(h, " href=\"http") == NULL);
    CHECK(strstr(h, "http:") == NULL && strstr(h, "https:") == NULL && strstr(h, "url(") == NULL);
    CHECK(strstr(h, "@import") == NULL);
    free(h);
    rpt_free(r);
}

static void test_no_markup_from_data(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    CHECK_INT(markup_problems(h), 0);
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++)
        CHECK(strstr(h, HOSTILE[i]) == NULL);
    CHECK(strstr(h, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>") != NULL);
    CHECK(strstr(h, "<td>&quot;onmouseover=alert(1) x=&quot;</td>") != NULL);
    CHECK(strstr(h, "<td>&lt;/svg&gt;&lt;b id=&quot;injected&quot;&gt;x&lt;/b&gt;</td>") != NULL);
    CHECK(strstr(h, "<td>&#39; onload=&#39;alert(2)</td>") != NULL);
    CHECK(strstr(h, "<td>]]&gt;&lt;!-- --&gt;&amp;amp;</td>") != NULL);
    CHECK(strstr(h, "&lt;i&gt;Hostile&lt;/i&gt; section &quot;title&quot; &amp; more") != NULL);
    CHECK(strstr(h, "A note with &lt;b&gt;markup&lt;/b&gt; &amp; an ampersand") != NULL);
    CHECK(strstr(h, "sqlite:test.db &quot;onmouseover=alert(7)</dd>") != NULL);
    CHECK(strstr(h, "&lt;b&gt;not bold&lt;/b&gt;") != NULL);
    CHECK(strstr(h, "<caption id=\"t6-2-nulls-cap\">NULL cells &lt;and&gt; NaN") != NULL);
    CHECK(strstr(h, ">Key &lt;th&gt;</th>") != NULL);
    /* in SVG text and titles too */
    CHECK(strstr(h, "<title>&lt;script&gt;alert(1)&lt;/script&gt;: ") != NULL);
    CHECK(strstr(h, "&lt;/svg&gt;&lt;script&gt;alert(6)&lt;/script&gt;</text>") != NULL);
    CHECK(strstr(h, "<title>&lt;script&gt;alert(5)&lt;/script&gt;: 999\xE2\x80\xAF" "999</title>") != NULL);
    CHECK(count(h, "onmouseover") == count(h, "&quot;onmouseover"));
    CHECK(strstr(h, "<b ") == NULL && strstr(h, "<b>") == NULL && strstr(h, "<img") == NULL && strstr(h, "<i>") == NULL);
    CHECK(strstr(h, "<div id") == NULL);
    free(h);
    rpt_free(r);
}

static void test_utf8_and_controls(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    const unsigned char *u = (const unsigned char *)h;
    size_t bad = 0, ctl = 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq_len(u + i, len - i);
        if (k == 0) {
            bad++;
            i++;
            continue;
        }
        if (k == 1 && ((u[i] < 0x20 && u[i] != '\n') || u[i] == 0x7F))
            ctl++;
        i += k;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(ctl, 0);
    /* invalid bytes (and the surrogate ED A0 80) each became U+FFFD */
    CHECK(strstr(h, "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end") != NULL);
    /* controls as control pictures: U+2401 U+241B ... U+240D U+240A ... U+2421 */
    CHECK(strstr(h, "ctl\xE2\x90\x81\xE2\x90\x9B[31mred\xE2\x90\x8D\xE2\x90\x8AX-Injected: 1\xE2\x90\xA1") != NULL);
    /* bidi override and zero-width space made visible */
    CHECK(strstr(h, "bidi &lt;U+202E&gt;evil&lt;U+200B&gt; zero") != NULL);
    CHECK(strstr(h, "\xE2\x80\xAE") == NULL);
    /* other scripts pass through */
    CHECK(strstr(h, "<td>\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xE4\xBD\xA0\xE5\xA5\xBD</td>") != NULL);
    free(h);
    rpt_free(r);
}

static void test_long_string(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    /* whole in the table */
    char *want = malloc(LONG_LEN + 40);
    snprintf(want, LONG_LEN + 40, "<td><div class=\"long\">%s</div></td>", long_string);
    CHECK(strstr(h, want) != NULL);
    /* cut to 30 characters and an ellipsis in the bar label */
    snprintf(want, LONG_LEN + 16, ">%.30s\xE2\x80\xA6</text>", long_string);
    char *svg = nth_svg(h, 0);
    CHECK(svg && strstr(svg, want) != NULL);
    free(svg);
    free(want);
    free(h);
    rpt_free(r);
}

static void test_charts(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    CHECK_INT(count(h, "<svg "), N_CHARTS);
    CHECK_INT(count(h, "</svg>"), N_CHARTS);
    CHECK_INT(count(h, "<svg class=\"chart\" role=\"img\" aria-labelledby=\"c"), N_CHARTS);
    CHECK_INT(count(h, "<figure>"), N_CHARTS);

    /* bars: the 20 largest of 26 agents, labelled, in table order */
    char *svg = nth_svg(h, 0);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, "aria-labelledby=\"c2-1\"") != NULL);
        CHECK(strstr(svg, "<title id=\"c2-1\">Top user agents \xE2\x80\x94 bar chart of Count by User agent, "
                          "the 20 largest of 26</title>") != NULL);
        CHECK_INT(count(svg, "<rect "), 20);
        CHECK_INT(count(svg, "<g><title>"), 20);
        CHECK(strstr(svg, ">friendly-scanner</text>") != NULL);
        CHECK(strstr(svg, ">5\xE2\x80\xAF" "000\xE2\x80\xAF" "000</text>") != NULL);
        /* the largest bar is the full length */
        CHECK(strstr(svg, "width=\"340.0\" height=\"18\"") != NULL);
        CHECK(strstr(svg, "agent-24") == NULL && strstr(svg, "agent-25") == NULL);
        CHECK(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;</text>") != NULL);
        CHECK(strstr(svg, "<script") == NULL);
    }
    free(svg);
    CHECK(strstr(h, "<td>agent-24</td>") != NULL);

    /* bars with the default maximum: all 8 countries */
    svg = nth_svg(h, 1);
    CHECK(svg && count(svg, "<rect ") == 8);
    CHECK(svg && strstr(svg, ">FR</text>") != NULL && strstr(svg, ">GB</text>") != NULL);
    free(svg);

    /* timeline: 4 series (the fifth column is not drawn), legend, dates */
    svg = nth_svg(h, 2);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, "timeline per day, 2026-01-01 to 2026-03-01: REGISTER, INVITE, OPTIONS, Calls</title>") != NULL);
        CHECK(strstr(svg, ">REGISTER</text>") && strstr(svg, ">INVITE</text>") &&
              strstr(svg, ">OPTIONS</text>") && strstr(svg, ">Calls</text>"));
        CHECK(strstr(svg, "Fifth series") == NULL);
        CHECK(strstr(svg, ">2026-01-01</text>") != NULL && strstr(svg, ">2026-03-01</text>") != NULL);
        CHECK(strstr(svg, "stroke=\"#0072B2\"") && strstr(svg, "stroke=\"#D55E00\"") &&
              strstr(svg, "stroke=\"#009E73\"") && strstr(svg, "stroke=\"#882255\""));
        /* REGISTER, INVITE, Calls: broken once by the 3-day gap;
         * OPTIONS: also by its NULL on day 21 */
        CHECK_INT(count(svg, "<polyline "), 2 + 2 + 3 + 2);
        CHECK(strstr(svg, ">100\xE2\x80\xAF" "000</text>") != NULL);  /* a y tick */
    }
    free(svg);

    /* star: 20 leaves of 26, the largest (the hostile label) included */
    svg = nth_svg(h, 3);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, "Destinations of 203.0.113.50 \xE2\x80\x94 203.0.113.50 and the 20 Destination it reached "
                          "(the 20 largest of 26), line width by Calls</title>") != NULL);
        CHECK_INT(count(svg, "<circle "), 20);
        CHECK_INT(count(svg, "<line "), 20);
        CHECK(strstr(svg, "font-weight=\"600\">203.0.113.50</text>") != NULL);
        CHECK(strstr(svg, "stroke-width=\"12.0\"") != NULL);      /* the heaviest edge */
        CHECK(strstr(svg, ">PS (2000)</text>") != NULL);
        CHECK(strstr(svg, ">LB (") == NULL);                      /* one of the smallest */
    }
    free(svg);
    svg = nth_svg(h, 4);
    CHECK(svg && count(svg, "<circle ") == 1);
    free(svg);
    free(h);
    rpt_free(r);
}

static void b64_sha256(const char *p, size_t n, char out[64])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, 32);
}

/* The CSP names the hashes of exactly the page's <style> and <script>. */
static void test_csp_hashes(void)
{
    rpt_report *r = sample_report();
    size_t len;
    char *h = render(r, &len);
    const char *st = strstr(h, "<style>"), *se = strstr(h, "</style>");
    const char *sc = strstr(h, "<script>"), *sce = strstr(h, "</script>");
    CHECK(st && se && sc && sce);
    if (st && se && sc && sce) {
        char hs[64], hj[64], want[200];
        b64_sha256(st + 7, (size_t)(se - st - 7), hs);
        b64_sha256(sc + 8, (size_t)(sce - sc - 8), hj);
        snprintf(want, sizeof want, "style-src 'sha256-%s'; script-src 'sha256-%s';", hs, hj);
        CHECK(strstr(h, want) != NULL);
    }
    CHECK(strstr(h, "unsafe-inline") == NULL && strstr(h, "unsafe-eval") == NULL);
    CHECK(strstr(h, "style=") == NULL);    /* no style attributes: the CSP would block them */
    /* the script builds no markup from strings */
    CHECK(strstr(h, "innerHTML") == NULL && strstr(h, "eval(") == NULL &&
          strstr(h, "document.write") == NULL && strstr(h, "insertAdjacentHTML") == NULL);
    free(h);
    rpt_free(r);
}

static void test_empty_report(void)
{
    rpt_report *r = rpt_new(NULL);
    size_t len;
    char *h = render(r, &len);
    CHECK(strstr(h, "<title>sipsnare report</title>") != NULL);
    CHECK(strstr(h, "<nav") == NULL);
    CHECK(strstr(h, "<main>\n</main>") != NULL);
    CHECK_INT(markup_problems(h), 0);
    free(h);
    rpt_report *r2 = rpt_new("t");
    rpt_section *s = rpt_section_add(r2, NULL, NULL, NULL);
    rpt_table *t = rpt_table_add(s, NULL, NULL, NULL);
    rpt_chart_star(t, NULL, 0, 1, 0);
    rpt_row(t);
    t = rpt_table_add(s, "tl", "timeline with no valid day", "d:Day:text", "n:N:int", NULL);
    size_t row = rpt_row(t);
    rpt_text(t, row, 0, "not a day");
    rpt_int(t, row, 1, 4);
    row = rpt_row(t);
    rpt_text(t, row, 0, "2026-13-01");
    rpt_int(t, row, 1, 4);
    int v = 1;
    rpt_chart_timeline(t, 0, &v, 1);
    t = rpt_table_add(s, "tl1", "one day, all zero", "d:Day:text", "n:N:int", NULL);
    row = rpt_row(t);
    rpt_text(t, row, 0, "2026-05-05");
    rpt_int(t, row, 1, 0);
    rpt_chart_timeline(t, 0, &v, 1);
    t = rpt_table_add(s, "bz", "zero and negative bars", "k:K:text", "n:N:real", NULL);
    row = rpt_row(t);
    rpt_real(t, row, 1, 0);
    row = rpt_row(t);
    rpt_text(t, row, 0, "neg");
    rpt_real(t, row, 1, -2.5);
    rpt_chart_bar(t, 0, 1, 0);
    /* extremes: days far out of range are skipped, huge values drawn */
    t = rpt_table_add(s, "ext", "extremes", "d:Day:int", "x:X:real", "y:Y:int", NULL);
    row = rpt_row(t);
    rpt_int(t, row, 0, INT64_MAX);
    rpt_real(t, row, 1, 1.0);
    row = rpt_row(t);
    rpt_int(t, row, 0, INT64_MIN);
    rpt_real(t, row, 1, 1.0);
    row = rpt_row(t);
    rpt_int(t, row, 0, 20000);
    rpt_real(t, row, 1, DBL_MAX);
    rpt_int(t, row, 2, INT64_MIN);
    row = rpt_row(t);
    rpt_int(t, row, 0, 20001);
    rpt_real(t, row, 1, INFINITY);
    rpt_int(t, row, 2, INT64_MAX);
    int xy[2] = {1, 2};
    rpt_chart_timeline(t, 0, xy, 2);
    t = rpt_table_add(s, "ext2", "extreme bars", "k:K:text", "x:X:real", NULL);
    row = rpt_row(t);
    rpt_text(t, row, 0, "max");
    rpt_real(t, row, 1, DBL_MAX);
    row = rpt_row(t);
    rpt_text(t, row, 0, "tiny");
    rpt_real(t, row, 1, 4.9e-324);
    rpt_chart_bar(t, 0, 1, 0);
    h = render(r2, &len);
    CHECK(strstr(h, ">2024-10-04</text>") != NULL);   /* day 20000 */
    CHECK(strstr(h, "-9\xE2\x80\xAF" "223\xE2\x80\xAF" "372\xE2\x80\xAF" "036\xE2\x80\xAF" "854\xE2\x80\xAF" "775\xE2\x80\xAF" "808</td>") != NULL);
    CHECK(strstr(h, "<section id=\"s1\">\n<h2>Section</h2>") != NULL);
    CHECK(strstr(h, "<caption id=\"t1-1-cap\">table <span") != NULL);
    CHECK_INT(count(h, "<svg "), 4);
    CHECK(strstr(h, ">2026-05-05</text>") != NULL);
    CHECK(strstr(h, ">(none)</text>") != NULL);
    CHECK(strstr(h, "width=\"0.0\" height=\"18\"") != NULL);
    CHECK_INT(markup_problems(h), 0);
    free(h);
    rpt_free(r);
    rpt_free(r2);
}

/* A full device, a read-only stream: -1. */
static void test_write_errors(void)
{
    rpt_report *r = sample_report();
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        errno = 0;
        CHECK_INT(rpt_render_html(f, r), -1);
        CHECK(errno != 0);
        fclose(f);
    }
    char path[] = "/tmp/sipsnare-html-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        FILE *ro = fdopen(fd, "r");      /* writing to a read-only stream fails */
        CHECK(ro != NULL);
        if (ro) {
            CHECK_INT(rpt_render_html(ro, r), -1);
            fclose(ro);
        }
        unlink(path);
    }
    rpt_free(r);
}

static int write_sample(const char *path)
{
    rpt_report *r = sample_report();
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        rpt_free(r);
        return 1;
    }
    int rc = rpt_render_html(f, r);
    if (fclose(f) != 0)
        rc = -1;
    rpt_free(r);
    if (rc != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static const struct check_case CASES[] = {
    {"structure", test_structure},
    {"no markup from data", test_no_markup_from_data},
    {"utf8 and controls", test_utf8_and_controls},
    {"long string", test_long_string},
    {"charts", test_charts},
    {"csp hashes", test_csp_hashes},
    {"empty report", test_empty_report},
    {"write errors", test_write_errors},
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_sample(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--write FILE]\n", argv[0]);
        return 2;
    }
    return check_run("test_report_html", CASES, sizeof CASES / sizeof CASES[0]);
}
