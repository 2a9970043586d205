/*
 * Workloads for bench/sensor.sh: the same syscall pattern with and without the sensor running.
 * Each timed mode measures itself with CLOCK_MONOTONIC and prints the elapsed nanoseconds on stdout,
 * so process start-up and the shell are not part of the figure.
 *
 *   workload openclose N     open("/etc/hostname") + close, N times           -> "<elapsed_ns>"
 *   workload exec N          fork + execve("/bin/true") + waitpid, N times    -> "<elapsed_ns>"
 *   workload getppid N       getppid(), N times                               -> "<elapsed_ns>"
 *   workload rate R SECONDS  open+close at a steady R events/s (a pair is 2)  -> "<events> <elapsed_ns>"
 *   workload spawn N         N children that sleep until killed; prints "ready <N>", then waits for
 *                            SIGTERM/SIGINT, kills the children and reaps them -> exit 0
 *
 * Build: gcc -O2 -static -o workload workload.c   (-static is optional; it makes fork cheaper)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const OPEN_PATH = "/etc/hostname";

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long parse_count(const char *s, const char *name)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "workload: %s must be a positive integer, got '%s'\n", name, s);
        exit(2);
    }
    return v;
}

static void open_close(void)
{
    int fd = open(OPEN_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("open /etc/hostname");
    if (close(fd) != 0)
        die("close");
}

static int mode_openclose(long n)
{
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        open_close();
    printf("%llu\n", (unsigned long long)(now_ns() - t0));
    return 0;
}

static int mode_exec(long n)
{
    char *const argv[] = {"true", NULL};
    char *const envp[] = {NULL};
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            execve("/bin/true", argv, envp);
            _exit(127);
        }
        int status = 0;
        if (waitpid(pid, &status, 0) != pid)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "workload: /bin/true failed (status %#x) at iteration %ld\n", status, i);
            return 1;
        }
    }
    printf("%llu\n", (unsigned long long)(now_ns() - t0));
    return 0;
}

static int mode_getppid(long n)
{
    volatile pid_t sink = 0;
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        sink = getppid();
    (void)sink;
    printf("%llu\n", (unsigned long long)(now_ns() - t0));
    return 0;
}

/* Steady rate: every 1 ms batch k, catch up to the number of open+close pairs due by the end of
 * batch k (exact integer arithmetic, so R need not divide evenly), then sleep to the next absolute
 * deadline. When the machine falls behind, no sleep happens and the loop catches up. */
static int mode_rate(long rate, long seconds)
{
    const uint64_t period_ns = 1000000ull; /* 1 ms */
    const uint64_t pairs_per_sec = (uint64_t)rate / 2;
    const uint64_t batches = (uint64_t)seconds * 1000ull;
    uint64_t done = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    uint64_t t0 = now_ns();
    for (uint64_t k = 0; k < batches; k++) {
        uint64_t due = (k + 1) * pairs_per_sec / 1000ull;
        for (; done < due; done++)
            open_close();
        next.tv_nsec += (long)period_ns;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec += 1;
        }
        int rc;
        while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)) == EINTR) {
        }
        if (rc != 0) {
            errno = rc;
            die("clock_nanosleep");
        }
    }
    printf("%llu %llu\n", (unsigned long long)(done * 2), (unsigned long long)(now_ns() - t0));
    return 0;
}

static int mode_spawn(long n)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* Blocked before forking, so a SIGTERM during the forks is kept for sigwait. */
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        die("sigprocmask");
    pid_t parent = getpid();
    pid_t *kids = calloc((size_t)n, sizeof(pid_t));
    if (kids == NULL)
        die("calloc");
    long made = 0;
    for (; made < n; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "workload: fork %ld of %ld: %s\n", made + 1, n, strerror(errno));
            break;
        }
        if (pid == 0) {
            /* Die with the parent, whatever kills it. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(0);
            for (;;)
                pause();
        }
        kids[made] = pid;
    }
    int rc = 0;
    if (made == n) {
        printf("ready %ld\n", made);
        fflush(stdout);
        int sig = 0;
        sigwait(&set, &sig);
    } else {
        rc = 1;
    }
    for (long i = 0; i < made; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < made; i++)
        waitpid(kids[i], NULL, 0);
    free(kids);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: workload openclose N | exec N | getppid N | rate R SECONDS | spawn N\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *mode = argv[1];
    if (strcmp(mode, "rate") == 0) {
        if (argc != 4)
            return usage();
        return mode_rate(parse_count(argv[2], "R"), parse_count(argv[3], "SECONDS"));
    }
    if (argc != 3)
        return usage();
    long n = parse_count(argv[2], "N");
    if (strcmp(mode, "openclose") == 0)
        return mode_openclose(n);
    if (strcmp(mode, "exec") == 0)
        return mode_exec(n);
    if (strcmp(mode, "getppid") == 0)
        return mode_getppid(n);
    if (strcmp(mode, "spawn") == 0)
        return mode_spawn(n);
    return usage();
}
