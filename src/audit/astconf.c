/*
 * astconf.c - Asterisk configuration files (format in astconf.h). One pass
 * per file, line by line; an #include recurses at most ASTCONF_MAX_DEPTH
 * deep, with the stack of files being read kept for cycle detection.
 */
#include "audit/astconf.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The state of one load. */
struct loader {
    astconf *cf;
    const astconf_io *io;
    const char *top;                          /* the top file's path */
    char stack[ASTCONF_MAX_DEPTH + 1][PATH_MAX]; /* canonical ids being read */
    const char *stack_path[ASTCONF_MAX_DEPTH + 1];
    int depth;
    size_t reads;
    /* section name (case-insensitive) -> index+1 of its last section */
    size_t *hash;
    size_t hash_cap;    /* power of two, 0 before the first section */
};

static size_t name_hash(const char *s, size_t len)
{
    size_t h = 1469598103u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 16777619u;
    return h;
}

/* Records section idx (just added) as the last of its name; -1 when out of memory. */
static int hash_put(struct loader *ld, size_t idx)
{
    astconf *cf = ld->cf;
    if (cf->n_sections * 2 > ld->hash_cap) {
        size_t nc = ld->hash_cap ? ld->hash_cap * 2 : 64;
        size_t *nh = calloc(nc, sizeof *nh);
        if (!nh)
            return -1;
        free(ld->hash);
        ld->hash = nh;
        ld->hash_cap = nc;
        /* re-insert all: later sections overwrite earlier ones */
        for (size_t i = 0; i < cf->n_sections; i++) {
            const char *n = cf->sections[i].name;
            size_t len = strlen(n), k = name_hash(n, len) & (nc - 1);
            while (nh[k] && strcasecmp(cf->sections[nh[k] - 1].name, n) != 0)
                k = (k + 1) & (nc - 1);
            nh[k] = i + 1;
        }
        return 0;
    }
    const char *n = cf->sections[idx].name;
    size_t len = strlen(n), k = name_hash(n, len) & (ld->hash_cap - 1);
    while (ld->hash[k] && strcasecmp(cf->sections[ld->hash[k] - 1].name, n) != 0)
        k = (k + 1) & (ld->hash_cap - 1);
    ld->hash[k] = idx + 1;
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 0)))
#endif
static void set_msg(astconf_msg *m, const char *file, int line, const char *fmt, va_list ap)
{
    m->file = file;
    m->line = line;
    vsnprintf(m->msg, sizeof m->msg, fmt, ap);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(&ld->cf->error, file, line, fmt, ap);
    va_end(ap);
    return -1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void warn(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
    astconf *cf = ld->cf;
    if (cf->n_warnings >= ASTCONF_MAX_WARNINGS)
        return;
    if (!cf->warnings) {
        cf->warnings = calloc(ASTCONF_MAX_WARNINGS, sizeof *cf->warnings);
        if (!cf->warnings)
            return;
    }
    va_list ap;
    va_start(ap, fmt);
    set_msg(&cf->warnings[cf->n_warnings++], file, line, fmt, ap);
    va_end(ap);
}

/* ---- default I/O: the file system ---- */

static int disk_read(void *ud, const char *path, char **buf, size_t *len, char *errbuf, size_t errlen)
{
    (void)ud;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return -1;
        snprintf(errbuf, errlen, "cannot open: %s", strerror(errno));
        return -2;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errbuf, errlen, "not a regular file");
        fclose(f);
        return -2;
    }
    size_t cap = st.st_size > 0 && st.st_size <= ASTCONF_MAX_FILE_BYTES ? (size_t)st.st_size + 1 : 4096;
    size_t n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > ASTCONF_MAX_FILE_BYTES) {
                snprintf(errbuf, errlen, "file larger than %d bytes", ASTCONF_MAX_FILE_BYTES);
                free(b);
                fclose(f);
                return -2;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) { free(b); b = NULL; break; }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    int err = ferror(f);
    fclose(f);
    if (!b || err) {
        free(b);
        snprintf(errbuf, errlen, "%s", b ? "read error" : "out of memory");
        return -2;
    }
    if (n > ASTCONF_MAX_FILE_BYTES) {
        free(b);
        snprintf(errbuf, errlen, "file larger than %d bytes", ASTCONF_MAX_FILE_BYTES);
        return -2;
    }
    *buf = b;
    *len = n;
    return 0;
}

static int disk_canon(void *ud, const char *path, char *out, size_t outlen)
{
    (void)ud;
    char tmp[PATH_MAX];
    if (!realpath(path, tmp))
        return -1;
    snprintf(out, outlen, "%s", tmp);
    return 0;
}

static const astconf_io disk_io = {disk_read, disk_canon, 1, NULL};

/* ---- the model ---- */

static const char *intern_file(astconf *cf, const char *path)
{
    for (size_t i = 0; i < cf->n_files; i++)
        if (strcmp(cf->files[i], path) == 0)
            return cf->files[i];
    if (cf->n_files == cf->cap_files) {
        size_t nc = cf->cap_files ? cf->cap_files * 2 : 8;
        char **nf = realloc(cf->files, nc * sizeof *nf);
        if (!nf)
            return NULL;
        cf->files = nf;
        cf->cap_files = nc;
    }
    char *p = strdup(path);
    if (!p)
        return NULL;
    cf->files[cf->n_files++] = p;
    return p;
}

static astconf_section *new_section(astconf *cf, const char *name, size_t name_len,
                                    const char *file, int line)
{
    if (cf->n_sections == cf->cap_sections) {
        size_t nc = cf->cap_sections ? cf->cap_sections * 2 : 16;
        astconf_section *ns = realloc(cf->sections, nc * sizeof *ns);
        if (!ns)
            return NULL;
        cf->sections = ns;
        cf->cap_sections = nc;
    }
    astconf_section *s = &cf->sections[cf->n_sections];
    memset(s, 0, sizeof *s);
    s->name = strndup(name, name_len);
    if (!s->name)
        return NULL;
    s->file = file;
    s->line = line;
    cf->n_sections++;
    return s;
}

static int add_var(astconf *cf, astconf_section *s, const char *name, const char *value,
                   const char *file, int line, int is_object, int inherited)
{
    if (cf->total_vars >= ASTCONF_MAX_VARS)
        return -2;
    if (s->n_vars == s->cap_vars) {
        size_t nc = s->cap_vars ? s->cap_vars * 2 : 8;
        astconf_var *nv = realloc(s->vars, nc * sizeof *nv);
        if (!nv)
            return -1;
        s->vars = nv;
        s->cap_vars = nc;
    }
    astconf_var *v = &s->vars[s->n_vars];
    v->name = strdup(name);
    v->value = strdup(value);
    if (!v->name || !v->value) {
        free(v->name);
        free(v->value);
        return -1;
    }
    v->file = file;
    v->line = line;
    v->is_object = is_object;
    v->inherited = inherited;
    s->n_vars++;
    cf->total_vars++;
    return 0;
}

/* The last section named name (exact length) so far, or -1. */
static long find_last(const struct loader *ld, const char *name, size_t len)
{
    const astconf *cf = ld->cf;
    if (!ld->hash_cap)
        return -1;
    size_t k = name_hash(name, len) & (ld->hash_cap - 1);
    while (ld->hash[k]) {
        const char *n = cf->sections[ld->hash[k] - 1].name;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return (long)(ld->hash[k] - 1);
        k = (k + 1) & (ld->hash_cap - 1);
    }
    return -1;
}

/* ---- parsing ---- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Removes comments from line in place, tracking the block-comment nesting
 * level *nest across lines (Asterisk: ";--" opens, "--;" closes, `\;` is a
 * literal ';'). */
static void strip_comments(char *line, int *nest, int *nest_line, int lineno)
{
    char *w = line;
    for (char *r = line; *r;) {
        if (*nest > 0) {
            if (r[0] == '-' && r[1] == '-' && r[2] == ';') {
                (*nest)--;
                r += 3;
            } else if (r[0] == ';' && r[1] == '-' && r[2] == '-') {
                (*nest)++;
                r += 3;
            } else {
                r++;
            }
            continue;
        }
        if (r[0] == '\\' && r[1] == ';') {
            *w++ = ';';
            r += 2;
        } else if (r[0] == ';' && r[1] == '-' && r[2] == '-') {
            (*nest)++;
            *nest_line = lineno;
            r += 3;
        } else if (r[0] == ';') {
            break;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static int load_file(struct loader *ld, const char *path, long *cur,
                     const char *from_file, int from_line);

static int is_abs(const char *p) { return p[0] == '/'; }

/* dir part of path (without the slash) into out; "." when none. */
static void dir_of(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, outlen, ".");
    else if (slash == path)
        snprintf(out, outlen, "/");
    else
        snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

static int join(char *out, size_t outlen, const char *dir, const char *name)
{
    int n;
    if (is_abs(name) || strcmp(dir, ".") == 0)
        n = snprintf(out, outlen, "%s", name);
    else if (strcmp(dir, "/") == 0)
        n = snprintf(out, outlen, "/%s", name);
    else
        n = snprintf(out, outlen, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int exists(struct loader *ld, const char *path)
{
    char id[PATH_MAX];
    if (ld->io->canon)
        return ld->io->canon(ld->io->ud, path, id, sizeof id) == 0;
    /* no canon: ask the reader */
    char *b = NULL;
    size_t n = 0;
    char eb[64];
    int rc = ld->io->read(ld->io->ud, path, &b, &n, eb, sizeof eb);
    free(b);
    return rc != -1;
}

static int has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* #include / #tryinclude name, seen at file:line. */
static int do_include(struct loader *ld, const char *name, int try, long *cur,
                      const char *file, int line)
{
    char dir[PATH_MAX], path[PATH_MAX];
    dir_of(file, dir, sizeof dir);
    if (join(path, sizeof path, dir, name) != 0)
        return fail(ld, file, line, "include path too long");
    if (ld->io->glob && has_glob(name)) {
        glob_t g;
        int grc = glob(path, 0, NULL, &g);
        if (grc == GLOB_NOMATCH && !is_abs(name)) {
            char tdir[PATH_MAX], tpath[PATH_MAX];
            dir_of(ld->top, tdir, sizeof tdir);
            if (join(tpath, sizeof tpath, tdir, name) == 0 && strcmp(tpath, path) != 0) {
                globfree(&g);
                grc = glob(tpath, 0, NULL, &g);
            }
        }
        if (grc == GLOB_NOMATCH) {
            globfree(&g);
            if (try)
                return 0;
            return fail(ld, file, line, "#include \"%s\": no file matches", name);
        }
        if (grc != 0) {
            globfree(&g);
            return fail(ld, file, line, "#include \"%s\": glob failed", name);
        }
        int rc = 0;
        for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
            long c = *cur;
            rc = load_file(ld, g.gl_pathv[i], &c, file, line);
        }
        globfree(&g);
        return rc;
    }
    if (!is_abs(name) && !exists(ld, path)) {
        char tdir[PATH_MAX], tpath[PATH_MAX];
        dir_of(ld->top, tdir, sizeof tdir);
        if (join(tpath, sizeof tpath, tdir, name) == 0 && exists(ld, tpath))
            snprintf(path, sizeof path, "%s", tpath);
    }
    if (!exists(ld, path)) {
        if (try)
            return 0;
        return fail(ld, file, line, "#include \"%s\": file not found (looked for %s)", name, path);
    }
    /* The included file starts in the current section; afterwards the
     * including file goes on in its own current section (as Asterisk). */
    long c = *cur;
    return load_file(ld, path, &c, file, line);
}

/* One directive line ("#..."); rest points after '#'. */
static int directive(struct loader *ld, char *rest, long *cur, const char *file, int line)
{
    char *d = rest;
    size_t dl = 0;
    while (d[dl] && !isspace((unsigned char)d[dl]) && d[dl] != '"' && d[dl] != '<')
        dl++;
    char *arg = trim(d + dl);
    int try = 0;
    if (dl == 7 && strncasecmp(d, "include", 7) == 0) {
        try = 0;
    } else if (dl == 10 && strncasecmp(d, "tryinclude", 10) == 0) {
        try = 1;
    } else if ((dl == 4 && strncasecmp(d, "exec", 4) == 0) || (dl == 7 && strncasecmp(d, "tryexec", 7) == 0)) {
        warn(ld, file, line, "#%.*s is not followed: its output is not audited", (int)dl, d);
        return 0;
    } else {
        warn(ld, file, line, "unknown directive '#%.*s' ignored", (int)(dl > 40 ? 40 : dl), d);
        return 0;
    }
    size_t al = strlen(arg);
    if (al >= 2 && ((arg[0] == '"' && arg[al - 1] == '"') || (arg[0] == '<' && arg[al - 1] == '>'))) {
        arg[al - 1] = '\0';
        arg = trim(arg + 1);
    }
    if (!*arg) {
        warn(ld, file, line, "#%s without a file name ignored", try ? "tryinclude" : "include");
        return 0;
    }
    return do_include(ld, arg, try, cur, file, line);
}

/* "[name](options)" */
static int section_header(struct loader *ld, char *s, long *cur, const char *file, int line)
{
    astconf *cf = ld->cf;
    char *close = strchr(s + 1, ']');
    if (!close)
        return fail(ld, file, line, "no closing ']' in section header");
    char *name = s + 1;
    size_t name_len = (size_t)(close - name);
    char *opts = NULL;
    if (close[1] == '(') {
        opts = close + 2;
        char *cp = strchr(opts, ')');
        if (!cp)
            return fail(ld, file, line, "no closing ')' after section [%.*s]", (int)(name_len > 80 ? 80 : name_len), name);
        *cp = '\0';
    }
    /* Asterisk does not trim section names; neither do we. */
    int is_template = 0, add = 0;
    char *inh[ASTCONF_MAX_TEMPLATES];
    size_t n_inh = 0;
    if (opts) {
        char *save = NULL;
        for (char *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            tok = trim(tok);
            if (strcmp(tok, "!") == 0) {
                is_template = 1;
            } else if (strcmp(tok, "+") == 0) {
                add = 1;
            } else if (*tok) {
                if (n_inh == ASTCONF_MAX_TEMPLATES)
                    return fail(ld, file, line, "more than %d templates in one section header", ASTCONF_MAX_TEMPLATES);
                inh[n_inh++] = tok;
            }
        }
    }
    if (add) {
        long i = find_last(ld, name, name_len);
        if (i < 0)
            return fail(ld, file, line, "(+) adds to section [%.*s], which does not exist before this line",
                        (int)(name_len > 80 ? 80 : name_len), name);
        *cur = i;
        return 0;
    }
    if (cf->n_sections >= ASTCONF_MAX_SECTIONS)
        return fail(ld, file, line, "more than %d sections", ASTCONF_MAX_SECTIONS);
    /* Templates must exist before; their variables are copied in. */
    long idx[ASTCONF_MAX_TEMPLATES];
    for (size_t i = 0; i < n_inh; i++) {
        idx[i] = find_last(ld, inh[i], strlen(inh[i]));
        if (idx[i] < 0)
            return fail(ld, file, line, "section [%.*s] inherits from '%.80s', which is not defined before it",
                        (int)(name_len > 80 ? 80 : name_len), name, inh[i]);
    }
    astconf_section *sec = new_section(cf, name, name_len, file, line);
    if (!sec || hash_put(ld, cf->n_sections - 1) != 0)
        return fail(ld, file, line, "out of memory");
    sec->is_template = is_template;
    if (n_inh) {
        sec->inherits = calloc(n_inh, sizeof *sec->inherits);
        if (!sec->inherits)
            return fail(ld, file, line, "out of memory");
        for (size_t i = 0; i < n_inh; i++) {
            sec->inherits[i] = strdup(inh[i]);
            if (!sec->inherits[i])
                return fail(ld, file, line, "out of memory");
            sec->n_inherits++;
        }
    }
    for (size_t i = 0; i < n_inh; i++) {
        /* sections may have moved (realloc): index again */
        const astconf_section *t = &cf->sections[idx[i]];
        sec = &cf->sections[cf->n_sections - 1];
        for (size_t k = 0; k < t->n_vars; k++) {
            int rc = add_var(cf, sec, t->vars[k].name, t->vars[k].value, t->vars[k].file,
                             t->vars[k].line, t->vars[k].is_object, 1);
            if (rc == -2)
                return fail(ld, file, line, "more than %d variables", ASTCONF_MAX_VARS);
            if (rc != 0)
                return fail(ld, file, line, "out of memory");
        }
    }
    *cur = (long)cf->n_sections - 1;
    return 0;
}

static int process_line(struct loader *ld, char *s, long *cur, const char *file, int line)
{
    s = trim(s);
    if (!*s)
        return 0;
    if (*s == '[')
        return section_header(ld, s, cur, file, line);
    if (*s == '#')
        return directive(ld, s + 1, cur, file, line);
    char *eq = strchr(s, '=');
    if (!eq) {
        warn(ld, file, line, "no '=' in line, ignored");
        return 0;
    }
    if (*cur < 0)
        return fail(ld, file, line, "variable outside of any [section]");
    *eq = '\0';
    char *value = eq + 1;
    int is_object = 0;
    if (*value == '>') {
        is_object = 1;
        value++;
    }
    char *name = trim(s);
    value = trim(value);
    int rc = add_var(ld->cf, &ld->cf->sections[*cur], name, value, file, line, is_object, 0);
    if (rc == -2)
        return fail(ld, file, line, "more than %d variables", ASTCONF_MAX_VARS);
    if (rc != 0)
        return fail(ld, file, line, "out of memory");
    return 0;
}

static int load_file(struct loader *ld, const char *path, long *cur,
                     const char *from_file, int from_line)
{
    astconf *cf = ld->cf;
    const char *fname = intern_file(cf, path);
    if (!fname)
        return fail(ld, from_file, from_line, "out of memory");
    if (ld->depth > ASTCONF_MAX_DEPTH)
        return fail(ld, from_file, from_line, "includes nested deeper than %d (at %s)", ASTCONF_MAX_DEPTH, path);
    if (++ld->reads > ASTCONF_MAX_FILES)
        return fail(ld, from_file, from_line, "more than %d file reads (includes)", ASTCONF_MAX_FILES);

    char id[PATH_MAX];
    if (ld->io->canon) {
        if (ld->io->canon(ld->io->ud, path, id, sizeof id) != 0) {
            if (from_file)
                return fail(ld, from_file, from_line, "#include: %s: file not found", path);
            return fail(ld, fname, 0, "file not found");
        }
    } else {
        snprintf(id, sizeof id, "%s", path);
    }
    for (int i = 0; i < ld->depth; i++) {
        if (strcmp(ld->stack[i], id) == 0) {
            char chain[1024];
            size_t n = 0;
            chain[0] = '\0';
            for (int k = i; k < ld->depth && n < sizeof chain; k++) {
                int w = snprintf(chain + n, sizeof chain - n, "%s -> ", ld->stack_path[k]);
                if (w < 0)
                    break;
                n += (size_t)w;
            }
            if (n < sizeof chain)
                snprintf(chain + n, sizeof chain - n, "%s", path);
            return fail(ld, from_file, from_line, "include cycle: %s", chain);
        }
    }

    char *buf = NULL;
    size_t len = 0;
    char eb[256] = "";
    int rrc = ld->io->read(ld->io->ud, path, &buf, &len, eb, sizeof eb);
    if (rrc == -1) {
        if (from_file)
            return fail(ld, from_file, from_line, "#include: %s: file not found", path);
        return fail(ld, fname, 0, "file not found");
    }
    if (rrc != 0)
        return fail(ld, fname, 0, "%s", eb[0] ? eb : "cannot read");
    if (len > ASTCONF_MAX_FILE_BYTES) {
        free(buf);
        return fail(ld, fname, 0, "file larger than %d bytes", ASTCONF_MAX_FILE_BYTES);
    }

    snprintf(ld->stack[ld->depth], sizeof ld->stack[0], "%s", id);
    ld->stack_path[ld->depth] = fname;
    ld->depth++;

    char *line = malloc(ASTCONF_MAX_LINE + 1);
    int rc = line ? 0 : fail(ld, fname, 0, "out of memory");
    int nest = 0, nest_line = 0, lineno = 0;
    size_t pos = 0;
    while (rc == 0 && pos < len) {
        lineno++;
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - start) : len - pos;
        pos += ll + (nl ? 1 : 0);
        if (ll > ASTCONF_MAX_LINE) {
            rc = fail(ld, fname, lineno, "line longer than %d bytes", ASTCONF_MAX_LINE);
            break;
        }
        if (memchr(start, '\0', ll)) {
            rc = fail(ld, fname, lineno, "NUL byte in line (not a text file?)");
            break;
        }
        memcpy(line, start, ll);
        line[ll] = '\0';
        strip_comments(line, &nest, &nest_line, lineno);
        rc = process_line(ld, line, cur, fname, lineno);
    }
    if (rc == 0 && nest > 0)
        warn(ld, fname, nest_line, "block comment ';--' is never closed");
    free(line);
    free(buf);
    ld->depth--;
    return rc;
}

int astconf_load(astconf *cf, const char *path, const astconf_io *io)
{
    struct loader *ld = calloc(1, sizeof *ld);
    if (!ld) {
        cf->error.file = NULL;
        cf->error.line = 0;
        snprintf(cf->error.msg, sizeof cf->error.msg, "out of memory");
        return -1;
    }
    ld->cf = cf;
    ld->io = io ? io : &disk_io;
    ld->top = path;
    long cur = -1;
    int rc = load_file(ld, path, &cur, NULL, 0);
    if (rc != 0 && !cf->error.file)
        cf->error.file = cf->n_files ? cf->files[0] : NULL;
    free(ld->hash);
    free(ld);
    return rc;
}

void astconf_free(astconf *cf)
{
    for (size_t i = 0; i < cf->n_sections; i++) {
        astconf_section *s = &cf->sections[i];
        for (size_t k = 0; k < s->n_vars; k++) {
            free(s->vars[k].name);
            free(s->vars[k].value);
        }
        free(s->vars);
        for (size_t k = 0; k < s->n_inherits; k++)
            free(s->inherits[k]);
        free(s->inherits);
        free(s->name);
    }
    free(cf->sections);
    for (size_t i = 0; i < cf->n_files; i++)
        free(cf->files[i]);
    free(cf->files);
    free(cf->warnings);
    memset(cf, 0, sizeof *cf);
}

const astconf_section *astconf_find(const astconf *cf, const char *name, size_t *from)
{
    for (size_t i = from ? *from : 0; i < cf->n_sections; i++) {
        if (strcasecmp(cf->sections[i].name, name) == 0) {
            if (from)
                *from = i + 1;
            return &cf->sections[i];
        }
    }
    if (from)
        *from = cf->n_sections;
    return NULL;
}

const astconf_var *astconf_get(const astconf_section *s, const char *name)
{
    if (!s)
        return NULL;
    for (size_t i = s->n_vars; i-- > 0;)
        if (strcasecmp(s->vars[i].name, name) == 0)
            return &s->vars[i];
    return NULL;
}

const char *astconf_value(const astconf_section *s, const char *name, const char *def)
{
    const astconf_var *v = astconf_get(s, name);
    return v ? v->value : def;
}

int astconf_true(const char *v)
{
    if (!v)
        return 0;
    static const char *const yes[] = {"yes", "true", "y", "t", "1", "on"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    return 0;
}

int astconf_false(const char *v)
{
    if (!v)
        return 0;
    static const char *const no[] = {"no", "false", "n", "f", "0", "off"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 1;
    return 0;
}
