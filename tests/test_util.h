/* test_util.h: the few checks every nntrain test uses. Each failed check
 * prints file:line and what differed; a test ends with `return test_summary();`
 * which prints "N passed, N failed" and returns non-zero on any failure. */
#ifndef NN_TEST_UTIL_H
#define NN_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            test_passed++;                                                   \
        } else {                                                             \
            test_failed++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

/* |got - want| <= tol * max(1, |want|) */
#define CHECK_CLOSE(got, want, tol)                                          \
    do {                                                                     \
        double g_ = (got), w_ = (want), t_ = (tol);                          \
        if (fabs(g_ - w_) <= t_ * fmax(1.0, fabs(w_))) {                     \
            test_passed++;                                                   \
        } else {                                                             \
            test_failed++;                                                   \
            fprintf(stderr, "%s:%d: %s = %.9g, want %s = %.9g (tol %g)\n",   \
                    __FILE__, __LINE__, #got, g_, #want, w_, t_);            \
        }                                                                    \
    } while (0)

/* Message check: the error text must contain the given fragment. */
#define CHECK_CONTAINS(text, fragment)                                       \
    do {                                                                     \
        const char *t_ = (text), *f_ = (fragment);                           \
        if (t_ && strstr(t_, f_)) {                                          \
            test_passed++;                                                   \
        } else {                                                             \
            test_failed++;                                                   \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n",       \
                    __FILE__, __LINE__, t_ ? t_ : "(null)", f_);             \
        }                                                                    \
    } while (0)

static inline int test_summary(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif
