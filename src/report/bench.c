/* bench.c: reading the benchmark CSV (one row per model, precision, batch,
 * parallel mode and thread count). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_private.h"

/* Columns the report uses, found by header name. */
enum {
    COL_COMMIT, COL_CPU, COL_ISA, COL_WAIT, COL_MODEL, COL_PARALLEL,
    COL_BATCH, COL_THREADS, COL_IMAGES, COL_STEP, COL_GFLOPS, COL_PEAK,
    COL_EFFICIENCY, N_COLS
};
static const char *const col_names[N_COLS] = {
    "commit", "cpu", "isa", "omp_wait_policy", "model", "parallel", "batch",
    "threads", "images_per_s", "step_ms", "achieved_gflops", "peak_fraction",
    "efficiency",
};
/* Columns that older files lack: their index in col[], or -1. */
enum { OPT_PRECISION = N_COLS, OPT_IMAGES_MIN, OPT_IMAGES_MAX, N_ALL_COLS };
static const char *const opt_names[N_ALL_COLS - N_COLS] = {
    "precision", "images_per_s_min", "images_per_s_max",
};

/* The optional fields of the current row: precision and the images/s range
 * of the repetitions, which must hold the median. */
static int read_optional(nn_bench_row *row, const csv_reader *r,
                         const int *col, nn_err *err) {
    snprintf(row->precision, sizeof row->precision, "f32");
    row->images_per_s_min = row->images_per_s_max = NAN;
    if (col[OPT_PRECISION] >= 0 &&
        csv_string(r, col[OPT_PRECISION], row->precision,
                   sizeof row->precision, err))
        return -1;
    if (col[OPT_IMAGES_MIN] < 0 || col[OPT_IMAGES_MAX] < 0) return 0;
    if (csv_double(r, col[OPT_IMAGES_MIN], &row->images_per_s_min, err) ||
        csv_double(r, col[OPT_IMAGES_MAX], &row->images_per_s_max, err))
        return -1;
    if (!(row->images_per_s_min <= row->images_per_s &&
          row->images_per_s <= row->images_per_s_max))
        return nn_errf(err, "%s: line %d: images_per_s %g is not within "
                       "images_per_s_min %g and images_per_s_max %g", r->path,
                       r->line_no, row->images_per_s, row->images_per_s_min,
                       row->images_per_s_max);
    return 0;
}

static int read_bench_row(nn_bench_row *row, const csv_reader *r,
                          const int *col, nn_err *err) {
    long batch, threads;
    if (csv_string(r, col[COL_COMMIT], row->commit, sizeof row->commit, err) ||
        csv_string(r, col[COL_CPU], row->cpu, sizeof row->cpu, err) ||
        csv_string(r, col[COL_ISA], row->isa, sizeof row->isa, err) ||
        csv_string(r, col[COL_WAIT], row->omp_wait_policy,
                   sizeof row->omp_wait_policy, err) ||
        csv_string(r, col[COL_MODEL], row->model, sizeof row->model, err) ||
        csv_string(r, col[COL_PARALLEL], row->parallel, sizeof row->parallel,
                   err) ||
        csv_long(r, col[COL_BATCH], &batch, err) ||
        csv_long(r, col[COL_THREADS], &threads, err) ||
        csv_double(r, col[COL_IMAGES], &row->images_per_s, err) ||
        csv_double(r, col[COL_STEP], &row->step_ms, err) ||
        csv_double(r, col[COL_GFLOPS], &row->achieved_gflops, err) ||
        csv_double(r, col[COL_PEAK], &row->peak_fraction, err) ||
        csv_double(r, col[COL_EFFICIENCY], &row->efficiency, err))
        return -1;
    if (batch < 1 || threads < 1 || batch > 1 << 20 || threads > 1 << 16)
        return nn_errf(err, "%s: line %d: batch %ld and threads %ld must be "
                       "positive", r->path, r->line_no, batch, threads);
    row->batch = (int)batch;
    row->threads = (int)threads;
    return read_optional(row, r, col, err);
}

/* Reads the current row of r into a new slot at the end of bench->rows. */
static int append_row(nn_bench *bench, int *cap, const csv_reader *r,
                      const int *col, nn_err *err) {
    if (bench->n_rows == *cap) {
        int grown_cap = *cap ? 2 * *cap : 32;
        nn_bench_row *grown = realloc(bench->rows, grown_cap * sizeof *grown);
        if (!grown) return nn_errf(err, "%s: out of memory", r->path);
        bench->rows = grown;
        *cap = grown_cap;
    }
    if (read_bench_row(&bench->rows[bench->n_rows], r, col, err) < 0)
        return -1;
    bench->n_rows++;
    return 0;
}

int nn_bench_load(nn_bench *bench, const char *path, nn_err *err) {
    csv_reader r;
    int col[N_ALL_COLS], cap = 0, rc = 0;
    memset(bench, 0, sizeof *bench);
    if (csv_open(&r, path, err) < 0) return -1;
    for (int i = 0; i < N_COLS && rc == 0; i++)
        if ((col[i] = csv_column(&r, col_names[i], err)) < 0) rc = -1;
    for (int i = N_COLS; i < N_ALL_COLS; i++)
        col[i] = csv_find_column(&r, opt_names[i - N_COLS]);
    bench->has_precision = col[OPT_PRECISION] >= 0;
    bench->has_range = col[OPT_IMAGES_MIN] >= 0 && col[OPT_IMAGES_MAX] >= 0;
    /* csv_next gives 1 per row and 0 at the end; append_row 0 on success. */
    while (rc == 0 && (rc = csv_next(&r, err)) == 1)
        rc = append_row(bench, &cap, &r, col, err);
    csv_close(&r);
    if (rc == 0 && bench->n_rows == 0)
        rc = nn_errf(err, "%s: no benchmark rows after the header", path);
    if (rc < 0) nn_bench_free(bench);
    return rc;
}

void nn_bench_free(nn_bench *bench) {
    free(bench->rows);
    memset(bench, 0, sizeof *bench);
}
