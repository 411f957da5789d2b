/* PV-DBOW internals (doc2vec.c): the guided branchless noise-word search
 * against a plain linear scan of the cumulative table, and training that
 * gives the same model bytes at 1, 2 and 3 threads (the shards run in
 * order on one thread: that run is the plain reference of the merge). */
#include "embed/doc2vec.h"
#include "rn_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_DOCS 1500
#define WORDS_PER_DOC 18

/* A Zipf-like corpus: a long tail of rare words fills the table's buckets
 * unevenly, which is what the guide must bracket. */
static char **make_corpus(void)
{
    char **docs = calloc(N_DOCS, sizeof *docs);
    uint64_t s = 12345;
    for (size_t i = 0; docs && i < N_DOCS; i++) {
        docs[i] = calloc(WORDS_PER_DOC * 8 + 1, 1);
        if (!docs[i])
            return docs;
        for (size_t k = 0; k < WORDS_PER_DOC; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(s >> 11) / 9007199254740992.0;
            unsigned w = (unsigned)(u * u * u * 3000.0); /* heavy head, long tail */
            char tok[16];
            snprintf(tok, sizeof tok, "%sw%u", k ? " " : "", w + (unsigned)(i % 5) * 3000);
            strcat(docs[i], tok);
        }
    }
    return docs;
}

static uint32_t noise_reference(const uint32_t *cum, size_t V, uint32_t r)
{
    size_t w = 0;
    while (cum[w] <= r)
        w++;
    return (uint32_t)w;
}

static void check_noise_words(const RnD2v *m)
{
    size_t V = rn_d2v_vocab(m);
    const uint32_t *cum = rn_d2v_cum_table(m);
    CHECK_MSG(V > 1000, "vocabulary %zu", V);
    size_t bad = 0, tried = 0;
    uint64_t s = 99;
    for (size_t k = 0; k < 200000; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t r = (uint32_t)((s >> 20) % cum[V - 1]);
        bad += rn_d2v_noise_word(m, r) != noise_reference(cum, V, r);
        tried++;
    }
    /* every table edge and both of its neighbours: where a search goes wrong */
    for (size_t w = 0; w < V; w++)
        for (int64_t d = -1; d <= 1; d++) {
            int64_t r = (int64_t)cum[w] + d;
            if (r < 0 || r >= (int64_t)cum[V - 1])
                continue;
            bad += rn_d2v_noise_word(m, (uint32_t)r) != noise_reference(cum, V, (uint32_t)r);
            tried++;
        }
    for (uint32_t b = 0; ((uint64_t)b << 16) < cum[V - 1]; b++) {
        uint32_t r = b << 16;
        bad += rn_d2v_noise_word(m, r) != noise_reference(cum, V, r);
        tried++;
    }
    CHECK_MSG(bad == 0, "%zu of %zu noise draws differ from the linear scan", bad, tried);
}

static RnBuf train_bytes(char **docs, int threads, RnD2v **keep)
{
    RnD2vOptions o = rn_d2v_options_default();
    o.dim = 20;
    o.epochs = 3;
    o.threads = threads;
    RnError *err = NULL;
    RnBuf b = RN_BUF_INIT;
    RnD2v *m = rn_d2v_train((const char *const *)docs, N_DOCS, &o, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (m) {
        CHECK(rn_d2v_save(m, &b, &err));
        CHECK(rn_buf_append(&b, rn_d2v_train_vectors(m), N_DOCS * o.dim * sizeof(float), &err));
    }
    rn_error_free(err);
    if (keep)
        *keep = m;
    else
        rn_d2v_free(m);
    return b;
}

int main(void)
{
    char **docs = make_corpus();
    CHECK(docs != NULL);
    if (!docs)
        TEST_DONE();
    RnD2v *m = NULL;
    RnBuf one = train_bytes(docs, 1, &m);
    if (m)
        check_noise_words(m);
    for (int t = 2; t <= 3; t++) {
        RnBuf more = train_bytes(docs, t, NULL);
        CHECK_MSG(more.len == one.len && memcmp(more.data, one.data, one.len) == 0,
                  "model at %d threads differs from 1 thread", t);
        rn_buf_free(&more);
    }
    rn_buf_free(&one);
    rn_d2v_free(m);
    for (size_t i = 0; i < N_DOCS; i++)
        free(docs[i]);
    free(docs);
    TEST_DONE();
}
