/* weights.c: a model's weights and running statistics in and out as
 * safetensors (the state_dict of the Sequential in nn_export.h), and saved
 * weights loaded from a run folder without the data set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "nn_export.h"
#include "nn_safetensors.h"
#include "trainer.h"

int nn_export_safetensors(const char *path, const nn_model *m,
                          const nn_train_config *cfg, nn_err *err) {
    nn_torch_map map;
    if (nn_torch_map_build(&map, m, err)) return -1;
    nn_export_meta *meta = malloc(sizeof *meta);
    if (!meta) return nn_errf(err, "%s: out of memory", path);
    static const int64_t zero = 0; /* num_batches_tracked: nn_export.h */
    nn_st_out out[NN_TORCH_MAX_TENSORS];
    for (int i = 0; i < map.n_tensors; i++) {
        const nn_torch_tensor *t = &map.tensors[i];
        out[i].name = t->name, out[i].ndim = t->ndim;
        memcpy(out[i].shape, t->shape, sizeof t->shape);
        if (t->store == NN_TORCH_IN_NONE)
            out[i].data = &zero, out[i].dtype = NN_ST_I64;
        else
            out[i].data = nn_torch_tensor_data(m, t), out[i].dtype = NN_ST_F32;
    }
    int rc = nn_export_meta_build(meta, m, &map, cfg, err) ||
             nn_safetensors_write(path, out, map.n_tensors, meta->kv,
                                  meta->n, err);
    free(meta);
    return rc ? -1 : 0;
}

/* What is wrong with tensor t of the model in the file, into msg (empty
 * when it fits). */
static void tensor_mismatch(char *msg, size_t size, const nn_safetensors *st,
                            const nn_torch_tensor *t, const nn_model *m) {
    char want[80], got[80];
    const nn_st_tensor *f = nn_safetensors_find(st, t->name);
    nn_torch_shape_text(want, sizeof want, t->ndim, t->shape);
    msg[0] = '\0';
    if (!f) {
        snprintf(msg, size, "tensor %s: missing (model %s wants shape %s)",
                 t->name, m->name, want);
        return;
    }
    int same = f->ndim == t->ndim;
    for (int d = 0; same && d < t->ndim; d++) same = f->shape[d] == t->shape[d];
    nn_st_dtype dtype = t->store == NN_TORCH_IN_NONE ? NN_ST_I64 : NN_ST_F32;
    if (!same) {
        nn_torch_shape_text(got, sizeof got, f->ndim, f->shape);
        snprintf(msg, size, "tensor %s: shape %s, model %s wants %s",
                 t->name, got, m->name, want);
    } else if (f->dtype != dtype) {
        snprintf(msg, size, "tensor %s: dtype %s, model %s wants %s",
                 t->name, nn_st_dtype_name(f->dtype), m->name,
                 nn_st_dtype_name(dtype));
    }
}

/* A file tensor the model has no place for, into msg (empty when none). */
static void extra_tensor(char *msg, size_t size, const nn_safetensors *st,
                         const nn_torch_map *map, const nn_model *m,
                         int *count) {
    msg[0] = '\0';
    for (int i = 0; i < st->n_tensors; i++) {
        int known = 0;
        for (int k = 0; k < map->n_tensors && !known; k++)
            known = !strcmp(st->tensors[i].name, map->tensors[k].name);
        if (known) continue;
        if (!(*count)++)
            snprintf(msg, size, "tensor %s: model %s has no such tensor "
                     "(it has %d: %s ... %s)", st->tensors[i].name, m->name,
                     map->n_tensors, map->tensors[0].name,
                     map->tensors[map->n_tensors - 1].name);
    }
}

/* Every mismatch between file and model counted; the first described. */
static int check_tensors(const char *path, const nn_safetensors *st,
                         const nn_torch_map *map, const nn_model *m,
                         nn_err *err) {
    char first[400] = "", msg[400];
    int count = 0;
    for (int i = 0; i < map->n_tensors; i++) {
        tensor_mismatch(msg, sizeof msg, st, &map->tensors[i], m);
        if (msg[0] && !count++) snprintf(first, sizeof first, "%s", msg);
    }
    int before = count;
    extra_tensor(msg, sizeof msg, st, map, m, &count);
    if (msg[0] && !before) snprintf(first, sizeof first, "%s", msg);
    if (!count) return 0;
    if (count == 1) return nn_errf(err, "%s: %s", path, first);
    return nn_errf(err, "%s: %s (and %d more mismatch%s)", path, first,
                   count - 1, count == 2 ? "" : "es");
}

int nn_model_load_safetensors(nn_model *m, const char *path, nn_err *err) {
    nn_torch_map map;
    nn_safetensors st;
    if (nn_torch_map_build(&map, m, err)) return -1;
    int rc = nn_safetensors_read(&st, path, err) ||
             check_tensors(path, &st, &map, m, err);
    if (!rc) /* num_batches_tracked (NN_TORCH_IN_NONE) is not kept */
        for (int i = 0; i < map.n_tensors; i++) {
            const nn_torch_tensor *t = &map.tensors[i];
            if (t->store != NN_TORCH_IN_NONE)
                nn_safetensors_get_f32(&st, nn_safetensors_find(&st, t->name),
                                       nn_torch_tensor_data(m, t));
        }
    nn_safetensors_free(&st);
    return rc ? -1 : 0;
}

/* ---- saved weights --------------------------------------------------------- */

int nn_saved_model_path(char *path, size_t size, const char *target,
                        nn_err *err) {
    struct stat st;
    if (stat(target, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_path_copy(path, size, target, err);
    static const char *const names[] = {NN_FINAL_FILE, NN_CHECKPOINT_FILE};
    for (int i = 0; i < 2; i++) {
        if (nn_path_join(path, size, target, names[i], err)) return -1;
        if (stat(path, &st) == 0) return 0;
    }
    return nn_errf(err, "%s: no %s or %s in the run folder", target,
                   NN_FINAL_FILE, NN_CHECKPOINT_FILE);
}

int nn_saved_model_load(nn_model *m, nn_train_config *cfg,
                        const char *checkpoint, nn_err *err) {
    if (nn_checkpoint_read_config(checkpoint, cfg, NULL, err) ||
        nn_model_init(m, &cfg->model, err))
        return -1;
    /* params_only reads the layer table and params, nothing else */
    nn_train_state s = {cfg, m, NULL, NULL, NULL, NULL, NULL, NULL};
    if (nn_checkpoint_load(checkpoint, &s, 1, err)) {
        nn_model_free(m);
        return -1;
    }
    if (cfg->names.n != m->classes) {
        nn_model_free(m);
        return nn_errf(err, "%s: %d class names for model %s of %d classes",
                       checkpoint, cfg->names.n, m->name, m->classes);
    }
    return 0;
}
