/*
 * privdrop.h - least privilege after the sockets are bound: switch to an
 * unprivileged user, forbid regaining privileges (no_new_privs), and
 * install a seccomp filter that allows only the system calls the running
 * sensor makes.
 */
#ifndef SIPSNARE_PRIVDROP_H
#define SIPSNARE_PRIVDROP_H

#include <stddef.h>

/* As root: setgroups/setgid/setuid to user (checked: regaining root must
 * fail afterwards). Not root: nothing to drop, returns 0. Always sets
 * no_new_privs. Returns 0, or -1 with a reason in err. */
int privdrop_to_user(const char *user, char *err, size_t errlen);

/* Installs the sensor's seccomp allow-list (anything else: EACCES).
 * Returns 0, or -1 where the kernel lacks seccomp (reason in err). */
int privdrop_seccomp(char *err, size_t errlen);

#endif
