/* dnnl_dropout.c: dropout as custom steps of our own between primitives,
 * on activations in whatever layout the layer before chose (plain, or
 * channels blocked by 8 or 16) and in f32 or bf16. Each element's mask is
 * dropout_keep(seed, step, its index in the whole batch in NCHW order), the
 * same as the reference kernel draws, so neither the layout, the thread
 * count nor a batch split changes it. Inference passes values through: the
 * layer's output is its input. */
#include <stdlib.h>
#include <string.h>

#include "dnnl_exec.h"
#include "kernels.h"

typedef struct {
    dnnl_memory_t from, to; /* forward: src -> dst; backward: diff_dst ->
                               diff_src (same layout) */
    const dropout_key *key;
    float p, scale;
    int bf16;
    long n, c, hw;          /* logical (batch, C, H*W) */
    const int *first_image; /* the executor's, read at each pass */
    long per_image;         /* elements of one image: C*H*W */
    /* physical offset of (n, c, hw) = n*sn + (c/blk)*sc + hw*shw + c%blk */
    long sn, sc, shw, blk, offset0;
} dropout_pass;

static float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint16_t f32_to_bf16(float f) { /* round to nearest even */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static void run_pass(void *ctx) {
    const dropout_pass *d = ctx;
    const void *from = dx_handle(d->from);
    void *to = dx_handle(d->to);
    uint64_t seed = d->key->seed, step = d->key->step;
    long first = (long)*d->first_image * d->per_image; /* element 0's index */
#pragma omp parallel for collapse(2) schedule(static)
    for (long n = 0; n < d->n; n++)
        for (long c = 0; c < d->c; c++) {
            long base = d->offset0 + n * d->sn + (c / d->blk) * d->sc +
                        c % d->blk;
            uint64_t logical = (uint64_t)(first + (n * d->c + c) * d->hw);
            for (long i = 0; i < d->hw; i++) {
                long at = base + i * d->shw;
                float k = dropout_keep(seed, step, logical + (uint64_t)i, d->p)
                              ? d->scale : 0.0f;
                if (d->bf16)
                    ((uint16_t *)to)[at] =
                        f32_to_bf16(bf16_to_f32(((const uint16_t *)from)[at]) * k);
                else
                    ((float *)to)[at] = ((const float *)from)[at] * k;
            }
        }
}

/* The pass over a memory of md: its logical shape and how it is laid out.
 * Layouts of 2D (N, C) and 4D (N, C, H, W) with at most one inner block,
 * on channels, are the ones oneDNN gives activations. */
static int describe(dropout_pass *d, const dnnl_memory_desc_t *md,
                    const nn_layer *l, nn_err *err) {
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    if (md->format_kind != dnnl_blocked || (md->ndims != 2 && md->ndims != 4) ||
        b->inner_nblks > 1 || (b->inner_nblks == 1 && b->inner_idxs[0] != 1))
        return nn_errf(err, "dropout: the layer before chose a layout "
                       "dropout cannot read");
    d->n = md->dims[0], d->c = l->in_c, d->hw = (long)l->in_h * l->in_w;
    d->sn = (long)b->strides[0], d->sc = (long)b->strides[1];
    d->blk = b->inner_nblks ? (long)b->inner_blks[0] : 1;
    d->offset0 = (long)md->offset0;
    if (md->ndims == 2) {
        /* a dense layer's output: (N, C), H = W = 1 */
        d->shw = 1;
        return 0;
    }
    if (b->strides[2] != (dnnl_dim_t)l->in_w * b->strides[3])
        return nn_errf(err, "dropout: rows of the input are not contiguous");
    d->shw = (long)b->strides[3];
    return 0;
}

static int add_pass(dnnl_exec *e, int i, dnnl_steps *list, dnnl_memory_t from,
                    dnnl_memory_t to, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    dropout_pass *d = calloc(1, sizeof *d);
    if (!d) return nn_errf(err, "oneDNN executor: out of memory");
    if (describe(d, dnnl_plan_mem_md(from), l, err)) {
        free(d);
        return -1;
    }
    d->from = from, d->to = to, d->key = &e->key;
    d->p = l->spec.p, d->scale = 1.0f / (1.0f - l->spec.p);
    d->bf16 = dnnl_plan_mem_md(from)->data_type == dnnl_bf16;
    d->first_image = &e->first_image;
    d->per_image = (long)l->in_c * l->in_h * l->in_w;
    return dnnl_plan_custom(&e->plan, list, run_pass, d, err);
}

int dx_dropout_forward(dnnl_exec *e, int i, nn_err *err) {
    layer_rt *r = &e->rt[i];
    r->src = r->in, r->diff_src = r->in_diff;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(r->in);
    if (!e->training) {
        /* the identity: the next layer reads this layer's input */
        r->dst = r->in;
        if (i + 1 < e->m->n_layers) e->rt[i + 1].in = r->in;
        return 0;
    }
    if (dx_make_dst(e, i, md, err)) return -1;
    return add_pass(e, i, &e->plan.fwd, r->src, r->dst, err);
}

int dx_dropout_backward(dnnl_exec *e, int i, nn_err *err) {
    layer_rt *r = &e->rt[i];
    if (!r->in_diff) return 0;
    return add_pass(e, i, &e->plan.bwd, r->diff_dst, r->in_diff, err);
}
