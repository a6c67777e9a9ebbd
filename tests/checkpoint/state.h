/* state.h: training states without data, for the checkpoint tests, the
 * corpus generator and the checkpoint fuzz target. */
#ifndef NN_TEST_CKPT_STATE_H
#define NN_TEST_CKPT_STATE_H

#include <stdint.h>

#include "checkpoint.h"

#define TEST_EPOCHS 5 /* history capacity */
#define TEST_ORDER 10 /* images in the epoch order */

typedef struct {
    nn_train_config cfg;
    nn_model model;
    nn_optimizer opt;
    nn_rng shuffle_rng;
    int epochs_done;
    double elapsed;
    nn_epoch_metrics *history; /* (capacity): cfg.epochs when made */
    int capacity;
    nn_epoch_cursor cursor;    /* order: (cursor.n_order), owned */
} test_state;

/* A blank state (all values zero) of one model: "mlp", "cnn", or one that
 * differs from them in one place: "mlp-narrow" (second dense 256->64),
 * "cnn-narrow" (first conv 1->16), "dense6" (six dense layers, as many as
 * the cnn), "tiny" (1x2x2 input, dense 3, 3, 2). Free with test_state_free. */
int test_state_init(test_state *t, const char *model, nn_optim_kind optim,
                    int epochs, int n_order, nn_err *err);
void test_state_free(test_state *t);

/* Distinct values everywhere from one seed: params, three optimizer steps
 * with fake gradients, the RNG, three epochs of history, a position one
 * batch into an epoch with a shuffled order, config fields. */
void test_state_fill(test_state *t, uint64_t seed);

/* dst gets src's values; both have the same model, optimizer and sizes. */
void test_state_copy(test_state *dst, const test_state *src);

/* NULL when a and b hold the same bytes, else the name of the first part
 * that differs. */
const char *test_state_diff(const test_state *a, const test_state *b);

/* The views nn_checkpoint_save / _load work on. */
nn_train_state test_state_view(test_state *t);

#endif
