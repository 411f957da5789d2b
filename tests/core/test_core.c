#include "radnet/core.h"
#include "rn_test.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_error_first_wins(void)
{
    RnError *err = NULL;
    rn_error_set_at(&err, RN_ERROR_PARSE, 42, "first %d", 1);
    rn_error_set(&err, RN_ERROR_IO, "second");
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    CHECK_EQ_STR(rn_error_message(err), "first 1");
    CHECK_EQ_INT(rn_error_offset(err), 42);
    rn_error_free(err);
    rn_error_set(NULL, RN_ERROR_IO, "ignored"); /* must not crash */
    rn_error_free(NULL);
}

static void test_json_escape(void)
{
    RnBuf b = RN_BUF_INIT;
    const char s[] = "a\"b\\c\n\x01<";
    CHECK(rn_buf_append_json_string(&b, s, sizeof s - 1, NULL));
    CHECK(rn_buf_terminate(&b, NULL));
    CHECK_EQ_STR((char *)b.data, "\"a\\\"b\\\\c\\n\\u0001<\"");
    rn_buf_free(&b);
}

static void test_memory_io(void)
{
    uint8_t data[1000];
    for (int i = 0; i < 1000; i++)
        data[i] = (uint8_t)i;
    RnIO *io = rn_io_open_memory(data, sizeof data, NULL);
    uint8_t out[10];
    CHECK(rn_io_read_exact(io, out, 10, NULL));
    CHECK_EQ_INT(out[9], 9);
    CHECK(rn_io_skip(io, 90, NULL));
    CHECK_EQ_INT(rn_io_tell(io), 100);
    const uint8_t *p;
    CHECK_EQ_INT(rn_io_peek(io, &p, 4, NULL), 4);
    CHECK_EQ_INT(p[0], 100);
    RnError *err = NULL;
    CHECK(!rn_io_skip(io, 10000, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
    err = NULL;
    CHECK(rn_io_seek(io, 995, NULL));
    CHECK(!rn_io_read_exact(io, out, 10, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
    rn_io_close(io);
    rn_io_close(NULL);
}

static void test_file_io_large(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    size_t n = 3 * RN_IO_BUFFER + 17;
    uint8_t *data = malloc(n), *back = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 7);
    CHECK(rn_file_write_atomic(path, data, n, NULL));
    RnIO *io = rn_io_open_file(path, NULL);
    CHECK(io != NULL);
    CHECK_EQ_INT(rn_io_size(io), (long long)n);
    CHECK(rn_io_read_exact(io, back, 5, NULL));
    CHECK(rn_io_read_exact(io, back + 5, n - 5, NULL));
    CHECK(memcmp(data, back, n) == 0);
    CHECK(rn_io_seek(io, 12345, NULL));
    CHECK(rn_io_read_exact(io, back, 1, NULL));
    CHECK_EQ_INT(back[0], data[12345]);
    rn_io_close(io);
    /* A device keeps being a device. */
    CHECK(rn_file_write_atomic("/dev/null", data, 16, NULL));
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    free(data);
    free(back);
}

static void test_npy_roundtrip(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/m.npy", dir);
    double v[6] = {1, 2, 3, 4, 5, 6.5};
    RnArray a = {RN_DTYPE_F64, 2, {2, 3}, v};
    CHECK(rn_npy_write(path, &a, NULL));
    float *f;
    size_t n, d;
    CHECK(rn_npy_read_matrix_f32(path, &f, &n, &d, NULL));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(d, 3);
    CHECK_NEAR(f[5], 6.5, 0);
    free(f);

    snprintf(path, sizeof path, "%s/w.npy", dir);
    size_t row[2] = {2, 2};
    uint8_t rows[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    /* A child appends, syncs two rows, appends a third and dies unsynced. */
    pid_t pid = fork();
    if (pid == 0) {
        RnNpyWriter *w = rn_npy_writer_open(path, RN_DTYPE_U8, 2, row, NULL);
        if (w && rn_npy_writer_append(w, rows, 2, NULL) && rn_npy_writer_sync(w, NULL) &&
            rn_npy_writer_append(w, rows, 1, NULL))
            _exit(0);
        _exit(1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK_EQ_INT(status, 0);
    RnNpyWriter *w2 = rn_npy_writer_open(path, RN_DTYPE_U8, 2, row, NULL);
    CHECK(w2 != NULL);
    CHECK_EQ_INT(rn_npy_writer_rows(w2), 2);
    CHECK(rn_npy_writer_append(w2, rows + 4, 1, NULL));
    CHECK(rn_npy_writer_close(w2, NULL));
    RnArray back;
    CHECK(rn_npy_read(path, &back, NULL));
    CHECK_EQ_INT(back.ndim, 3);
    CHECK_EQ_INT(back.shape[0], 3);
    CHECK_EQ_INT(((uint8_t *)back.data)[7], 8);
    rn_array_free(&back);
    double *flat;
    CHECK(rn_npy_read_matrix_f64(path, &flat, &n, &d, NULL));
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(d, 4);
    CHECK_NEAR(flat[11], 8, 0);
    free(flat);
    RnNpyMap map;
    CHECK(rn_npy_map(path, &map, NULL));
    CHECK_EQ_INT(map.n, 3);
    CHECK_EQ_INT(map.d, 4);
    CHECK_EQ_INT(((const uint8_t *)map.data)[11], 8);
    rn_npy_unmap(&map);
    rn_npy_unmap(NULL);

    RnError *err = NULL;
    CHECK(!rn_npy_read_memory((const uint8_t *)"\x93NUMPY\x01\x00\xff\xff", 10, &back, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
}

int main(void)
{
    char dir[] = "/tmp/rn_core_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_error_first_wins();
    test_json_escape();
    test_memory_io();
    test_file_io_large(dir);
    test_npy_roundtrip(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    TEST_DONE();
}
