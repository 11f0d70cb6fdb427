/*
 * astconf.h - a reader for Asterisk's configuration file format (sip.conf,
 * pjsip.conf, extensions.conf, ...), written for auditing: every value keeps
 * the file and line it came from.
 *
 * The format, as Asterisk's config loader reads it:
 *   [section]                 a section ("category")
 *   [name](!)                 a template: not used by itself, only inherited
 *   [child](tmpl1,tmpl2)      copies the variables of earlier sections tmpl1,
 *                             tmpl2 (in order) into child, then its own follow;
 *                             `(!,tmpl)` is an inheriting template, `(+)` adds
 *                             to the last earlier section of that name
 *   name = value              a variable; `name => value` is the same with the
 *                             "object" mark (dialplan: exten =>, include =>)
 *   ; comment                 to the end of the line; `\;` is a literal ';'
 *   ;-- block comment --;     may span lines and nest
 *   #include FILE             FILE's lines are read here ("FILE" and <FILE>
 *   #tryinclude FILE          too); #tryinclude ignores a missing file. A
 *                             relative FILE is looked up beside the including
 *                             file, then beside the top file (Asterisk resolves
 *                             it against its config directory, which is where
 *                             the top files live). Glob patterns are expanded.
 *   #exec CMD                 never run; recorded as a warning
 *
 * The input is untrusted: lines are at most ASTCONF_MAX_LINE bytes, files at
 * most ASTCONF_MAX_FILE_BYTES, includes nest at most ASTCONF_MAX_DEPTH deep
 * and a file including itself (directly or not) is an error, as are NUL
 * bytes. Errors stop the load and name the file and line; oddities Asterisk
 * only warns about (a line without '=', an unterminated block comment, an
 * unknown directive) are kept as warnings.
 */
#ifndef SIPSNARE_ASTCONF_H
#define SIPSNARE_ASTCONF_H

#include <stddef.h>

enum {
    ASTCONF_MAX_DEPTH = 10,              /* include nesting below the top file */
    ASTCONF_MAX_LINE = 8192,             /* bytes per line, without the newline */
    ASTCONF_MAX_FILE_BYTES = 16 << 20,   /* per file */
    ASTCONF_MAX_FILES = 512,             /* file reads per load (includes count) */
    ASTCONF_MAX_SECTIONS = 100000,
    ASTCONF_MAX_VARS = 1000000,          /* variables in all sections, inherited ones too */
    ASTCONF_MAX_TEMPLATES = 32,          /* names in one (...) list */
    ASTCONF_MAX_WARNINGS = 200,
    ASTCONF_MSG_MAX = 512,
};

typedef struct astconf_var {
    char *name;
    char *value;
    const char *file;   /* interned in the astconf (files[]) */
    int line;
    int is_object;      /* written with => */
    int inherited;      /* copied from a template; file/line are the template's */
} astconf_var;

typedef struct astconf_section {
    char *name;
    const char *file;
    int line;
    int is_template;    /* (!) */
    char **inherits;    /* template names as written, in order */
    size_t n_inherits;
    astconf_var *vars;
    size_t n_vars, cap_vars;
} astconf_section;

typedef struct astconf_msg {
    const char *file;
    int line;
    char msg[ASTCONF_MSG_MAX];
} astconf_msg;

/* Where files come from. The default (NULL) reads the file system and
 * expands globs; the fuzz target supplies in-memory files. */
typedef struct astconf_io {
    /* Reads the whole file into a malloc'd buffer. Returns 0, or -1 when the
     * file does not exist, or -2 on another error (message in errbuf). */
    int (*read)(void *ud, const char *path, char **buf, size_t *len,
                char *errbuf, size_t errlen);
    /* Writes an identity for cycle detection (a real path); returns 0, or
     * -1 when the file does not exist. NULL: the path itself. */
    int (*canon)(void *ud, const char *path, char *out, size_t outlen);
    int glob;           /* expand *?[ in include names */
    void *ud;
} astconf_io;

typedef struct astconf {
    astconf_section *sections;
    size_t n_sections, cap_sections;
    char **files;       /* every file read (files[0] is the top file); interned paths */
    size_t n_files, cap_files;
    astconf_msg *warnings;
    size_t n_warnings;
    size_t total_vars;
    astconf_msg error;  /* set when astconf_load fails */
} astconf;

/* Loads path (and its includes) into cf, which must be zeroed or freed.
 * Returns 0, or -1 with cf->error set (file, line, message); a file that
 * cannot be opened at all gives line 0. io may be NULL. cf must be freed
 * with astconf_free either way. */
int astconf_load(astconf *cf, const char *path, const astconf_io *io);
void astconf_free(astconf *cf);

/* The next section named name after index *from (start with *from = 0 for
 * the first); NULL when none is left. Case-insensitive, as in Asterisk. */
const astconf_section *astconf_find(const astconf *cf, const char *name, size_t *from);

/* The last variable named name in s (later assignments win); NULL if none. */
const astconf_var *astconf_get(const astconf_section *s, const char *name);

/* Its value, or def. */
const char *astconf_value(const astconf_section *s, const char *name, const char *def);

/* Asterisk's ast_true / ast_false: yes, true, y, t, 1, on / no, false, n,
 * f, 0, off (case-insensitive). */
int astconf_true(const char *v);
int astconf_false(const char *v);

#endif
