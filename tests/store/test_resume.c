/* Crash safety of `radnet ingest`: kill -9 at random moments (several
 * rounds, one with a commit after every file so kills land inside commits),
 * rerun to completion, and compare the canonical dump (every catalogue row
 * by natural keys + a hash of every thumbnail row) with an uninterrupted
 * run's. Also: -j 1 and -j 2 give the same catalogue, a rerun does no work,
 * and new files are added incrementally.
 *
 * usage: test_store_resume SRC [ROUNDS]   (SRC relative to $RADNET_TESTDATA,
 * absolute, or synth:N for a fresh N-file `radnet synth` archive). The random seed is printed so a failure can be replayed
 * with RADNET_RESUME_SEED. */
#include "radnet/store.h"
#include "rn_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *radnet_bin;
static char reports_path[1100]; /* synth archives come with reports.csv */
static char tmp_root[256];

/* Runs radnet with argv (NULL-terminated); returns the exit status, or -1
 * when killed. delay_us > 0: SIGKILL after that many microseconds. */
static int run_radnet(char *const argv[], long delay_us)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(radnet_bin, argv);
        _exit(127);
    }
    if (pid < 0)
        return -2;
    if (delay_us > 0) {
        struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int ingest(const char *src, const char *ws, const char *jobs, const char *batch,
                  long kill_after_us)
{
    char *argv[] = {"radnet", "--quiet", "ingest", (char *)src, "-w", (char *)ws, "-j",
                    (char *)jobs, "--batch", (char *)batch, "--reports", reports_path, NULL};
    if (reports_path[0] == 0)
        argv[10] = NULL;
    return run_radnet(argv, kill_after_us);
}

static char *dump(const char *ws)
{
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, false, &err);
    RnBuf b = RN_BUF_INIT;
    bool ok = s && rn_store_dump_canonical(s, &b, &err) && rn_buf_terminate(&b, &err);
    CHECK_MSG(ok, "dump %s: %s", ws, err ? rn_error_message(err) : "?");
    rn_store_close(s);
    rn_error_free(err);
    return ok ? (char *)b.data : NULL;
}

static int64_t query_int(const char *ws, const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/catalog.sqlite", ws);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Reports the first differing line of two dumps. */
static void check_same_dump(const char *a, const char *b, const char *what)
{
    bool same = a && b && strcmp(a, b) == 0;
    CHECK_MSG(same, "%s: dumps differ", what);
    if (same || !a || !b)
        return;
    size_t i = 0, line_start = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n')
            line_start = i + 1;
        i++;
    }
    fprintf(stderr, "  first difference near:\n  A: %.300s\n  B: %.300s\n", a + line_start,
            b + line_start);
}

static void ws_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmp_root, name);
}

/* Elapsed microseconds of an uninterrupted run: the range kills are drawn from. */
static long timed_ingest(const char *src, const char *ws, const char *jobs, int *rc)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *rc = ingest(src, ws, jobs, "500", 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

static void test_kill_and_resume(const char *src, int rounds, unsigned seed)
{
    char ref[512], ref1[512], ws[512];
    ws_path(ref, sizeof ref, "ref");
    ws_path(ref1, sizeof ref1, "ref_j1");
    ws_path(ws, sizeof ws, "killed");
    int rc_ref, rc;
    long span = timed_ingest(src, ref, "2", &rc_ref);
    CHECK_MSG(rc_ref == 0 || rc_ref == 3, "reference ingest exit %d", rc_ref);
    CHECK(query_int(ref, "SELECT count(*) FROM images") > 0);
    if (reports_path[0])
        CHECK(query_int(ref, "SELECT count(*) FROM reports WHERE study_id IS NOT NULL") > 0);
    char *want = dump(ref);
    int64_t total = query_int(ref, "SELECT count(*) FROM files");

    /* Thread count does not change the result. */
    rc = ingest(src, ref1, "1", "500", 0);
    CHECK_EQ_INT(rc, rc_ref);
    char *j1 = dump(ref1);
    check_same_dump(want, j1, "-j 1 vs -j 2");
    free(j1);

    srand(seed);
    int killed = 0, partial = 0, cycles = 0, runs = 0;
    /* Cycles: a fresh workspace killed again and again until it is complete,
     * then compared. Until enough kills left a partly committed catalogue. */
    while (partial < rounds && runs < 8 * rounds) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ws);
        CHECK(system(cmd) == 0);
        int64_t done = 0;
        for (int r = 0; done < total && runs < 8 * rounds; r++, runs++) {
            /* The first run of a cycle commits after every file, so kills
             * land inside commits; the others use small batches. */
            const char *batch = r == 0 ? "1" : (r % 2 ? "7" : "50");
            double left = 1.0 - (double)done / (double)total;
            long delay = span / 20 + (long)((double)rand() / RAND_MAX * 1.5 * (double)span * left);
            rc = ingest(src, ws, r % 2 ? "1" : "2", batch, delay);
            killed += rc == -1;
            done = query_int(ws, "SELECT count(*) FROM files");
            partial += rc == -1 && done > 0 && done < total;
            fprintf(stderr, "cycle %d run %d: batch %s, kill after %ld us -> %s, %lld/%lld files\n",
                    cycles, r, batch, delay, rc == -1 ? "killed" : "finished first",
                    (long long)done, (long long)total);
        }
        rc = ingest(src, ws, "2", "500", 0);
        CHECK_EQ_INT(rc, rc_ref);
        char *got = dump(ws);
        check_same_dump(want, got, "killed + resumed vs uninterrupted");
        free(got);
        cycles++;
    }
    CHECK_MSG(partial >= rounds, "%d kills left a partly committed catalogue in %d runs",
              partial, runs);
    CHECK(killed >= partial);

    /* A rerun on unchanged input does no work. */
    rc = ingest(src, ws, "2", "500", 0);
    CHECK_EQ_INT(rc, rc_ref);
    CHECK_EQ_INT(query_int(ws, "SELECT files_new FROM runs ORDER BY id DESC LIMIT 1"), 0);
    CHECK_EQ_INT(query_int(ws, "SELECT files_seen FROM runs ORDER BY id DESC LIMIT 1"),
                 query_int(ref, "SELECT count(*) FROM files"));
    char *got = dump(ws);
    check_same_dump(want, got, "after a no-op rerun");
    free(got);
    free(want);
}

/* Copies src to dst (bytes). */
static bool copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    bool ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    return ok;
}

/* Files of the first part arrive first, the rest later: the second ingest
 * adds exactly the new files and ends where a fresh ingest of all ends. */
static void test_incremental(const char *src)
{
    char dir[512], ws[512], fresh[512];
    ws_path(dir, sizeof dir, "incoming");
    ws_path(ws, sizeof ws, "incremental");
    ws_path(fresh, sizeof fresh, "fresh");
    CHECK(mkdir(dir, 0755) == 0);
    static const char *const files[] = {"CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm",
                                        "rtplan.dcm", "MR_small_RLE.dcm", "SC_rgb_rle.dcm"};
    char from[800], to[800];
    for (int i = 0; i < 6; i++) {
        if (i == 3)
            CHECK(ingest(dir, ws, "2", "500", 0) == 0);
        snprintf(from, sizeof from, "%s/pydicom/test_files/%s", src, files[i]);
        snprintf(to, sizeof to, "%s/%s", dir, files[i]);
        CHECK_MSG(copy_file(from, to), "copy %s", from);
    }
    CHECK_EQ_INT(ingest(dir, ws, "2", "500", 0), 0);
    CHECK_EQ_INT(query_int(ws, "SELECT files_new FROM runs ORDER BY id DESC LIMIT 1"), 3);
    CHECK_EQ_INT(query_int(ws, "SELECT count(*) FROM files"), 6);
    CHECK_EQ_INT(ingest(dir, fresh, "1", "500", 0), 0);
    char *a = dump(ws), *b = dump(fresh);
    check_same_dump(a, b, "incremental vs fresh");
    free(a);
    free(b);

    /* A changed file is re-read, its old rows replaced. */
    int64_t dups = query_int(ws, "SELECT count(*) FROM files WHERE status = 'duplicate'");
    snprintf(from, sizeof from, "%s/pydicom/test_files/MR_small_RLE.dcm", src);
    snprintf(to, sizeof to, "%s/CT_small.dcm", dir);
    CHECK(copy_file(from, to));
    CHECK_EQ_INT(ingest(dir, ws, "1", "500", 0), 0);
    CHECK_EQ_INT(query_int(ws, "SELECT files_new FROM runs ORDER BY id DESC LIMIT 1"), 1);
    CHECK_EQ_INT(query_int(ws, "SELECT count(*) FROM files WHERE status = 'duplicate'"), dups + 1);
    CHECK_EQ_INT(query_int(ws, "SELECT count(*) FROM images WHERE modality = 'CT'"), 0);
}

int main(int argc, char **argv)
{
    radnet_bin = getenv("RADNET_BIN");
    const char *data = getenv("RADNET_TESTDATA");
    CHECK(radnet_bin != NULL && data != NULL && argc >= 2);
    if (radnet_bin == NULL || data == NULL || argc < 2)
        TEST_DONE();
    snprintf(tmp_root, sizeof tmp_root, "/tmp/rn_resume_XXXXXX");
    CHECK(mkdtemp(tmp_root) != NULL);
    char src[1024];
    if (strncmp(argv[1], "synth:", 6) == 0) {
        snprintf(src, sizeof src, "%s/archive", tmp_root);
        char *synth[] = {"radnet", "--quiet", "synth", "--out", src, "-n", argv[1] + 6,
                         "--size", "small", "--seed", "3", NULL};
        CHECK_EQ_INT(run_radnet(synth, 0), 0);
        snprintf(reports_path, sizeof reports_path, "%s/reports.csv", src);
    } else if (argv[1][0] == '/')
        snprintf(src, sizeof src, "%s", argv[1]);
    else
        snprintf(src, sizeof src, "%s/%s", data, argv[1]);
    struct stat st;
    CHECK_MSG(stat(src, &st) == 0, "test data missing: %s", src);
    int rounds = argc >= 3 ? atoi(argv[2]) : 6;
    const char *seed_env = getenv("RADNET_RESUME_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10)
                             : (unsigned)time(NULL) ^ (unsigned)getpid();
    fprintf(stderr, "seed %u (RADNET_RESUME_SEED to replay)\n", seed);
    if (stat(src, &st) == 0) {
        test_kill_and_resume(src, rounds, seed);
        test_incremental(data);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (rn_test_failures == 0)
        CHECK(system(cmd) == 0);
    else
        fprintf(stderr, "workspaces kept in %s\n", tmp_root);
    TEST_DONE();
}
