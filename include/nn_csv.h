/* nn_csv.h: writing CSV fields that may hold any text (class names). */
#ifndef NN_CSV_H
#define NN_CSV_H

#include <stdio.h>

/* Writes s as one CSV field: as is, or quoted (quotes doubled) when it
 * holds a comma, a quote or a line break. */
void nn_csv_field(FILE *f, const char *s);

#endif
