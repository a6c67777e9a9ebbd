/* runfiles.h: the files of a run folder, the interface between training
 * and plotting/reporting (every file written atomically):
 *   metrics.csv         epoch,train_loss,train_acc,val_loss,val_acc,
 *                       epoch_seconds,train_images_per_s,lr (accuracies in
 *                       %; lr: the learning rate of the epoch's last step)
 *   confusion_test.csv  classes x classes test counts, rows true, columns
 *                       predicted, class names in the header and first
 *                       column (CSV-quoted where they hold , or ")
 *   summary.json        one object: config, versions, final numbers, and
 *                       "classes": the class names in label order */
#ifndef NN_RUNFILES_H
#define NN_RUNFILES_H

#include "evaluate.h"
#include "nn_model.h"
#include "nn_sysinfo.h"
#include "nn_train.h"

int nn_write_metrics_csv(const char *dir, const nn_epoch_metrics *history,
                         int epochs, nn_err *err);
/* confusion: (classes, classes) [true][predicted]; names->n == classes. */
int nn_write_confusion_csv(const char *dir, const long *confusion,
                           int classes, const nn_class_names *names,
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
