/* evaluate.c: evaluation of a model over a whole dataset. */
#include "evaluate.h"

#include <string.h>

#include "nn_comm.h"
#include "step.h"

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
    /* under MPI each rank evaluates its part and the sums are added */
    int off, count;
    nn_step_slice(ds->n, &off, &count);
    b->first = 0;
    int rc = 0;
    for (int start = off; start < off + count && !rc; start += b->capacity) {
        int left = off + count - start;
        int n = left < b->capacity ? left : b->capacity;
        nn_batch_gather(b, ds, NULL, start, n);
        if ((rc = nn_runner_forward(r, b->src, b->logits, err))) break;
        sum += nn_batch_loss(b, loss, 0, &correct);
        for (int i = 0; i < n && confusion; i++)
            confusion[(size_t)b->labels[i] * k + b->pred[i]]++;
    }
    double sums[2] = {sum, (double)correct};
    if (nn_step_sum_checked(sums, 2, rc, err) ||
        (confusion && nn_comm_sum_longs(confusion, (size_t)k * k, err)))
        return -1;
    out->loss = ds->n ? sums[0] / ds->n : 0;
    out->acc = ds->n ? 100.0 * sums[1] / ds->n : 0;
    return 0;
}
