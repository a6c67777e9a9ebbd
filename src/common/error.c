/* error.c: formatting of nn_err messages. */
#include "nn_error.h"

#include <stdarg.h>
#include <stdio.h>

int nn_errf(nn_err *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
