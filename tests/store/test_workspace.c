/* Folder walk order and filtering, workspace creation, the pseudonym hash
 * (SipHash-2-4 reference vector), and stats on an empty workspace. */
#include "radnet/store.h"
#include "rn_test.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[256];

static void write_file(const char *rel, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(content, f);
        fclose(f);
    }
}

static void make_dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    CHECK(mkdir(path, 0755) == 0);
}

static bool under_a(const void *user, const char *path)
{
    (void)user;
    return strstr(path, "/tree/a/") != NULL;
}

static void test_walk(void)
{
    make_dir("tree");
    make_dir("tree/b");
    make_dir("tree/a");
    make_dir("tree/a/deep");
    make_dir("tree/a/deep/er");
    write_file("tree/z.dcm", "zz");
    write_file("tree/b/1", "1");
    write_file("tree/a/deep/er/x", "xxx");
    write_file("tree/a/A", "");
    write_file("tree/a/m", "m");
    char target[512], link[512];
    snprintf(target, sizeof target, "%s/tree/b", tmp_root);
    snprintf(link, sizeof link, "%s/tree/c_link", tmp_root);
    CHECK(symlink(target, link) == 0); /* a folder link: entered */
    snprintf(target, sizeof target, "%s/tree/z.dcm", tmp_root);
    snprintf(link, sizeof link, "%s/tree/d_filelink", tmp_root);
    CHECK(symlink(target, link) == 0); /* a file link: yielded */
    snprintf(target, sizeof target, "%s/tree", tmp_root);
    snprintf(link, sizeof link, "%s/tree/a/deep/loop", tmp_root);
    CHECK(symlink(target, link) == 0); /* back to an ancestor: not entered */

    enum { N = 7 };
    static const char *const expected[N] = {"a/A", "a/deep/er/x", "a/m", "b/1",
                                            "c_link/1", "d_filelink", "z.dcm"};
    static const uint64_t sizes[N] = {0, 3, 1, 1, 1, 2, 2};
    char src[512];
    snprintf(src, sizeof src, "%s/tree/", tmp_root);
    const char *sources[] = {src};
    RnError *err = NULL;
    RnWalk *w = rn_walk_open(sources, 1, &err);
    CHECK(w != NULL);
    RnWalkEntry e;
    size_t n = 0;
    char *real = realpath(src, NULL);
    while (w && rn_walk_next(w, &e, &err)) {
        char want[600];
        snprintf(want, sizeof want, "%s/%s", real, n < N ? expected[n] : "?");
        CHECK_MSG(strcmp(e.path, want) == 0, "%s vs %s", e.path, want);
        CHECK_EQ_INT(e.size, n < N ? sizes[n] : 99);
        CHECK(e.mtime_ns > 0);
        n++;
    }
    CHECK(err == NULL);
    CHECK_EQ_INT(n, N);
    CHECK(w && rn_walk_loops(w) == 1);
    rn_walk_close(w);
    uint64_t count = 0;
    CHECK(rn_walk_count(sources, 1, &count, &err));
    CHECK_EQ_INT(count, N);

    /* Stat only the wanted files: the others come in the same order with
     * size and time 0, unless the folder entry is a link (stat'ed to know
     * what it is). */
    static const uint64_t sizes_a[N] = {0, 3, 1, 0, 0, 2, 0};
    static const bool stated[N] = {true, true, true, false, false, true, false};
    w = rn_walk_open(sources, 1, &err);
    CHECK(w != NULL);
    if (w)
        rn_walk_stat_only(w, under_a, NULL);
    n = 0;
    while (w && rn_walk_next(w, &e, &err)) {
        char want[600];
        snprintf(want, sizeof want, "%s/%s", real, n < N ? expected[n] : "?");
        CHECK_MSG(strcmp(e.path, want) == 0, "%s vs %s", e.path, want);
        CHECK_EQ_INT(e.size, n < N ? sizes_a[n] : 99);
        CHECK_MSG((e.mtime_ns > 0) == (n < N && stated[n]), "%s", e.path);
        n++;
    }
    CHECK(err == NULL);
    CHECK_EQ_INT(n, N);
    rn_walk_close(w);

    /* A file source is yielded itself; a missing one is an error. */
    char one[512];
    snprintf(one, sizeof one, "%s/tree/b/1", tmp_root);
    const char *two[] = {one, "/nonexistent/radnet"};
    CHECK(rn_walk_open(two, 2, &err) == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_IO);
    rn_error_free(err);
    err = NULL;
    w = rn_walk_open(two, 1, &err);
    CHECK(w && rn_walk_next(w, &e, &err) && e.size == 1);
    CHECK(w && !rn_walk_next(w, &e, &err) && err == NULL);
    rn_walk_close(w);
    free(real);
}

static void test_siphash(void)
{
    /* Reference vector of the SipHash paper: key 00..0f, message 00..0e. */
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    char hex[17];
    rn_siphash24_hex(key, msg, sizeof msg, hex);
    CHECK_EQ_STR(hex, "a129ca6149be45e5");
    rn_siphash24_hex(key, "", 0, hex);
    CHECK_EQ_STR(hex, "726fdb47dd0e0e31");
}

static void test_workspace(void)
{
    char ws[512];
    snprintf(ws, sizeof ws, "%s/ws", tmp_root);
    RnError *err = NULL;
    CHECK(rn_store_open(ws, RN_STORE_READ, &err) == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_IO);
    rn_error_free(err);
    err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_CREATE, &err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    char p1[17], p2[17], p3[17];
    rn_store_pseudonym(s, "PATIENT^ONE", p1);
    rn_store_pseudonym(s, "PATIENT^TWO", p3);
    CHECK(strlen(p1) == 16 && strcmp(p1, p3) != 0);
    RnBuf json = RN_BUF_INIT;
    CHECK(rn_store_stats_json(s, &json, &err) && rn_buf_terminate(&json, &err));
    CHECK(json.data && strstr((char *)json.data, "\"files_seen\": 0") != NULL);
    CHECK(json.data && strstr((char *)json.data, "\"by_modality\": {}") != NULL);
    rn_buf_free(&json);
    rn_store_close(s);
    /* The key persists: same pseudonym after reopening. */
    s = rn_store_open(ws, RN_STORE_READ, &err);
    CHECK(s != NULL);
    if (s) {
        rn_store_pseudonym(s, "PATIENT^ONE", p2);
        CHECK_EQ_STR(p1, p2);
    }
    rn_store_close(s);
    rn_error_free(err);
}

int main(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/rn_store_test_XXXXXX");
    CHECK(mkdtemp(tmp_root) != NULL);
    test_walk();
    test_siphash();
    test_workspace();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
