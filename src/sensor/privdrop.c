#include "sensor/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

int privdrop_to_user(const char *user, char *err, size_t errlen)
{
    if (geteuid() == 0 && user && *user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            snprintf(err, errlen, "no such user '%s' to drop privileges to", user);
            return -1;
        }
        if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
            snprintf(err, errlen, "cannot switch to user '%s': %s", user, strerror(errno));
            return -1;
        }
        if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
            snprintf(err, errlen, "privileges could be regained after dropping them");
            return -1;
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Everything the running sensor calls once its sockets are bound: the
 * event loop, socket I/O, the log (write, fdatasync, reopen), malloc,
 * threads' futexes, time, signals. Anything else (execve, socket, connect,
 * ptrace, mount, ...) fails with EACCES: an exploit cannot start a shell,
 * open a new connection or touch other processes. ERRNO rather than KILL so
 * that an unforeseen harmless call in a libc update degrades, not crashes. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
    SCMP_SYS(close), SCMP_SYS(openat), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
    SCMP_SYS(statx), SCMP_SYS(lseek), SCMP_SYS(fcntl), SCMP_SYS(dup),
    SCMP_SYS(dup3), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
    SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
    SCMP_SYS(brk), SCMP_SYS(madvise),
    SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(sched_yield),
    SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
    SCMP_SYS(poll), SCMP_SYS(ppoll),
    SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
    SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
    SCMP_SYS(getpeername), SCMP_SYS(shutdown),
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
    SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
    SCMP_SYS(rseq), SCMP_SYS(set_robust_list), SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

int privdrop_seccomp(char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EACCES));
    if (!ctx) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0] && rc == 0; i++)
        if (allowed_syscalls[i] >= 0) /* a name unknown on this arch is < 0 */
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
    /* The log's sync thread already runs: filter every thread at once. */
    if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(err, errlen, "cannot install the seccomp filter: %s", strerror(-rc));
        return -1;
    }
    return 0;
}
