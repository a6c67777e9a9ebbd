/* test_no_alloc.c: the training loop allocates nothing and creates no
 * oneDNN primitive: every buffer and primitive is made when the trainer is
 * built. Linked with -Wl,--wrap for the allocators and for
 * dnnl_primitive_create, so every call from our code is counted. Skipped
 * (77) without the real data. */
#include <stdlib.h>
#include <unistd.h>

#include <oneapi/dnnl/dnnl.h>

#include "test_util.h"
#include "trainer.h"

static long allocations, primitives;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
dnnl_status_t __real_dnnl_primitive_create(dnnl_primitive_t *p,
                                           const_dnnl_primitive_desc_t pd);

void *__wrap_malloc(size_t n) { allocations++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t s) { allocations++; return __real_calloc(n, s); }
void *__wrap_realloc(void *p, size_t n) { allocations++; return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) {
    allocations++;
    return __real_aligned_alloc(a, n);
}
dnnl_status_t __wrap_dnnl_primitive_create(dnnl_primitive_t *p,
                                           const_dnnl_primitive_desc_t pd) {
    primitives++;
    return __real_dnnl_primitive_create(p, pd);
}

static void check_model(const char *model, nn_parallel_kind parallel,
                        const char *data) {
    nn_train_config c;
    nn_train_config_default(&c);
    nn_err model_err;
    CHECK(nn_model_builtin(&c.model, model, &model_err) == 0);
    snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
    c.out_dir[0] = '\0'; /* no run folder: only the loop itself is counted */
    c.epochs = 2, c.limit = 300, c.save_every = 0, c.threads = 2;
    c.parallel = parallel;
    nn_err err;
    nn_trainer *t;
    long built_allocs = allocations, built_prims = primitives;
    CHECK(nn_trainer_create(&t, &c, &err) == 0);
    CHECK(primitives > built_prims); /* the wrap does see our calls */
    CHECK(allocations > built_allocs);
    long a0 = allocations, p0 = primitives;
    CHECK(nn_trainer_run(t, NULL, NULL, NULL, &err) == 0);
    printf("%s %-5s: 2 epochs, %ld allocations, %ld primitives created\n",
           model, nn_parallel_name(parallel), allocations - a0,
           primitives - p0);
    CHECK(allocations == a0);
    CHECK(primitives == p0);
    nn_trainer_free(t);
}

int main(void) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    if (access(data, R_OK) != 0) {
        printf("skipped: %s not installed\n", data);
        return 77;
    }
    check_model("mlp", NN_PARALLEL_INTRA, data);
    check_model("cnn", NN_PARALLEL_INTRA, data);
    check_model("cnn", NN_PARALLEL_BATCH, data);
    return test_summary();
}
