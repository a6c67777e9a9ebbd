/* gnuplot.c: finding gnuplot and the plot scripts, and running one script with posix_spawn. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_private.h"

#define LAST_LINE_MAX 400
#define INSTALL_HINT "figures not rendered; apt-get install gnuplot-nox"

extern char **environ;

/* Searches the folders of $PATH for an executable called name. */
static int search_path(char *program, size_t size, const char *name) {
    const char *path = getenv("PATH");
    char candidate[REPORT_PATH_MAX];
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        /* An empty entry means the current folder. */
        int n = snprintf(candidate, sizeof candidate, "%.*s/%s",
                         len ? (int)len : 1, len ? path : ".", name);
        if (n > 0 && (size_t)n < size && access(candidate, X_OK) == 0) {
            memcpy(program, candidate, (size_t)n + 1);
            return 0;
        }
        path += len + (path[len] == ':');
    }
    return -1;
}

int gnuplot_find(char *program, size_t size, nn_err *err) {
    const char *chosen = getenv("NNTRAIN_GNUPLOT");
    if (!chosen || !*chosen) {
        if (search_path(program, size, "gnuplot") < 0)
            return nn_errf(err, "gnuplot not found on PATH: " INSTALL_HINT);
        return 0;
    }
    if (!strchr(chosen, '/')) {
        if (search_path(program, size, chosen) < 0)
            return nn_errf(err, "gnuplot not found: NNTRAIN_GNUPLOT=%s is not "
                           "on PATH: " INSTALL_HINT, chosen);
        return 0;
    }
    if (access(chosen, X_OK) != 0 || strlen(chosen) >= size)
        return nn_errf(err, "gnuplot not found: NNTRAIN_GNUPLOT=%s is not an "
                       "executable file: " INSTALL_HINT, chosen);
    memcpy(program, chosen, strlen(chosen) + 1);
    return 0;
}

const char *gnuplot_plots_dir(void) {
    const char *dir = getenv("NNTRAIN_PLOTS");
    return dir && *dir ? dir : NN_PLOTS_DIR;
}

/* Reads the child's output to the end, keeping its last non-empty line
 * (gnuplot puts its error message last), cut to LAST_LINE_MAX - 1 bytes. */
static void read_last_line(int fd, char last[LAST_LINE_MAX]) {
    char chunk[4096], line[LAST_LINE_MAX];
    size_t len = 0;
    last[0] = '\0';
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] != '\n') {
                if (len + 1 < sizeof line && chunk[i] != '\r')
                    line[len++] = chunk[i];
                continue;
            }
            if (len == 0) continue;
            memcpy(last, line, len);
            last[len] = '\0';
            len = 0;
        }
    }
    if (len > 0) {
        memcpy(last, line, len);
        last[len] = '\0';
    }
}

/* Starts program with stdin from /dev/null and stdout+stderr into out_fd. */
static int spawn_gnuplot(pid_t *pid, int out_fd, int pipe_read,
                         char *const argv[]) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc) return rc;
    if (!(rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null",
                                                O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 1)) &&
        !(rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 2)) &&
        !(rc = posix_spawn_file_actions_addclose(&actions, pipe_read)) &&
        !(rc = posix_spawn_file_actions_addclose(&actions, out_fd)))
        rc = posix_spawn(pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int gnuplot_run(const char *program, const char *script, const char *params,
                nn_err *err) {
    char *const argv[] = {(char *)program, "-e", (char *)params,
                          (char *)script, NULL};
    int fds[2];
    pid_t pid;
    char last[LAST_LINE_MAX];
    if (pipe(fds) != 0)
        return nn_errf(err, "%s: cannot make a pipe: %s", script,
                       strerror(errno));
    int rc = spawn_gnuplot(&pid, fds[1], fds[0], argv);
    close(fds[1]);
    if (rc) {
        close(fds[0]);
        return nn_errf(err, "%s: cannot start %s: %s", script, program,
                       strerror(rc));
    }
    read_last_line(fds[0], last);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return nn_errf(err, "%s: waitpid: %s", script, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status))
        return nn_errf(err, "%s: gnuplot failed (exit status %d): %s", script,
                       WEXITSTATUS(status), last);
    return nn_errf(err, "%s: gnuplot killed by signal %d: %s", script,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0, last);
}
