/* The ingest feed without a network (runs where Orthanc cannot): the real
 * files of $RADNET_TESTDATA/pydicom handed over in memory give the same
 * clustering set (SOP UID, Modality, region, thumbnail, elements) and the
 * same stats as the same files ingested from disk; a rerun skips every
 * object through the SOP lookup; a fetch error is a transient quarantine; a
 * feed that fails midway keeps what was committed and a rerun completes it
 * with nothing doubled. */
#include "radnet/store.h"
#include "rn_test.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 400

static char *files[MAX_FILES];
static size_t n_files;

typedef struct Feed {
    size_t next, fail_after; /* fail_after: 0 = never */
    bool add_broken;         /* one more object that could not be fetched */
    bool checked_lookup;
    uint64_t known;
} Feed;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n_files < MAX_FILES) {
        char path[4352];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_size < (8 << 20))
            files[n_files++] = strdup(path);
    }
    closedir(d);
    qsort(files, n_files, sizeof *files, by_name);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(len > 0 ? (size_t)len : 1);
    *n = len > 0 && fread(data, 1, (size_t)len, f) == (size_t)len ? (size_t)len : 0;
    fclose(f);
    return data;
}

static bool feed_next(void *user, RnInstanceLookup *lookup, RnIngestObject *out, RnError **err)
{
    Feed *f = user;
    for (;;) {
        if (f->fail_after > 0 && f->next == f->fail_after) {
            rn_error_set(err, RN_ERROR_IO, "feed: the server went away");
            return false;
        }
        if (f->next > n_files || (f->next == n_files && !f->add_broken))
            return false;
        char name[4200];
        snprintf(name, sizeof name, "test-feed:%s", f->next < n_files ? files[f->next] : "gone");
        bool known = false;
        if (!rn_instance_lookup_known(lookup, NULL, name, &known, err))
            return false;
        f->checked_lookup = true;
        if (known) {
            f->known++;
            f->next++;
            continue;
        }
        out->name = strdup(name);
        if (f->next == n_files) {
            out->error = strdup("HTTP 404: gone since the listing");
        } else {
            out->data = read_all(files[f->next], &out->size);
        }
        f->next++;
        return true;
    }
}

static bool ingest(const char *ws, Feed *feed, RnIngestSummary *sum, RnError **err)
{
    RnIngestOptions o;
    rn_ingest_options_init(&o);
    o.threads = 2;
    o.batch_files = 4;
    RnIngestFeed f = {feed_next, feed};
    const char *src[] = {"test-feed"};
    if (feed != NULL) {
        o.sources = src;
        o.n_sources = 1;
        o.feed = &f;
    } else {
        o.sources = (const char *const *)files;
        o.n_sources = n_files;
    }
    return rn_ingest(ws, &o, sum, err);
}

/* The clustering set of a workspace as text (stats: with_stats). */
static char *dump(const char *ws, bool with_stats)
{
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, &err);
    RnBuf b = RN_BUF_INIT;
    RnImageCursor *c = s && !with_stats
                           ? rn_image_cursor_open(s, RN_CURSOR_THUMBS | RN_CURSOR_ELEMENTS, &err)
                           : NULL;
    RnImageRow row;
    while (c != NULL && rn_image_cursor_next(c, &row, &err)) {
        rn_buf_printf(&b, &err, "%s|%s|%s|%s|", row.sop_uid, row.modality, row.region,
                      row.elements_json);
        for (uint32_t i = 0; row.thumb && i < row.thumb_size * row.thumb_size; i++)
            rn_buf_printf(&b, &err, "%02x", row.thumb[i]);
        rn_buf_append_str(&b, "\n", &err);
    }
    rn_image_cursor_close(c);
    if (s != NULL && with_stats)
        rn_store_stats_json(s, &b, &err);
    rn_store_close(s);
    CHECK_MSG(err == NULL, "%s: %s", ws, err ? rn_error_message(err) : "");
    rn_error_free(err);
    rn_buf_append(&b, "", 1, NULL);
    return (char *)b.data;
}

static void check_same(const char *ws_a, const char *ws_b, bool stats, const char *what)
{
    char *a = dump(ws_a, stats), *b = dump(ws_b, stats);
    CHECK_MSG(a && b && strlen(a) > 2 && strcmp(a, b) == 0, "%s: %s differ:\n%.600s\n--\n%.600s",
              what, stats ? "stats" : "clustering sets", a ? a : "", b ? b : "");
    free(a);
    free(b);
}

int main(void)
{
    const char *data = getenv("RADNET_TESTDATA");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/pydicom/test_files", data ? data : "tests/data");
    list_files(dir);
    if (n_files < 20) {
        printf("SKIP: no test corpus under %s\n", dir);
        return 77;
    }
    char tmpl[] = "/tmp/rn_feed_XXXXXX";
    char *tmp = mkdtemp(tmpl);
    char ws_disk[256], ws_feed[256], ws_cut[256];
    snprintf(ws_disk, sizeof ws_disk, "%s/disk", tmp);
    snprintf(ws_feed, sizeof ws_feed, "%s/feed", tmp);
    snprintf(ws_cut, sizeof ws_cut, "%s/cut", tmp);
    RnError *err = NULL;
    RnIngestSummary sum;

    CHECK(ingest(ws_disk, NULL, &sum, &err));
    Feed feed = {0};
    CHECK(ingest(ws_feed, &feed, &sum, &err));
    CHECK(feed.checked_lookup);
    CHECK_EQ_INT(sum.files_seen, n_files);
    CHECK_EQ_INT(sum.files_new, n_files);
    check_same(ws_disk, ws_feed, false, "disk vs feed");
    check_same(ws_disk, ws_feed, true, "disk vs feed");

    /* rerun: every object known, nothing fetched */
    Feed again = {0};
    CHECK(ingest(ws_feed, &again, &sum, &err));
    CHECK_EQ_INT(again.known, n_files);
    CHECK_EQ_INT(sum.files_new, 0);
    CHECK_EQ_INT(sum.files_unchanged, n_files);

    /* a feed that fails midway: an error, what was committed stays, and
     * the rerun completes to the same set */
    Feed cut = {.fail_after = n_files / 2};
    CHECK(!ingest(ws_cut, &cut, &sum, &err));
    CHECK(err != NULL && strstr(rn_error_message(err), "server went away") != NULL);
    rn_error_free(err);
    err = NULL;
    Feed rest = {0};
    CHECK(ingest(ws_cut, &rest, &sum, &err));
    CHECK(rest.known > 0 && rest.known <= n_files / 2);
    CHECK_EQ_INT(sum.files_new + rest.known, n_files);
    check_same(ws_disk, ws_cut, false, "disk vs cut feed, resumed");
    check_same(ws_disk, ws_cut, true, "disk vs cut feed, resumed");

    /* an object that could not be fetched: transient quarantine, retried */
    Feed broken = {.add_broken = true};
    CHECK(ingest(ws_feed, &broken, &sum, &err));
    CHECK_EQ_INT(sum.files_new, 1);
    CHECK_EQ_INT(sum.quarantined, 1);
    Feed broken2 = {.add_broken = true};
    CHECK(ingest(ws_feed, &broken2, &sum, &err));
    CHECK_EQ_INT(broken2.known, n_files);
    CHECK_EQ_INT(sum.files_new, 1); /* tried again */
    CHECK(err == NULL);
    rn_error_free(err);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);
    for (size_t i = 0; i < n_files; i++)
        free(files[i]);
    TEST_DONE();
}
