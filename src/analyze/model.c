/* model.c - helpers of the analysis event model (model.h). */
#include "analyze/model.h"

#include <arpa/inet.h>
#include <string.h>

int an_ip_parse(const char *text, an_ip *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return -1;
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = 6;
        return 0;
    }
    memset(out, 0, sizeof *out);
    return -1;
}

static const char *const auth_names[] = {
    [AN_AUTH_UNSET] = "", [AN_AUTH_NONE] = "none", [AN_AUTH_OK] = "ok",
    [AN_AUTH_WRONG_PASSWORD] = "wrong_password", [AN_AUTH_UNKNOWN_USER] = "unknown_user",
    [AN_AUTH_STALE] = "stale", [AN_AUTH_USERNAME_MISMATCH] = "username_mismatch",
    [AN_AUTH_MALFORMED] = "malformed",
};

an_auth an_auth_from_name(const char *name)
{
    if (!name)
        return AN_AUTH_UNSET;
    for (size_t i = 1; i < sizeof auth_names / sizeof auth_names[0]; i++)
        if (strcmp(auth_names[i], name) == 0)
            return (an_auth)i;
    return AN_AUTH_UNSET;
}

const char *an_auth_name(an_auth a)
{
    return (unsigned)a < sizeof auth_names / sizeof auth_names[0] ? auth_names[a] : "";
}
