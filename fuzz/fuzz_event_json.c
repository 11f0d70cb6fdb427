/*
 * fuzz_event_json.c - libFuzzer target for the hand-written event reader
 * (src/ingest/event_json.c; why it is hand-written: event_json.h), checked
 * against jansson on every input:
 *   - the input is one line; whatever it holds, event_json_parse returns
 *     0 or -1 with a reason, never reads outside it or the scratch;
 *   - if it calls the JSON invalid, jansson must reject it too, and if
 *     jansson rejects it, it must not accept it (differences allowed only
 *     where jansson has limits of its own: numbers beyond 64 bits or
 *     doubles, nesting deeper than ours);
 *   - if it accepts, every known top-level string and integer field equals
 *     jansson's value (\u0000 read as U+FFFD, see store.h).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/event_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* jansson's decoding of s with each NUL turned into U+FFFD. */
static int same_string(store_str got, json_t *v)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            if (k + 3 > got.len || memcmp(got.p + k, "\xef\xbf\xbd", 3) != 0)
                return 0;
            k += 3;
        } else {
            if (k >= got.len || got.p[k] != s[i])
                return 0;
            k++;
        }
    }
    return k == got.len;
}

static void check_str(json_t *obj, const char *key, store_str got)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (got.p)
            abort();   /* a value out of nowhere */
        return;
    }
    if (!got.p || !same_string(got, v))
        abort();
}

static void check_int(json_t *obj, const char *key, int64_t got)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return;        /* absent, or set by another key */
    if (!json_is_integer(v) || json_integer_value(v) != got)
        abort();
}

/* jansson refused for a reason of its own, not a grammar error we share:
 * numbers beyond int64/double, deep nesting, a \u0000 in a key. */
static int jansson_limit(const json_error_t *err)
{
    return strstr(err->text, "too big") || strstr(err->text, "overflow") ||
           strstr(err->text, "depth") || strstr(err->text, "nested") ||
           strstr(err->text, "NUL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    char *scratch = malloc(size + 1);
    char why[256];
    store_event ev;
    event_json_opts opts = {.keep_raw = true};
    if (!scratch)
        return 0;
    int rc = event_json_parse(line, size, &opts, &ev, scratch, why, sizeof why);
    if (rc != 0 && why[0] == '\0')
        abort();   /* every refusal says why */

    json_error_t err;
    json_t *j = json_loadb(line, size, JSON_ALLOW_NUL, &err);
    int ours_invalid = rc != 0 && strncmp(why, "invalid JSON", 12) == 0 &&
                       strstr(why, "nested too deeply") == NULL;
    /* jansson takes a raw NUL byte outside strings for the end of the text
     * (`{"v":2<NUL>}` parses); RFC 8259 does not, nor do we */
    int raw_nul = memchr(line, '\0', size) != NULL;
    if (ours_invalid && j != NULL && !raw_nul)
        abort();   /* valid JSON called invalid */
    if (j == NULL && !jansson_limit(&err) && rc == 0)
        abort();   /* invalid JSON accepted */

    if (rc == 0 && j != NULL) {
        if (!json_is_object(j))
            abort();
        check_str(j, "eventid", ev.eventid);
        check_str(j, "sensor", ev.sensor);
        if (json_object_get(j, "run"))
            check_str(j, "run", ev.run);
        check_str(j, "transport", ev.transport);
        check_str(j, "src_ip", ev.src_ip);
        check_str(j, "dst_ip", ev.dst_ip);
        check_str(j, "method", ev.method);
        check_str(j, "ruri", ev.ruri);
        check_str(j, "ruri_user", ev.ruri_user);
        check_str(j, "from_user", ev.from_user);
        check_str(j, "from_tag", ev.from_tag);
        check_str(j, "to_user", ev.to_user);
        check_str(j, "contact_user", ev.contact_user);
        check_str(j, "call_id", ev.call_id);
        check_str(j, "user_agent", ev.user_agent);
        check_str(j, "auth_outcome", ev.auth_outcome);
        check_str(j, "server", ev.server);
        check_str(j, "raw", ev.raw);
        if (json_object_get(j, "seq"))
            check_int(j, "seq", ev.seq);
        check_int(j, "src_port", ev.src_port);
        check_int(j, "dst_port", ev.dst_port);
        check_int(j, "cseq", ev.cseq);
        check_int(j, "response", ev.response);
        check_int(j, "status", ev.status);
        check_int(j, "len", ev.len);
        check_int(j, "suppressed", ev.suppressed);
        json_t *auth = json_object_get(j, "auth");
        if (auth) {
            check_str(auth, "user", ev.auth_user);
            check_str(auth, "realm", ev.auth_realm);
            check_str(auth, "algorithm", ev.auth_algorithm);
        }
        /* the reasons share one column: compare when only one is there */
        int reasons = !!json_object_get(j, "reason") + !!json_object_get(j, "drop_reason") +
                      !!json_object_get(j, "error");
        if (reasons == 1)
            check_str(j, json_object_get(j, "reason") ? "reason"
                         : json_object_get(j, "error") ? "error" : "drop_reason", ev.reason);
        if (ev.ts_ms == INT64_MIN)
            abort();
    }
    json_decref(j);
    free(scratch);
    return 0;
}
