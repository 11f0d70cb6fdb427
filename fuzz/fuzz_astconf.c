/*
 * fuzz_astconf.c - libFuzzer target for the Asterisk configuration reader
 * (src/audit/astconf.h) and the audit checks over what it reads. The input
 * is up to 4 in-memory files separated by form feeds ('\f'): f0.conf (the
 * top file), f1.conf, f2.conf, f3.conf, so #include/#tryinclude of them,
 * cycles and templates across files are reachable; any other name is a
 * missing file. f0 is read as sip.conf, pjsip.conf and extensions.conf at
 * once. Invariants: a load either succeeds or sets an error with a message;
 * audit_run never fails on a loaded configuration.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/astconf.h"
#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct vfs {
    const char *part[4];
    size_t len[4];
    int n;
};

static int vfs_index(const struct vfs *v, const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (strlen(b) == 7 && b[0] == 'f' && b[1] >= '0' && b[1] <= '3' && strcmp(b + 2, ".conf") == 0) {
        int i = b[1] - '0';
        return i < v->n ? i : -1;
    }
    return -1;
}

static int vfs_read(void *ud, const char *path, char **buf, size_t *len, char *errbuf, size_t errlen)
{
    (void)errbuf; (void)errlen;
    const struct vfs *v = ud;
    int i = vfs_index(v, path);
    if (i < 0)
        return -1;
    /* an exact-size copy, so over-reads are caught */
    char *b = malloc(v->len[i] ? v->len[i] : 1);
    if (!b)
        return -2;
    memcpy(b, v->part[i], v->len[i]);
    *buf = b;
    *len = v->len[i];
    return 0;
}

static int vfs_canon(void *ud, const char *path, char *out, size_t outlen)
{
    int i = vfs_index(ud, path);
    if (i < 0 || outlen < 8)
        return -1;
    memcpy(out, "f0.conf", 8);
    out[1] = (char)('0' + i);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vfs v = {{0}, {0}, 0};
    const char *p = (const char *)data, *end = p + size;
    while (v.n < 4) {
        const char *ff = v.n < 3 ? memchr(p, '\f', (size_t)(end - p)) : NULL;
        v.part[v.n] = p;
        v.len[v.n] = ff ? (size_t)(ff - p) : (size_t)(end - p);
        v.n++;
        if (!ff)
            break;
        p = ff + 1;
    }
    astconf_io io = {vfs_read, vfs_canon, 0, &v};
    astconf cf = {0};
    int rc = astconf_load(&cf, "f0.conf", &io);
    if (rc != 0) {
        if (cf.error.msg[0] == '\0' || cf.error.line < 0)
            abort();
    } else {
        for (size_t i = 0; i < cf.n_sections; i++)
            for (size_t k = 0; k < cf.sections[i].n_vars; k++)
                if (!cf.sections[i].vars[k].file || cf.sections[i].vars[k].line <= 0)
                    abort();
        aud_input in = {&cf, &cf, &cf, NULL};
        aud_report r = {0};
        if (audit_run(&in, &r) != 0)
            abort();
        for (size_t i = 0; i < r.n; i++)
            if (!r.f[i].id || !r.f[i].message || r.f[i].severity > AUD_CRITICAL)
                abort();
        aud_report_free(&r);
    }
    astconf_free(&cf);
    return 0;
}
