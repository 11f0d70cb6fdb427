/*
 * calls.c - unified call attempts and per-number figures (calls.h).
 */
#include "analyze/calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/strmap.h"

struct calls {
    num_ctx *nums;
    calls_config cfg;
    call_t *calls;
    size_t ncalls, capcalls;
    call_number *numbers;
    size_t nnumbers, capnumbers;
    strmap pair;        /* "<src_ip> <e164>" -> latest call of that source to that number */
    strmap number;      /* "<e164>" -> index in numbers */
    calls_stats stats;
};

calls_t *calls_new(num_ctx *nums, const calls_config *cfg)
{
    calls_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nums = nums;
    if (cfg)
        c->cfg = *cfg;
    if (c->cfg.window_ms <= 0)
        c->cfg.window_ms = CALL_DEFAULT_WINDOW_MS;
    if (!c->cfg.max_calls)
        c->cfg.max_calls = (size_t)16 << 20;
    if (!c->cfg.max_numbers)
        c->cfg.max_numbers = (size_t)4 << 20;
    strmap_init(&c->pair, 0);
    strmap_init(&c->number, c->cfg.max_numbers);
    return c;
}

void calls_free(calls_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ncalls; i++) {
        free(c->calls[i].src_ip);
        free(c->calls[i].sensor);
        for (unsigned v = 0; v < c->calls[i].n_variants; v++)
            free(c->calls[i].variants[v].dial);
    }
    free(c->calls);
    free(c->numbers);
    strmap_free(&c->pair);
    strmap_free(&c->number);
    free(c);
}

const call_t *calls_list(const calls_t *c, size_t *n)
{
    *n = c->ncalls;
    return c->calls;
}

const call_number *calls_numbers(const calls_t *c, size_t *n)
{
    *n = c->nnumbers;
    return c->numbers;
}

const calls_stats *calls_get_stats(const calls_t *c)
{
    return &c->stats;
}

static void pair_key(char *buf, size_t len, const char *ip, const char *e164)
{
    snprintf(buf, len, "%s %s", ip, e164);
}

/* The open call of ip to e164 at time t, or -1. */
static long open_call(const calls_t *c, const char *ip, const char *e164, int64_t t, int *known_pair)
{
    char key[128];
    pair_key(key, sizeof key, ip, e164);
    size_t *v = strmap_get(&c->pair, key);
    if (known_pair)
        *known_pair = v != NULL;
    if (!v)
        return -1;
    const call_t *call = &c->calls[*v];
    if (t - call->last_ms > c->cfg.window_ms || call->last_ms - t > c->cfg.window_ms)
        return -1;
    return (long)*v;
}

static long number_index(calls_t *c, const num_result *r, int64_t t)
{
    size_t *v = strmap_get(&c->number, r->e164);
    if (v)
        return (long)*v;
    if (c->nnumbers == c->capnumbers) {
        size_t nc = c->capnumbers ? c->capnumbers * 2 : 256;
        call_number *nn = realloc(c->numbers, nc * sizeof *nn);
        if (!nn)
            return -1;
        c->numbers = nn;
        c->capnumbers = nc;
    }
    int added;
    if (!strmap_put(&c->number, r->e164, c->nnumbers, &added))
        return -1;
    call_number *n = &c->numbers[c->nnumbers];
    memset(n, 0, sizeof *n);
    memcpy(n->e164, r->e164, sizeof n->e164);
    n->dest = r->dest;
    n->type = r->type;
    n->category = r->category;
    n->first_ms = n->last_ms = t;
    return (long)c->nnumbers++;
}

static void add_variant(call_t *call, const char *dial, const char *prefix)
{
    for (unsigned i = 0; i < call->n_variants; i++)
        if (strcmp(call->variants[i].dial, dial) == 0) {
            call->variants[i].count++;
            return;
        }
    if (call->n_variants < CALL_MAX_VARIANTS) {
        call_variant *v = &call->variants[call->n_variants];
        v->dial = strdup(dial);
        if (v->dial) {
            snprintf(v->prefix, sizeof v->prefix, "%s", prefix);
            v->count = 1;
            call->n_variants++;
            return;
        }
    }
    call->more_variants++;
}

long calls_add(calls_t *c, const an_event *ev)
{
    if (!ev->method || strcmp(ev->method, "INVITE") != 0)
        return -1;
    c->stats.invites++;
    const char *dial = ev->ruri_user ? ev->ruri_user : "";
    const char *ip = ev->src_ip ? ev->src_ip : "";
    num_result r;
    num_status s = num_normalize(c->nums, dial, strlen(dial), &r);
    if (s == NUM_SHORT) {
        c->stats.internal++;
        return -1;
    }
    if (s == NUM_NOT_NUMBER) {
        c->stats.not_number++;
        return -1;
    }
    int64_t t = ev->time_ms;
    int known_pair = 0;
    long idx = open_call(c, ip, r.e164, t, &known_pair);
    if (idx < 0) {
        /* the other reading of an ambiguous string, if the source is calling it */
        for (int a = 0; a < r.n_alt && idx < 0; a++) {
            idx = open_call(c, ip, r.alt[a], t, NULL);
            if (idx >= 0)
                c->stats.joined_by_alternative++;
        }
    }
    if (idx >= 0) {
        call_t *call = &c->calls[idx];
        call_number *n = &c->numbers[call->number];
        if (t < call->first_ms)
            call->first_ms = t;
        if (t > call->last_ms)
            call->last_ms = t;
        call->invites++;
        if (ev->auth_outcome == AN_AUTH_OK)
            call->auth_ok++;
        add_variant(call, dial, r.prefix);
        n->attempts++;
        if (t < n->first_ms)
            n->first_ms = t;
        if (t > n->last_ms)
            n->last_ms = t;
        c->stats.external++;
        return idx;
    }
    /* a new unified call */
    if (c->ncalls >= c->cfg.max_calls) {
        c->stats.dropped++;
        return -1;
    }
    long ni = number_index(c, &r, t);
    if (ni < 0) {
        c->stats.dropped++;
        return -1;
    }
    if (c->ncalls == c->capcalls) {
        size_t nc = c->capcalls ? c->capcalls * 2 : 256;
        call_t *ncalls = realloc(c->calls, nc * sizeof *ncalls);
        if (!ncalls) {
            c->stats.dropped++;
            return -1;
        }
        c->calls = ncalls;
        c->capcalls = nc;
    }
    char key[128];
    pair_key(key, sizeof key, ip, r.e164);
    int added;
    size_t *slot = strmap_put(&c->pair, key, c->ncalls, &added);
    if (!slot) {
        c->stats.dropped++;
        return -1;
    }
    *slot = c->ncalls;   /* the latest call of this source to this number */
    call_t *call = &c->calls[c->ncalls];
    memset(call, 0, sizeof *call);
    call->src_ip = strdup(ip);
    call->sensor = strdup(ev->sensor ? ev->sensor : "");
    call->src = ev->src;
    memcpy(call->e164, r.e164, sizeof call->e164);
    call->dest = r.dest;
    call->type = r.type;
    call->category = r.category;
    call->valid = s == NUM_VALID;
    call->first_ms = call->last_ms = t;
    call->invites = 1;
    call->auth_ok = ev->auth_outcome == AN_AUTH_OK;
    call->number = (size_t)ni;
    add_variant(call, dial, r.prefix);
    call_number *n = &c->numbers[ni];
    n->attempts++;
    n->unified++;
    if (!known_pair)
        n->sources++;
    if (t < n->first_ms)
        n->first_ms = t;
    if (t > n->last_ms)
        n->last_ms = t;
    c->stats.external++;
    return (long)c->ncalls++;
}

size_t call_prefixes(const call_t *call, char *buf, size_t len)
{
    size_t w = 0;
    int first = 1;
    if (len)
        buf[0] = '\0';
    for (unsigned i = 0; i < call->n_variants; i++) {
        int dup = 0;
        for (unsigned j = 0; j < i; j++)
            if (strcmp(call->variants[j].prefix, call->variants[i].prefix) == 0)
                dup = 1;
        if (dup)
            continue;
        int k = snprintf(buf + w, w < len ? len - w : 0, "%s%s", first ? "" : ",",
                         call->variants[i].prefix);
        if (k < 0)
            break;
        w += (size_t)k;
        first = 0;
    }
    if (w >= len && len)
        buf[len - 1] = '\0';
    return w;
}
