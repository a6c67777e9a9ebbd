/* test_bf16.c: bf16 training where the CPU has AVX512_BF16: the oneDNN
 * executor in bf16 against the f32 reference kernels, every layer kind and
 * both real models, forward and both backward passes, within bf16's
 * tolerance; then a learning check: one epoch of the MLP in bf16 lands
 * within 2 points of f32's validation accuracy. Without AVX512_BF16 it is
 * skipped (exit 77) with the reason, never passed silently. */
#include "backend_cases.h"
#include "nn_train.h"

/* bf16 keeps 8 bits of mantissa (relative rounding 2^-9 ~ 0.2%). Without
 * ReLUs and max pooling, logits and every gradient come within about 0.5%
 * (measured 0.1-0.7%): held to 2%. With ReLUs, rounding moves a pre-activation across
 * zero for a fraction f of about 0.3% of the units, and each such unit's
 * gradient changes by its whole size: the relative L2 error of the layers
 * below grows like sqrt(f), about 5% (measured up to 14% with max-pool
 * choices flipping too): held to 25%, which a wrong layout or a missing
 * pass (errors ~100%) still fails. */
static const tolerance bf16_tight = {0.02, 0.02};
static const tolerance bf16_relu = {0.35, 0.25};

/* Validation accuracy after one epoch of the MLP on the first 6,000
 * training images, in `precision`. */
static double one_epoch(nn_precision precision) {
    nn_train_config cfg;
    nn_train_config_default(&cfg);
    nn_err model_err;
    CHECK(nn_model_builtin(&cfg.model, "mlp", &model_err) == 0);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s",
             "/usr/share/datasets/fashion-mnist");
    cfg.epochs = 1, cfg.limit = 6000, cfg.threads = 2;
    cfg.loss = NN_LOSS_CROSS_ENTROPY, cfg.precision = precision;
    nn_trainer *t;
    nn_err err;
    if (nn_trainer_create(&t, &cfg, &err) ||
        nn_trainer_run(t, NULL, NULL, NULL, &err)) {
        fprintf(stderr, "%s run failed: %s\n", nn_precision_name(precision),
                err.msg);
        CHECK(0);
        return 0;
    }
    double acc = nn_trainer_history(t)[0].val_acc;
    nn_trainer_free(t);
    printf("mlp 1 epoch, 6000 images, %s: validation %.2f%%\n",
           nn_precision_name(precision), acc);
    return acc;
}

int main(void) {
    nn_err err;
    if (nn_precision_check(NN_PRECISION_BF16, NN_BACKEND_ONEDNN, &err)) {
        printf("SKIP: %s\n", err.msg);
        return 77;
    }
    printf("--- without ReLU ---\n");
    compare_all(NN_PRECISION_BF16, bf16_tight, 1);
    printf("--- as built (ReLU after conv and hidden dense layers) ---\n");
    compare_all(NN_PRECISION_BF16, bf16_relu, 0);
    FILE *f = fopen("/usr/share/datasets/fashion-mnist/"
                    "train-images-idx3-ubyte.gz", "rb");
    if (!f) {
        printf("learning check skipped: Fashion-MNIST not installed\n");
        return test_summary();
    }
    fclose(f);
    double f32 = one_epoch(NN_PRECISION_F32), bf16 = one_epoch(NN_PRECISION_BF16);
    CHECK(bf16 > 70);
    CHECK(fabs(bf16 - f32) < 2);
    return test_summary();
}
