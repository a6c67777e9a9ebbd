/* nn_error.h: error reports that travel up to the CLI as a status and a message. */
#ifndef NN_ERROR_H
#define NN_ERROR_H

/* Library code never prints or exits: a failing call fills an nn_err and
 * returns -1; the CLI prints err.msg as one line and exits non-zero. */
typedef struct {
    char msg[4608]; /* room for a path of NN_PATH_MAX bytes and the why */
} nn_err;

/* Formats the message into err (if err is not NULL) and returns -1, so that
 * a failure reads `return nn_errf(err, "%s: ...", path);`. */
int nn_errf(nn_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
