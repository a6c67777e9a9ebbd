/* files.h: whole-file reads and writes and byte edits for the checkpoint
 * tests and the corpus generator. */
#ifndef NN_TEST_CKPT_FILES_H
#define NN_TEST_CKPT_FILES_H

#include <stddef.h>
#include <stdint.h>

/* The file's bytes (malloc'd, free them) or NULL. */
uint8_t *test_read_file(const char *path, size_t *size);
/* 0 when all n bytes were written. */
int test_write_file(const char *path, const void *bytes, size_t n);

/* A fresh folder under /tmp (template written into dir, >= 32 bytes); and
 * removing it with everything inside. 0 on success. */
int test_make_dir(char *dir, size_t size);
int test_remove_dir(const char *dir);

/* Little-endian u32 at b; and the trailing CRC32 recomputed after an edit
 * (bytes has n >= 4 bytes, the CRC in its last 4). */
void test_put_u32(uint8_t *b, uint32_t x);
void test_fix_crc(uint8_t *bytes, size_t n);

#endif
