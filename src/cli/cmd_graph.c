/*
 * cmd_graph.c - `sipsnare graph`: source address -> destination country
 * (or, with --numbers, -> dialed number) of the unified calls in the store,
 * as Graphviz DOT; SVG through Graphviz's `dot -Tsvg`. With --ip, one
 * source at the centre and every destination it called (the study's
 * Figure 5). Edge weight: unified calls. The DOT itself is written by
 * report/blocklist.h (bl_write_dot), which checks every label.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dsopts.h"
#include "report/blocklist.h"

static void graph_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare graph [options]\n"
        "  Source address -> destination country of the unified calls (Graphviz).\n"
        "Options:\n"
        "  --ip ADDR            one source and every destination it called (a star)\n"
        "  --numbers            source -> dialed number (E.164) instead of country\n"
        "  --format F           dot (default) or svg (runs Graphviz's dot -Tsvg)\n"
        "  --top N              the N sources with the most unified calls (default 20; 0: all)\n"
        "  -o, --output FILE    write there (default standard output)\n"
        DSOPT_HELP
        "Docs: docs/BLOCKLISTS.md. Exit 0, 1 on error, 2 on usage.\n");
}

/* Graphviz's dot in PATH, into buf; -1 when there is none. */
static int find_dot(char *buf, size_t len)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n > 0 && n + 5 < len) {
            memcpy(buf, path, n);
            memcpy(buf + n, "/dot", 5);
            struct stat sb;
            if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0)
                return 0;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* Pipes the DOT text through `dot -Tsvg` into out. 0, or -1 (message given). */
static int run_dot(const char *dotpath, const char *text, size_t len, FILE *out)
{
    int fds[2];
    if (fflush(out) != 0 || pipe(fds) != 0) {
        fprintf(stderr, "sipsnare graph: %s\n", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "sipsnare graph: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[1]);
        if (dup2(fds[0], STDIN_FILENO) < 0 || dup2(fileno(out), STDOUT_FILENO) < 0)
            _exit(127);
        close(fds[0]);
        execl(dotpath, "dot", "-Tsvg", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    int werr = 0;
    while (off < len) {
        ssize_t w = write(fds[1], text + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            werr = errno;
            break;
        }
        off += (size_t)w;
    }
    close(fds[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    signal(SIGPIPE, old);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "sipsnare graph: %s -Tsvg failed (exit %d)\n", dotpath,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    if (werr) {
        fprintf(stderr, "sipsnare graph: writing to dot: %s\n", strerror(werr));
        return -1;
    }
    return 0;
}

int graph_main(int argc, char **argv)
{
    enum { O_IP = 1, O_NUMBERS, O_FORMAT, O_TOP };
    static const struct option options[] = {
        DSOPT_LONG_OPTIONS,
        {"ip", required_argument, NULL, O_IP},
        {"numbers", no_argument, NULL, O_NUMBERS},
        {"format", required_argument, NULL, O_FORMAT},
        {"top", required_argument, NULL, O_TOP},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dsopts ds;
    dsopts_init(&ds);
    int svg = 0, numbers = 0, c;
    long top = 20;
    const char *output = NULL, *ip_arg = NULL;
    char ip[64] = "";
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        int h = dsopts_handle(&ds, c, optarg, "graph");
        if (h < 0)
            return 2;
        if (h > 0)
            continue;
        switch (c) {
        case O_IP:
            if (bl_canonical_ip(optarg, ip, sizeof ip) < 0) {
                fprintf(stderr, "sipsnare graph: --ip: not an IPv4 or IPv6 address: %s\n", optarg);
                return 2;
            }
            ip_arg = optarg;
            break;
        case O_NUMBERS: numbers = 1; break;
        case O_FORMAT:
            if (strcmp(optarg, "dot") == 0)
                svg = 0;
            else if (strcmp(optarg, "svg") == 0)
                svg = 1;
            else {
                fprintf(stderr, "sipsnare graph: --format: dot or svg, not %s\n", optarg);
                return 2;
            }
            break;
        case O_TOP: {
            char *end;
            errno = 0;
            top = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno || top < 0 || top > 1000000) {
                fprintf(stderr, "sipsnare graph: --top: a number from 0 to 1000000: %s\n", optarg);
                return 2;
            }
            break;
        }
        case 'o': output = optarg; break;
        case 'h': graph_usage(stdout); return 0;
        default: graph_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sipsnare graph: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    char dotpath[4096];
    if (svg && find_dot(dotpath, sizeof dotpath) != 0) {
        fprintf(stderr, "sipsnare graph: --format svg needs Graphviz's dot program, not found in PATH "
                        "(Debian: apt-get install graphviz); --format dot writes the graph without it\n");
        return 1;
    }

    dataset *d = dsopts_load(&ds, "graph");
    if (!d)
        return 1;
    if (ip_arg && !ds_find_source(d, ip) && !ds_find_source(d, ip_arg)) {
        fprintf(stderr, "sipsnare graph: %s sent nothing in the selected events\n", ip_arg);
        ds_free(d);
        return 1;
    }

    size_t nc;
    const call_t *calls = calls_list(ds_calls(d), &nc);
    bl_edge *e = calloc(nc ? nc : 1, sizeof *e);
    if (!e) {
        fprintf(stderr, "sipsnare graph: out of memory\n");
        ds_free(d);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        const call_t *call = &calls[i];
        if (ip[0]) {
            char canon[64];
            if (bl_canonical_ip(call->src_ip, canon, sizeof canon) < 0 || strcmp(canon, ip) != 0)
                continue;
        }
        const ds_source *s = ds_find_source(d, call->src_ip);
        bl_edge *b = &e[n++];
        b->src_ip = call->src_ip;
        b->src_country = s && s->info.country[0] ? s->info.country : NULL;
        b->src_asn = s ? s->info.asn : 0;
        b->dst = numbers ? call->e164 : call->dest.country;
        b->dst_country = call->dest.country[0] ? call->dest.country : NULL;
        b->calls = 1;
        b->invites = call->invites;
    }

    char title[256];
    if (ip[0])
        snprintf(title, sizeof title, "%s: %s of its unified calls (edge weight: calls)", ip,
                 numbers ? "dialed numbers" : "destination countries");
    bl_graph_options go = {
        .numbers = numbers,
        .top = ip[0] ? 0 : (size_t)top,
        .star = ip[0] != 0,
        .title = ip[0] ? title : NULL,
    };

    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    bl_stats st;
    int rc = mem ? bl_write_dot(mem, e, n, &go, &st) : -1;
    if (mem && fclose(mem) != 0)
        rc = -1;
    free(e);
    if (rc != 0) {
        fprintf(stderr, "sipsnare graph: out of memory\n");
        free(text);
        ds_free(d);
        return 1;
    }

    FILE *out = stdout;
    if (output && strcmp(output, "-") != 0) {
        out = fopen(output, "w");
        if (!out) {
            fprintf(stderr, "sipsnare graph: %s: %s\n", output, strerror(errno));
            free(text);
            ds_free(d);
            return 1;
        }
    }
    if (svg) {
        rc = run_dot(dotpath, text, len, out);
    } else if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
        fprintf(stderr, "sipsnare graph: writing %s: %s\n", output ? output : "standard output", strerror(errno));
        rc = -1;
    }
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "sipsnare graph: %s: %s\n", output, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        fprintf(stderr, "sipsnare graph: %zu source%s, %zu edge%s from %zu unified call%s%s\n",
                st.v4 + st.v6, st.v4 + st.v6 == 1 ? "" : "s", st.written, st.written == 1 ? "" : "s", n,
                n == 1 ? "" : "s", st.rejected ? " (some left out: not a number)" : "");
    free(text);
    ds_free(d);
    return rc == 0 ? 0 : 1;
}
