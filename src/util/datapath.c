#include "util/datapath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t datapath_candidates(const char *name, char out[][PATH_MAX], size_t max)
{
    size_t n = 0;
    const char *env = getenv("SIPSNARE_DATADIR");
    if (env && *env && n < max)
        snprintf(out[n++], PATH_MAX, "%.2000s/%.1000s", env, name);
    if (n < max) snprintf(out[n++], PATH_MAX, "data/%.1000s", name);
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (n < max) snprintf(out[n++], PATH_MAX, "%.2000s/../data/%.1000s", exe, name);
            if (n < max) snprintf(out[n++], PATH_MAX, "%.2000s/../../data/%.1000s", exe, name);
        }
    }
    if (n < max) snprintf(out[n++], PATH_MAX, "/usr/local/share/sipsnare/%.1000s", name);
    if (n < max) snprintf(out[n++], PATH_MAX, "/usr/share/sipsnare/%.1000s", name);
    return n;
}
