/* Crash safety of `radnet ingest`.
 *
 * Deterministic crash points: an LD_PRELOAD shim (powerloss_shim.c) counts
 * the events that change workspace files (writes, syncs, truncations) and
 * stops the process just before a chosen one. The crash points are every
 * event that starts a new run of events (another kind or another file): the
 * windows between writing a batch's thumbnails, syncing them, committing the
 * catalogue and rewriting the thumbnail header. At each, the workspace is
 * taken as a kill -9 leaves it (every write kept) and as a power loss may
 * leave it (each file independently at its last sync or as written), then
 * ingested to completion and compared with an uninterrupted run.
 *
 * Timed kills: kill -9 after pseudo-random delays (fixed seed, several
 * rounds, one with a commit after every file so kills land inside commits),
 * rerun to completion, and compare the canonical dump (every catalogue row
 * by natural keys + a hash of every thumbnail row) with an uninterrupted
 * run's. Also: -j 1 and -j 2 give the same catalogue, a rerun does no work,
 * and new files are added incrementally.
 *
 * usage: test_store_resume SRC [ROUNDS]   (SRC relative to $RADNET_TESTDATA,
 * absolute, or synth:N for a fresh N-file `radnet synth` archive). The shim
 * is $RADNET_PL_SHIM; the timed kills' seed can be changed with
 * RADNET_RESUME_SEED. */
#include "radnet/store.h"
#include "rn_test.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
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

/* Runs radnet with argv (NULL-terminated) and, when env is not NULL, the
 * extra "NAME=value" variables of env (NULL-terminated); returns the exit
 * status, or -1 when killed. delay_us > 0: SIGKILL after that many
 * microseconds. */
static int run_radnet_env(char *const argv[], long delay_us, char *const env[])
{
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv(env[i]);
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

static int run_radnet(char *const argv[], long delay_us)
{
    return run_radnet_env(argv, delay_us, NULL);
}

static int ingest_env(const char *src, const char *ws, const char *jobs, const char *batch,
                      long kill_after_us, char *const env[])
{
    char *argv[] = {"radnet", "--quiet", "ingest", (char *)src, "-w", (char *)ws, "-j",
                    (char *)jobs, "--batch", (char *)batch, "--reports", reports_path, NULL};
    if (reports_path[0] == 0)
        argv[10] = NULL;
    return run_radnet_env(argv, kill_after_us, env);
}

static int ingest(const char *src, const char *ws, const char *jobs, const char *batch,
                  long kill_after_us)
{
    return ingest_env(src, ws, jobs, batch, kill_after_us, NULL);
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

/* ---- deterministic crash points and power loss (powerloss_shim.c) ---- */

#define MAX_EVENTS 100000

typedef struct Events {
    char kind[MAX_EVENTS];
    char file[MAX_EVENTS][64];
    long n;
} Events;

static bool read_events(const char *path, Events *e)
{
    FILE *f = fopen(path, "r");
    e->n = 0;
    if (f == NULL)
        return false;
    char line[300];
    while (e->n < MAX_EVENTS && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        e->kind[e->n] = line[0];
        snprintf(e->file[e->n], sizeof e->file[0], "%.63s", line + 2);
        e->n++;
    }
    fclose(f);
    return true;
}

static bool sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* cksum of a file, "absent" when there is none. */
static void file_sum(const char *path, char *out, size_t n)
{
    snprintf(out, n, "absent");
    if (!exists(path))
        return;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cksum < '%.2000s'", path);
    FILE *p = popen(cmd, "r");
    if (p && fgets(out, (int)n, p))
        out[strcspn(out, "\n")] = 0;
    if (p)
        pclose(p);
}

/* True the first time a workspace state (its files' sums) is seen. */
static bool first_time(const char *state)
{
    static char *seen[4096];
    static size_t n_seen;
    for (size_t i = 0; i < n_seen; i++)
        if (strcmp(seen[i], state) == 0)
            return false;
    if (n_seen < sizeof seen / sizeof seen[0])
        seen[n_seen++] = strdup(state);
    return true;
}

/* One recovery: workspace `crashed` with each watched file replaced by its
 * current (kill -9) or durable (power loss) version as `pick` says, then a
 * complete ingest must end with the uninterrupted run's catalogue. */
static void recover_variant(const char *src, const char *crashed, const char *out,
                            char names[][64], int n_names, const bool *pick_current,
                            const char *want, int rc_want, const char *what)
{
    char ws[600];
    ws_path(ws, sizeof ws, "pl_variant");
    CHECK(sh("rm -rf '%s' && cp -a '%s' '%s' && rm -f '%s'/*-shm", ws, crashed, ws, ws));
    for (int i = 0; i < n_names; i++) {
        char from[800];
        snprintf(from, sizeof from, "%s/%s/%s", out, pick_current[i] ? "current" : "durable",
                 names[i]);
        if (exists(from))
            CHECK(sh("cp '%s' '%s/%s'", from, ws, names[i]));
        else
            CHECK(sh("rm -f '%s/%s'", ws, names[i]));
    }
    int rc = ingest(src, ws, "1", "1", 0);
    CHECK_MSG(rc == rc_want, "%s: resumed ingest exit %d, want %d", what, rc, rc_want);
    char *got = rc == rc_want ? dump(ws) : NULL;
    check_same_dump(want, got, what);
    free(got);
}

/* The watched files of a crash, and whether any differ between versions. */
static int crash_files(const char *out, char names[][64], int max)
{
    int n = 0;
    for (const char *sub = "current"; sub; sub = strcmp(sub, "current") ? NULL : "durable") {
        char list[700];
        snprintf(list, sizeof list, "ls '%s/%s' 2>/dev/null", out, sub);
        FILE *p = popen(list, "r");
        char line[256];
        while (p && fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = 0;
            bool seen = false;
            for (int i = 0; i < n; i++)
                seen = seen || strcmp(names[i], line) == 0;
            if (!seen && n < max)
                snprintf(names[n++], 64, "%.63s", line);
        }
        if (p)
            pclose(p);
    }
    return n;
}

/* The shim comes before the sanitizer runtime in the ASan build. */
static void asan_env(char *out, size_t n)
{
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(out, n, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
             asan ? ":" : "");
}

static void crash_at(const char *src, long at, const char *shim, const char *want,
                     int rc_want, int *variants)
{
    char ws[600], out[600];
    ws_path(ws, sizeof ws, "pl_crash");
    ws_path(out, sizeof out, "pl_out");
    CHECK(sh("rm -rf '%s' '%s' && mkdir '%s'", ws, out, out));
    char e_pre[700], e_dir[700], e_out[700], e_at[64], e_asan[700];
    snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", shim);
    snprintf(e_dir, sizeof e_dir, "RN_PL_DIR=%s", ws);
    snprintf(e_out, sizeof e_out, "RN_PL_OUT=%s", out);
    snprintf(e_at, sizeof e_at, "RN_PL_CRASH_AT=%ld", at);
    asan_env(e_asan, sizeof e_asan);
    char *env[] = {e_pre, e_dir, e_out, e_at, e_asan, NULL};
    /* The workspace exists before the run so the shim sees its files. */
    CHECK(mkdir(ws, 0755) == 0);
    int rc = ingest_env(src, ws, "1", "1", 0, env);
    char flag[700];
    snprintf(flag, sizeof flag, "%s/crashed", out);
    CHECK_MSG(rc == -1 && exists(flag), "crash at event %ld: exit %d", at, rc);
    if (rc != -1)
        return;
    char names[16][64];
    int n = crash_files(out, names, 16);
    /* kill -9 (all current), power loss (all durable), and each file alone
     * at the other version: the combinations that break an ordering. A
     * state already recovered from (at this or an earlier point) is not
     * run again. */
    for (int v = -2; v < 2 * n; v++) {
        bool pick[16];
        char state[2048] = "";
        for (int i = 0; i < n; i++) {
            pick[i] = v == -2 || (v >= 0 && (v % 2 ? i != v / 2 : i == v / 2));
            char path[1800], sum[64];
            snprintf(path, sizeof path, "%.1000s/%s/%.63s", out,
                     pick[i] ? "current" : "durable", names[i]);
            file_sum(path, sum, sizeof sum);
            size_t len = strlen(state);
            snprintf(state + len, sizeof state - len, "%.63s=%.63s;", names[i], sum);
        }
        if (!first_time(state))
            continue;
        char what[300];
        if (v < 0)
            snprintf(what, sizeof what, "crash before event %ld, %s", at,
                     v == -2 ? "kill -9" : "power loss");
        else
            snprintf(what, sizeof what, "crash before event %ld, power loss with only %s %s",
                     at, names[v / 2], v % 2 ? "lost" : "kept");
        recover_variant(src, ws, out, names, n, pick, want, rc_want, what);
        ++*variants;
    }
}

static void test_crash_points(const char *data)
{
    const char *shim = getenv("RADNET_PL_SHIM");
    CHECK_MSG(shim != NULL && exists(shim), "RADNET_PL_SHIM is not the shim library");
    if (shim == NULL || !exists(shim))
        return;
    char src[512], ref[512], ws[512], out[512], from[900], to[900];
    ws_path(src, sizeof src, "pl_src");
    ws_path(ref, sizeof ref, "pl_ref");
    ws_path(ws, sizeof ws, "pl_count");
    ws_path(out, sizeof out, "pl_count_out");
    CHECK(mkdir(src, 0755) == 0 && mkdir(out, 0755) == 0 && mkdir(ws, 0755) == 0);
    static const char *const files[] = {"CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm",
                                        "rtplan.dcm", "SC_rgb_rle.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(from, sizeof from, "%s/pydicom/test_files/%s", data, files[i]);
        snprintf(to, sizeof to, "%s/%s", src, files[i]);
        CHECK_MSG(copy_file(from, to), "copy %s", from);
    }
    int rc_ref = ingest(src, ref, "1", "1", 0);
    CHECK_EQ_INT(rc_ref, 0);
    char *want = dump(ref);

    /* A counting run: the shim changes nothing. */
    char e_pre[700], e_dir[700], e_out[700];
    snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", shim);
    snprintf(e_dir, sizeof e_dir, "RN_PL_DIR=%s", ws);
    snprintf(e_out, sizeof e_out, "RN_PL_OUT=%s", out);
    char e_asan[700];
    asan_env(e_asan, sizeof e_asan);
    char *env[] = {e_pre, e_dir, e_out, e_asan, NULL};
    CHECK_EQ_INT(ingest_env(src, ws, "1", "1", 0, env), rc_ref);
    char *counted = dump(ws);
    check_same_dump(want, counted, "ingest under the shim");
    free(counted);
    static Events ev;
    snprintf(from, sizeof from, "%s/events", out);
    CHECK_MSG(read_events(from, &ev) && ev.n > 0, "no events recorded in %s", from);
    int syncs = 0, points = 0, variants = 0;
    for (long i = 0; i < ev.n; i++) {
        syncs += ev.kind[i] == 's';
        bool starts_run = i == 0 || ev.kind[i] != ev.kind[i - 1] ||
                          strcmp(ev.file[i], ev.file[i - 1]) != 0;
        if (starts_run) {
            crash_at(src, i + 1, shim, want, rc_ref, &variants);
            points++;
        }
    }
    fprintf(stderr, "crash points: %ld events (%d syncs), %d points, %d recoveries\n", ev.n,
            syncs, points, variants);
    CHECK_MSG(syncs > 0, "the ingest never synced a workspace file");
    free(want);
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
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : 20261206u;
    fprintf(stderr, "seed %u (RADNET_RESUME_SEED to change)\n", seed);
    if (stat(src, &st) == 0) {
        test_crash_points(data);
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
