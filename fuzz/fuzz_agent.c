/*
 * fuzz_agent.c - libFuzzer target for the user-agent classifier and the
 * SIPVicious tag decoder (src/analyze/agent.h): the input as a User-Agent
 * value and as a From tag / Via branch / raw message of an event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ag_db *db;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!loaded) {
        char err[256];
        db = ag_db_load("data/agents.tsv", err, sizeof err);   /* NULL: classes without signatures */
        loaded = 1;
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    ag_match m;
    ag_class c = ag_classify(db, s, &m);
    if ((unsigned)c >= AG_CLASS_COUNT || m.cls != c || m.tool == NULL)
        abort();
    if (ag_looks_random(s) && strlen(s) < 12)
        abort();
    char text[128];
    int n = sv_decode_tag(s, text, sizeof text);
    if (n >= 0 && (size_t)n != strlen(text))
        abort();
    an_event ev;
    memset(&ev, 0, sizeof ev);
    ev.from_tag = s;
    ev.via_branch = s;
    ev.user_agent = s;
    ev.raw = s;
    sv_info info;
    unsigned bits = sv_inspect(&ev, &info);
    if (bits != info.evidence || strnlen(info.target, sizeof info.target) == sizeof info.target)
        abort();
    free(s);
    return 0;
}
