/* test_classes.c: class-names files (--classes): trimming, blank lines at
 * the ends, and each way a file can be wrong, with its one-line message
 * naming the file and line; the name check the checkpoint shares. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "nn_data.h"
#include "test_util.h"

static nn_err err;

static const char *write_names(const char *name, const char *text) {
    const char *path = fixture_tmp(name);
    fixture_write_raw(path, (const uint8_t *)text, strlen(text));
    return path;
}

static void test_good(void) {
    nn_class_names names;
    /* spaces, tabs and CRs around names go; blank lines at either end too */
    const char *path = write_names("good.txt", "\n \r\n  cat \r\n\tdog\t\n"
                                   "a bird, small\n\n  \n");
    CHECK(nn_class_names_read(&names, path, 3, &err) == 0);
    CHECK(names.n == 3);
    CHECK(strcmp(names.name[0], "cat") == 0);
    CHECK(strcmp(names.name[1], "dog") == 0);
    CHECK(strcmp(names.name[2], "a bird, small") == 0);
    /* no final newline; 63 bytes is the longest name */
    char text[200];
    snprintf(text, sizeof text, "x\n%063d", 7);
    path = write_names("long-ok.txt", text);
    CHECK(nn_class_names_read(&names, path, 2, &err) == 0);
    CHECK(strlen(names.name[1]) == 63);
}

/* Reading path for `classes` must fail with "PATH: fragment". */
static void expect_error(const char *path, int classes,
                         const char *fragment) {
    nn_class_names names;
    char want[1200];
    snprintf(want, sizeof want, "%s: %s", path, fragment);
    CHECK(nn_class_names_read(&names, path, classes, &err) == -1);
    printf("  %s\n", err.msg);
    CHECK_CONTAINS(err.msg, want);
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK(names.n == 0);
}

static void test_errors(void) {
    expect_error(write_names("two.txt", "a\nb\n"), 3,
                 "2 names, the model has 3 classes");
    expect_error(write_names("four.txt", "a\nb\nc\nd\n"), 3,
                 "4 names, the model has 3 classes");
    expect_error(write_names("none.txt", "\n  \n"), 3,
                 "0 names, the model has 3 classes");
    expect_error(write_names("gap.txt", "a\nb\n  \nc\n"), 3,
                 "line 3 is blank (a class needs a name");
    char text[200];
    snprintf(text, sizeof text, "a\nb\n%064d\n", 7);
    expect_error(write_names("long.txt", text), 3,
                 "line 3: name of 64 bytes is too long (at most 63)");
    expect_error(write_names("tab.txt", "a\nb\tc\nd\n"), 3,
                 "line 2: name holds the control character 0x09");
    expect_error(fixture_tmp("missing.txt"), 3,
                 "cannot open: No such file or directory");
    const char *fifo = fixture_tmp("fifo.txt");
    CHECK(mkfifo(fifo, 0600) == 0);
    expect_error(fifo, 3, "is a FIFO, expected a class-names file");
    expect_error(fixture_tmp(NULL), 3, "is a folder, expected a class-names "
                 "file");
    expect_error(write_names("one.txt", "a\n"), 1,
                 "1 classes is out of range 2..256");
}

static void test_name_check(void) {
    char why[64];
    CHECK(nn_class_name_check("T-shirt/top", 11, why, sizeof why) == 0);
    CHECK(nn_class_name_check("", 0, why, sizeof why) == -1);
    CHECK(strcmp(why, "is empty") == 0);
    CHECK(nn_class_name_check("a\x7f", 2, why, sizeof why) == -1);
    CHECK(strcmp(why, "holds the control character 0x7f") == 0);
    /* UTF-8 names are fine */
    CHECK(nn_class_name_check("\xe3\x81\x8a", 3, why, sizeof why) == 0);
}

int main(void) {
    test_good();
    test_errors();
    test_name_check();
    fixture_tmp_clean();
    return test_summary();
}
