/* runfiles.h: the files of a run folder, the interface between training
 * and plotting/reporting (every file written atomically):
 *   metrics.csv         epoch,train_loss,train_acc,val_loss,val_acc,
 *                       epoch_seconds,train_images_per_s,lr (accuracies in
 *                       %; lr: the learning rate of the epoch's last step)
 *   confusion_test.csv  10x10 test counts, rows true, columns predicted,
 *                       class names in the header and first column
 *   summary.json        one flat object: config, versions, final numbers */
#ifndef NN_RUNFILES_H
#define NN_RUNFILES_H

#include "evaluate.h"
#include "nn_model.h"
#include "nn_sysinfo.h"
#include "nn_train.h"

int nn_write_metrics_csv(const char *dir, const nn_epoch_metrics *history,
                         int epochs, nn_err *err);
int nn_write_confusion_csv(const char *dir,
                           const long confusion[NN_CLASSES][NN_CLASSES],
                           nn_err *err);

typedef struct {
    const nn_train_config *cfg;
    const nn_model *model;
    const nn_sysinfo *sys;
    const char *parallel;    /* the strategy actually used */
    int train_images, val_images, test_images;
    const nn_epoch_metrics *history;
    int epochs;              /* entries in history */
    const nn_eval_result *test;
    double total_seconds;    /* training + evaluation, all epochs */
} nn_summary;

int nn_write_summary_json(const char *dir, const nn_summary *s, nn_err *err);

#endif
