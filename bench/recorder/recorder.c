/* A rollback "executor" for the load scripts: appends one line per run to the file named by its
 * first argument, with the wall-clock time it started (CLOCK_REALTIME, nanoseconds) and the facts
 * Ripcord passes in the environment. One write(2) with O_APPEND per run, so runs never interleave.
 *   recorder LOGFILE  ->  "start NS rollback=ID deployment=ID service=NAME pid=PID"
 * A second argument sleep=SECONDS makes it sleep before exiting (an action that takes time). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *env(const char *name) { const char *v = getenv(name); return v ? v : "-"; }

int main(int argc, char **argv) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (argc < 2) return 64;
    char line[512];
    int n = snprintf(line, sizeof line, "start %lld rollback=%s deployment=%s service=%s pid=%d\n",
                     (long long)now.tv_sec * 1000000000LL + now.tv_nsec, env("RIPCORD_ROLLBACK_ID"),
                     env("RIPCORD_DEPLOYMENT_ID"), env("RIPCORD_SERVICE"), (int)getpid());
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) return 1;
    close(fd);
    if (argc > 2 && strncmp(argv[2], "sleep=", 6) == 0) {
        double seconds = atof(argv[2] + 6);
        struct timespec pause = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
        nanosleep(&pause, NULL);
    }
    return 0;
}
