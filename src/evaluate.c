/* evaluate.c: evaluation of a model over a whole dataset. */
#include "evaluate.h"

#include <string.h>

int nn_evaluate(nn_runner *r, nn_batch *b, const nn_dataset *ds,
                nn_loss_kind loss, long *confusion, nn_eval_result *out,
                nn_err *err) {
    int k = b->classes;
    memset(out, 0, sizeof *out);
    out->classes = k;
    out->confusion = confusion;
    if (confusion) memset(confusion, 0, (size_t)k * k * sizeof *confusion);
    double sum = 0;
    long correct = 0;
    for (int start = 0; start < ds->n; start += b->capacity) {
        int n = ds->n - start < b->capacity ? ds->n - start : b->capacity;
        nn_batch_gather(b, ds, NULL, start, n);
        if (nn_runner_forward(r, b->src, b->logits, err)) return -1;
        sum += nn_batch_loss(b, loss, 0, &correct);
        for (int i = 0; i < n && confusion; i++)
            confusion[(size_t)b->labels[i] * k + b->pred[i]]++;
    }
    out->loss = ds->n ? sum / ds->n : 0;
    out->acc = ds->n ? 100.0 * correct / ds->n : 0;
    return 0;
}
