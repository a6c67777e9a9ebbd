/* recipe_dump.c: nntrain's optimizer updates and learning-rate schedules,
 * for the PyTorch parity test test_recipe.py.
 *
 * Usage: recipe_dump optim adam|adamw|sgd WD MOMENTUM N LRS IN OUT
 *   IN holds raw little-endian f32: params (N), then grads (K, N), one row
 *   per learning rate of the comma-separated LRS; OUT gets the params after
 *   each of the K steps (K, N), run through nn_optimizer_step as the
 *   trainer does (o->lr set before each step).
 * Usage: recipe_dump schedule constant|cosine|step LR EPOCHS WARMUP S
 *   prints nn_schedule_lr of every step of the run, one a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizer.h"
#include "schedule.h"

#define MAX_STEPS 64

static int choice(const char *text, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0) return i;
    return -1;
}

static int run_optim(char **argv) {
    static const char *const kinds[] = {"adam", "sgd", "adamw"};
    int kind = choice(argv[2], kinds, 3);
    float wd = strtof(argv[3], NULL), momentum = strtof(argv[4], NULL);
    long n = atol(argv[5]);
    float lrs[MAX_STEPS];
    int k = 0;
    for (char *p = strtok(argv[6], ","); p && k < MAX_STEPS;
         p = strtok(NULL, ","))
        lrs[k++] = strtof(p, NULL);
    if (kind < 0 || n < 1 || k < 1) {
        fprintf(stderr, "recipe_dump: bad optimizer arguments\n");
        return 2;
    }
    size_t count = (size_t)n * (size_t)(k + 1);
    float *in = malloc(count * sizeof(float));
    FILE *f = fopen(argv[7], "rb");
    int rc = !in || !f || fread(in, sizeof(float), count, f) != count;
    if (f) fclose(f);
    nn_optimizer o;
    nn_err err;
    if (!rc && nn_optimizer_init(&o, (nn_optim_kind)kind, (size_t)n, lrs[0],
                                 momentum, wd, &err) == 0) {
        FILE *out = fopen(argv[8], "wb");
        rc = !out;
        for (int s = 0; s < k && !rc; s++) {
            o.lr = lrs[s];
            nn_optimizer_step(&o, in, in + (size_t)n * (s + 1));
            rc = fwrite(in, sizeof(float), (size_t)n, out) != (size_t)n;
        }
        if (out && fclose(out)) rc = 1;
        nn_optimizer_free(&o);
    } else {
        rc = 1;
    }
    if (rc) fprintf(stderr, "recipe_dump: cannot read %s or write %s\n",
                    argv[7], argv[8]);
    free(in);
    return rc;
}

static int run_schedule(char **argv) {
    static const char *const kinds[] = {"constant", "cosine", "step"};
    nn_train_config c;
    nn_train_config_default(&c);
    int kind = choice(argv[2], kinds, 3);
    c.lr = strtof(argv[3], NULL);
    c.epochs = atoi(argv[4]);
    c.warmup_epochs = atoi(argv[5]);
    long s = atol(argv[6]);
    if (kind < 0 || c.epochs < 1 || c.warmup_epochs < 0 ||
        c.warmup_epochs > c.epochs || s < 1) {
        fprintf(stderr, "recipe_dump: bad schedule arguments\n");
        return 2;
    }
    c.schedule = (nn_schedule_kind)kind;
    for (long i = 0; i < c.epochs * s; i++)
        printf("%.9g\n", nn_schedule_lr(&c, s, i));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 9 && strcmp(argv[1], "optim") == 0) return run_optim(argv);
    if (argc == 7 && strcmp(argv[1], "schedule") == 0)
        return run_schedule(argv);
    fprintf(stderr, "usage: recipe_dump optim adam|adamw|sgd WD MOMENTUM N "
            "LRS IN OUT\n       recipe_dump schedule constant|cosine|step LR "
            "EPOCHS WARMUP S\n");
    return 2;
}
