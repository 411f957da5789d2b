/* PV-DBOW paragraph vectors: see doc2vec.h. */
#include "embed/doc2vec.h"

#include "embed/strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_DOMAIN 2147483647u /* gensim's cum_table domain, 2^31 - 1 */
#define MAX_DIM 4096u
#define MAX_VOCAB (1u << 26)
#define GUIDE_SHIFT 16u
#define GUIDE_BUCKETS ((TABLE_DOMAIN >> GUIDE_SHIFT) + 1u)

struct RnD2v {
    RnD2vOptions opt;
    RnStrMap words;        /* index = vocabulary id (count desc, then bytes) */
    uint64_t *counts;
    uint32_t *sample_int;  /* keep a word when sample_int >= a random u32 */
    uint32_t *cum_table;   /* unigram^0.75 cumulative table */
    uint32_t *guide;       /* GUIDE_BUCKETS + 1: first word with cum_table > b << GUIDE_SHIFT */
    float *syn1neg;        /* vocab × dim output weights */
    float *docvecs;        /* training documents × dim */
    size_t n_docs;
};

RnD2vOptions rn_d2v_options_default(void)
{
    return (RnD2vOptions){.dim = 64, .negative = 5, .epochs = 20, .min_count = 2,
                          .sample = 1e-3, .alpha = 0.025, .min_alpha = 0.0001, .seed = 1,
                          .threads = 1};
}

/* ---- randomness (per document streams: independent of thread count) ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t next_u64(uint64_t *s)
{
    return mix64(*s += 0x9E3779B97F4A7C15ull);
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* gensim's pseudorandom_weak_vector: uniform in [-0.5, 0.5) / dim. */
static void weak_vector(float *v, size_t dim, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < dim; i++)
        v[i] = (float)(((double)(next_u64(&s) >> 11) / 9007199254740992.0 - 0.5) / (double)dim);
}

/* ---- vocabulary ------------------------------------------------------------ */

/* Calls fn for every space-separated token of doc. */
#define FOR_TOKENS(doc, tok, len, body)                                      \
    for (const char *tok = (doc), *e_; *tok; tok = *e_ ? e_ + 1 : e_) {      \
        e_ = strchr(tok, ' ');                                               \
        if (!e_)                                                             \
            e_ = tok + strlen(tok);                                          \
        size_t len = (size_t)(e_ - tok);                                     \
        if (len) {                                                           \
            body                                                             \
        }                                                                    \
    }

typedef struct WordCount {
    const char *word;
    uint32_t len;
    uint64_t count;
} WordCount;

static int cmp_count(const void *a, const void *b)
{
    const WordCount *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

static bool build_vocab(RnD2v *m, const char *const *docs, size_t n, RnError **err)
{
    RnStrMap all = RN_STRMAP_INIT;
    uint64_t *cnt = NULL;
    size_t cap = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        FOR_TOKENS(docs[i] ? docs[i] : "", tok, len, {
            int64_t id = rn_strmap_find(&all, tok, len, true, err);
            if (id < 0 || all.n > MAX_VOCAB) {
                ok = false;
                break;
            }
            if (all.n > cap) {
                uint64_t *p = rn_realloc(cnt, all.cap_keys * sizeof *p, err);
                if (!p) {
                    ok = false;
                    break;
                }
                memset(p + cap, 0, (all.cap_keys - cap) * sizeof *p);
                cnt = p;
                cap = all.cap_keys;
            }
            cnt[id]++;
        })
    }
    if (ok && all.n > MAX_VOCAB)
        rn_error_set(err, RN_ERROR_LIMIT, "doc2vec: more than %u distinct words", MAX_VOCAB);
    WordCount *wc = ok ? rn_calloc(all.n ? all.n : 1, sizeof *wc, err) : NULL;
    size_t kept = 0;
    for (size_t w = 0; wc && w < all.n; w++)
        if (cnt[w] >= m->opt.min_count)
            wc[kept++] = (WordCount){rn_strmap_key(&all, w), (uint32_t)rn_strmap_key_len(&all, w),
                                     cnt[w]};
    ok = wc != NULL;
    if (ok)
        qsort(wc, kept, sizeof *wc, cmp_count);
    ok = ok && (m->counts = rn_calloc(kept ? kept : 1, sizeof *m->counts, err));
    for (size_t w = 0; ok && w < kept; w++) {
        ok = rn_strmap_find(&m->words, wc[w].word, wc[w].len, true, err) == (int64_t)w;
        m->counts[w] = wc[w].count;
    }
    free(wc);
    free(cnt);
    rn_strmap_free(&all);
    return ok;
}

/* Downsampling thresholds and the negative-sampling table (gensim's
 * prepare_vocab and make_cum_table), derived from the counts. */
static bool derive_tables(RnD2v *m, RnError **err)
{
    size_t V = m->words.n;
    m->sample_int = rn_calloc(V ? V : 1, sizeof *m->sample_int, err);
    m->cum_table = m->sample_int ? rn_calloc(V ? V : 1, sizeof *m->cum_table, err) : NULL;
    m->guide = m->cum_table ? rn_calloc(GUIDE_BUCKETS + 1, sizeof *m->guide, err) : NULL;
    if (!m->guide)
        return false;
    double total = 0, pow_total = 0;
    for (size_t w = 0; w < V; w++) {
        total += (double)m->counts[w];
        pow_total += pow((double)m->counts[w], 0.75);
    }
    double threshold = m->opt.sample * total;
    double cum = 0;
    for (size_t w = 0; w < V; w++) {
        double c = (double)m->counts[w];
        double p = 1.0;
        if (m->opt.sample > 0) {
            p = (sqrt(c / threshold) + 1.0) * (threshold / c);
            if (p > 1.0)
                p = 1.0;
        }
        double s = round(p * 4294967296.0);
        m->sample_int[w] = s >= 4294967295.0 ? UINT32_MAX : (uint32_t)s;
        cum += pow(c, 0.75);
        m->cum_table[w] = (uint32_t)round(cum / pow_total * TABLE_DOMAIN);
    }
    /* a draw r of bucket b = r >> GUIDE_SHIFT lands in [guide[b], guide[b + 1]] */
    size_t w = 0;
    for (size_t b = 0; V && b <= GUIDE_BUCKETS; b++) {
        uint64_t edge = (uint64_t)b << GUIDE_SHIFT;
        while (w + 1 < V && m->cum_table[w] <= edge)
            w++;
        m->guide[b] = (uint32_t)w;
    }
    return true;
}

/* A noise word: the first index whose cum_table entry exceeds a draw (as
 * gensim's bisect), searched branchlessly (random draws mispredict every
 * other branch) within the guide's bracket of the draw's bucket. */
uint32_t rn_d2v_noise_word(const RnD2v *m, uint32_t r)
{
    size_t b = r >> GUIDE_SHIFT;
    const uint32_t *base = m->cum_table + m->guide[b];
    for (size_t len = m->guide[b + 1] - m->guide[b] + 1; len > 1;) {
        size_t half = len / 2;
        base = base[half] <= r ? base + half : base;
        len -= half;
    }
    return (uint32_t)(base - m->cum_table) + (base[0] <= r);
}

const uint32_t *rn_d2v_cum_table(const RnD2v *m)
{
    return m->cum_table;
}

static uint32_t draw_negative(const RnD2v *m, uint64_t *rng)
{
    return rn_d2v_noise_word(m, (uint32_t)(next_u64(rng) % m->cum_table[m->words.n - 1]));
}

/* ---- the PV-DBOW step ---------------------------------------------------------- */

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Dot product in eight fixed lanes: vectorisable without reassociation, so
 * the same bits on every machine and thread count. */
static float dot(const float *a, const float *b, size_t n)
{
    float lane[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            lane[j] += a[i + j] * b[i + j];
    for (; i < n; i++)
        lane[i & 7] += a[i] * b[i];
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
           ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

/* A shard's private view of the output weights during one training round:
 * the rows it touched, copied from the round's snapshot on first touch and
 * updated sequentially by the shard alone; merged back in shard order. */
typedef struct Shard {
    int32_t *slot;      /* V entries: local row of a word, -1 untouched */
    uint32_t *words;    /* touched words, first-touch order */
    float *rows;        /* n × dim: the shard's current rows */
    size_t n, cap;
    float *work;
    double loss;
} Shard;

static float *shard_row(Shard *s, const float *syn1neg, uint32_t w, size_t dim)
{
    int32_t k = s->slot[w];
    if (k < 0) {
        k = (int32_t)s->n++;
        s->slot[w] = k;
        s->words[k] = w;
        memcpy(s->rows + (size_t)k * dim, syn1neg + (size_t)w * dim, dim * sizeof(float));
    }
    return s->rows + (size_t)k * dim;
}

/* One document pass: every kept word is predicted from the document vector
 * with negative sampling. Output rows come from the shard when training
 * (sh non-NULL), from the frozen syn1neg when inferring. Returns the
 * summed loss if wanted (0 otherwise). */
static double dbow_document(const RnD2v *m, const float *syn1neg, Shard *sh, float *doc,
                            const uint32_t *ids, size_t n_ids, double alpha, bool want_loss,
                            uint64_t *rng, float *work)
{
    size_t dim = m->opt.dim;
    double loss = 0;
    for (size_t t = 0; t < n_ids; t++) {
        uint32_t word = ids[t];
        if (m->sample_int[word] < (uint32_t)next_u64(rng))
            continue;
        memset(work, 0, dim * sizeof *work);
        for (unsigned d = 0; d <= m->opt.negative; d++) {
            uint32_t target = word;
            double label = 1.0;
            if (d > 0) {
                target = draw_negative(m, rng);
                if (target == word)
                    continue;
                label = 0.0;
            }
            float *out = sh ? shard_row(sh, syn1neg, target, dim)
                            : (float *)syn1neg + (size_t)target * dim;
            double s = sigmoid(dot(doc, out, dim));
            if (want_loss)
                loss -= log(label > 0 ? s + 1e-12 : 1.0 - s + 1e-12);
            float g = (float)((label - s) * alpha);
            for (size_t i = 0; i < dim; i++)
                work[i] += g * out[i];
            if (sh)
                for (size_t i = 0; i < dim; i++)
                    out[i] += g * doc[i];
        }
        for (size_t i = 0; i < dim; i++)
            doc[i] += work[i];
    }
    return loss;
}

/* Vocabulary ids of a document's tokens (unknown words skipped). */
static bool doc_ids(const RnD2v *m, const char *doc, uint32_t **ids, size_t *n, size_t *cap,
                    RnError **err)
{
    *n = 0;
    bool ok = true;
    FOR_TOKENS(doc ? doc : "", tok, len, {
        int64_t id = rn_strmap_find((RnStrMap *)&m->words, tok, len, false, NULL);
        if (id < 0)
            continue;
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            uint32_t *p = rn_realloc(*ids, c * sizeof *p, err);
            if (!p) {
                ok = false;
                break;
            }
            *ids = p;
            *cap = c;
        }
        (*ids)[(*n)++] = (uint32_t)id;
    })
    return ok;
}

/* ---- training: fixed shards, merged in order ------------------------------------- */

/* Training runs in rounds of D2V_SHARDS × D2V_ROUND_DOCS consecutive
 * documents. In a round every shard trains its slice of the documents
 * against the round's snapshot of the output weights (its own updates
 * visible to itself, like one gensim worker), then the shards' changes are
 * added to the weights in shard order. Shards and rounds depend only on
 * the corpus, so the model is the same bits whatever the thread count; the
 * threads only decide how many shards run at once. Document vectors are
 * private to their document and need no merging. */
#define D2V_SHARDS 8u
#define D2V_ROUND_DOCS 32u

typedef struct Corpus {
    uint32_t *ids;  /* every document's vocabulary ids, concatenated */
    size_t *start;  /* n + 1 offsets into ids */
} Corpus;

typedef struct TrainJob {
    RnD2v *m;
    const Corpus *c;
    Shard shard[D2V_SHARDS];
    size_t round_begin, round_end; /* documents of the current round */
    unsigned epoch;
    bool want_loss;
} TrainJob;

static bool tokenize_corpus(const RnD2v *m, const char *const *docs, size_t n, Corpus *c,
                            RnError **err)
{
    size_t cap = 0, n_ids = 0, total = 0;
    uint32_t *ids = NULL, *tmp = NULL;
    size_t tcap = 0;
    c->start = rn_calloc(n + 1, sizeof *c->start, err);
    bool ok = c->start != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = doc_ids(m, docs[i], &tmp, &n_ids, &tcap, err);
        if (ok && total + n_ids > cap) {
            size_t want = (total + n_ids) * 2;
            uint32_t *p = rn_realloc(ids, want * sizeof *p, err);
            ok = p != NULL;
            if (ok) {
                ids = p;
                cap = want;
            }
        }
        if (ok && n_ids)
            memcpy(ids + total, tmp, n_ids * sizeof *ids);
        total += ok ? n_ids : 0;
        c->start[i + 1] = total;
    }
    free(tmp);
    c->ids = ids;
    return ok;
}

/* Room for every row a shard may touch in [begin, end): at most
 * negative + 1 per token, at most the vocabulary. */
static bool shard_reserve(Shard *s, const RnD2v *m, const Corpus *c, size_t begin, size_t end,
                          RnError **err)
{
    size_t V = m->words.n, dim = m->opt.dim;
    size_t need = (c->start[end] - c->start[begin]) * (m->opt.negative + 1);
    if (need > V)
        need = V;
    if (!s->slot) {
        s->slot = rn_calloc(V, sizeof *s->slot, err);
        s->work = s->slot ? rn_calloc(dim, sizeof *s->work, err) : NULL;
        if (!s->work)
            return false;
        memset(s->slot, 0xff, V * sizeof *s->slot);
    }
    if (need <= s->cap)
        return true;
    uint32_t *w = rn_realloc(s->words, need * sizeof *w, err);
    if (w)
        s->words = w;
    float *r = w ? rn_realloc(s->rows, need * dim * sizeof *r, err) : NULL;
    if (r) {
        s->rows = r;
        s->cap = need;
    }
    return r != NULL;
}

static void shard_free(Shard *s)
{
    free(s->slot);
    free(s->words);
    free(s->rows);
    free(s->work);
}

static bool train_shard(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)begin;
    (void)end;
    TrainJob *j = ctx;
    RnD2v *m = j->m;
    Shard *s = &j->shard[part];
    size_t n = m->n_docs, dim = m->opt.dim, span = j->round_end - j->round_begin;
    size_t b = j->round_begin + rn_part_begin(span, D2V_SHARDS, part);
    size_t e = j->round_begin + rn_part_begin(span, D2V_SHARDS, part + 1);
    s->loss = 0;
    if (!shard_reserve(s, m, j->c, b, e, err))
        return false;
    for (size_t i = b; i < e; i++) {
        double progress = ((double)j->epoch + (double)i / (double)n) / (double)m->opt.epochs;
        double alpha = m->opt.alpha - (m->opt.alpha - m->opt.min_alpha) * progress;
        uint64_t rng = mix64(m->opt.seed ^ mix64(((uint64_t)j->epoch << 40) ^ i));
        const uint32_t *ids = j->c->ids + j->c->start[i];
        s->loss += dbow_document(m, m->syn1neg, s, m->docvecs + i * dim, ids,
                                 j->c->start[i + 1] - j->c->start[i], alpha, j->want_loss, &rng,
                                 s->work);
    }
    return true;
}

/* Adds every shard's change to the rows of words [begin, end), shards in
 * order, and forgets the shards' copies of those rows: first every copy
 * becomes its change against the snapshot, then the changes are added.
 * Each row sums in shard order whatever the word ranges, so there is one
 * range per thread (each range scans every shard's list of touched words). */
static bool merge_words(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    (void)err;
    TrainJob *j = ctx;
    size_t dim = j->m->opt.dim;
    float *syn1neg = j->m->syn1neg;
    for (unsigned sh = 0; sh < D2V_SHARDS; sh++) {
        Shard *s = &j->shard[sh];
        for (size_t k = 0; k < s->n; k++) {
            uint32_t w = s->words[k];
            if (w < begin || w >= end)
                continue;
            float *now = s->rows + k * dim;
            const float *was = syn1neg + (size_t)w * dim;
            for (size_t i = 0; i < dim; i++)
                now[i] -= was[i];
        }
    }
    for (unsigned sh = 0; sh < D2V_SHARDS; sh++) {
        Shard *s = &j->shard[sh];
        for (size_t k = 0; k < s->n; k++) {
            uint32_t w = s->words[k];
            if (w < begin || w >= end)
                continue;
            float *dst = syn1neg + (size_t)w * dim;
            const float *change = s->rows + k * dim;
            for (size_t i = 0; i < dim; i++)
                dst[i] += change[i];
            s->slot[w] = -1;
        }
    }
    return true;
}

static bool train_epochs(RnD2v *m, const Corpus *c, int threads, double *loss, RnError **err)
{
    TrainJob *j = rn_calloc(1, sizeof *j, err);
    RnPool *pool = j ? rn_pool_open(threads, err) : NULL;
    bool ok = pool != NULL;
    size_t n = m->n_docs, per_round = (size_t)D2V_SHARDS * D2V_ROUND_DOCS;
    if (ok) {
        j->m = m;
        j->c = c;
        j->want_loss = loss != NULL;
    }
    for (unsigned ep = 0; ok && ep < m->opt.epochs; ep++) {
        double sum = 0;
        j->epoch = ep;
        for (size_t r = 0; ok && r < n; r += per_round) {
            j->round_begin = r;
            j->round_end = r + per_round < n ? r + per_round : n;
            ok = rn_pool_for(pool, D2V_SHARDS, D2V_SHARDS, train_shard, j, err) &&
                 rn_pool_for(pool, m->words.n, (size_t)rn_pool_threads(pool), merge_words, j,
                             err);
            for (unsigned sh = 0; ok && sh < D2V_SHARDS; sh++) {
                sum += j->shard[sh].loss;
                j->shard[sh].n = 0;
            }
        }
        size_t terms = c->start[n] * (m->opt.negative + 1);
        if (loss)
            loss[ep] = terms ? sum / (double)terms : 0.0;
    }
    for (unsigned sh = 0; j && sh < D2V_SHARDS; sh++)
        shard_free(&j->shard[sh]);
    rn_pool_close(pool);
    free(j);
    return ok;
}

/* The model file stores these as float32: train with what a reload sees.
 * Not inlined: with the conversions written inline after the struct copy,
 * GCC 12 -O3 left sample and alpha unrounded in the trained model (seen in
 * the model, not in -O0 builds), which then inferred other bits than its
 * reload (test_embed_text_methods). */
__attribute__((noinline)) static double as_stored(double v)
{
    return (float)v;
}

static bool options_valid(const RnD2vOptions *o, RnError **err)
{
    if (o->dim < 1 || o->dim > MAX_DIM || o->epochs < 1 || o->epochs > 1000 ||
        o->negative < 1 || o->negative > 100 || o->min_count < 1 || !(o->sample >= 0) ||
        !(o->alpha > 0) || !(o->min_alpha >= 0) || o->min_alpha > o->alpha) {
        rn_error_set(err, RN_ERROR_INVALID, "doc2vec: bad options");
        return false;
    }
    return true;
}

RnD2v *rn_d2v_train(const char *const *docs, size_t n, const RnD2vOptions *o, double *loss,
                    RnError **err)
{
    if (!options_valid(o, err))
        return NULL;
    RnD2v *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->opt = *o;
    m->opt.sample = as_stored(o->sample);
    m->opt.alpha = as_stored(o->alpha);
    m->opt.min_alpha = as_stored(o->min_alpha);
    m->n_docs = n;
    bool ok = build_vocab(m, docs, n, err) && derive_tables(m, err) &&
              (m->syn1neg = rn_calloc(m->words.n ? m->words.n : 1, o->dim * sizeof(float), err)) &&
              (m->docvecs = rn_calloc(n ? n : 1, o->dim * sizeof(float), err));
    for (size_t i = 0; ok && i < n; i++)
        weak_vector(m->docvecs + i * o->dim, o->dim, mix64(o->seed ^ 0xD0C5ull) ^ mix64(i));
    Corpus c = {0};
    if (ok && m->words.n)
        ok = tokenize_corpus(m, docs, n, &c, err) && train_epochs(m, &c, o->threads, loss, err);
    else if (ok && loss)
        memset(loss, 0, o->epochs * sizeof *loss);
    free(c.ids);
    free(c.start);
    if (!ok) {
        rn_d2v_free(m);
        return NULL;
    }
    return m;
}

size_t rn_d2v_dim(const RnD2v *m)
{
    return m->opt.dim;
}

size_t rn_d2v_vocab(const RnD2v *m)
{
    return m->words.n;
}

const float *rn_d2v_train_vectors(const RnD2v *m)
{
    return m->docvecs;
}

/* ---- inference ------------------------------------------------------------------- */

typedef struct InferJob {
    const RnD2v *m;
    const char *const *docs;
    float *out;
    bool *known;
} InferJob;

static bool infer_one(const RnD2v *m, const char *doc, float *v, bool *known, uint32_t **ids,
                      size_t *cap, float *work, RnError **err)
{
    size_t n_ids, dim = m->opt.dim;
    if (!doc_ids(m, doc, ids, &n_ids, cap, err))
        return false;
    *known = n_ids > 0;
    if (!n_ids) {
        memset(v, 0, dim * sizeof *v);
        return true;
    }
    uint64_t h = hash_text(doc);
    weak_vector(v, dim, mix64(m->opt.seed ^ h));
    uint64_t rng = mix64(h ^ 0x1F3Dull ^ m->opt.seed);
    unsigned epochs = m->opt.epochs;
    double alpha = m->opt.alpha;
    double delta = (m->opt.alpha - m->opt.min_alpha) / (epochs > 1 ? epochs - 1 : 1);
    for (unsigned ep = 0; ep < epochs; ep++) {
        dbow_document(m, m->syn1neg, NULL, v, *ids, n_ids, alpha, false, &rng, work);
        alpha -= delta;
    }
    return true;
}

static bool infer_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    InferJob *j = ctx;
    size_t dim = j->m->opt.dim, cap = 0;
    uint32_t *ids = NULL;
    float *work = rn_calloc(dim, sizeof *work, err);
    bool ok = work != NULL;
    for (size_t i = begin; ok && i < end; i++) {
        bool known = false;
        ok = infer_one(j->m, j->docs[i], j->out + i * dim, &known, &ids, &cap, work, err);
        if (j->known)
            j->known[i] = known;
    }
    free(ids);
    free(work);
    return ok;
}

bool rn_d2v_infer(const RnD2v *m, const char *const *docs, size_t n, int threads, float *out,
                  bool *known, RnError **err)
{
    RnPool *pool = rn_pool_open(threads, err);
    if (!pool)
        return false;
    InferJob job = {m, docs, out, known};
    bool ok = rn_pool_for(pool, n, n < 256 ? (n ? n : 1) : 256, infer_part, &job, err);
    rn_pool_close(pool);
    return ok;
}

/* ---- payload ------------------------------------------------------------------------ */

void rn_d2v_free(RnD2v *m)
{
    if (!m)
        return;
    rn_strmap_free(&m->words);
    free(m->counts);
    free(m->sample_int);
    free(m->cum_table);
    free(m->guide);
    free(m->syn1neg);
    free(m->docvecs);
    free(m);
}

bool rn_d2v_save(const RnD2v *m, RnBuf *out, RnError **err)
{
    const RnD2vOptions *o = &m->opt;
    bool ok = eb_put_u64(out, o->dim, err) && eb_put_u32(out, o->negative, err) &&
              eb_put_u32(out, o->epochs, err) && eb_put_u32(out, o->min_count, err) &&
              eb_put_f32(out, (float)o->sample, err) && eb_put_f32(out, (float)o->alpha, err) &&
              eb_put_f32(out, (float)o->min_alpha, err) && eb_put_u64(out, o->seed, err) &&
              eb_put_u64(out, m->words.n, err);
    for (size_t w = 0; ok && w < m->words.n; w++)
        ok = eb_put_str(out, rn_strmap_key(&m->words, w), err) &&
             eb_put_u64(out, m->counts[w], err);
    return ok && eb_put_f32s(out, m->syn1neg, m->words.n * o->dim, err);
}

RnD2v *rn_d2v_load(EbReader *r, RnError **err)
{
    RnD2v *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    RnD2vOptions *o = &m->opt;
    float sample, alpha, min_alpha;
    size_t V;
    bool ok = eb_get_size(r, 1, MAX_DIM, &o->dim, err) && eb_get_u32(r, &o->negative, err) &&
              eb_get_u32(r, &o->epochs, err) && eb_get_u32(r, &o->min_count, err) &&
              eb_get_f32(r, &sample, err) && eb_get_f32(r, &alpha, err) &&
              eb_get_f32(r, &min_alpha, err) && eb_get_u64(r, &o->seed, err) &&
              eb_get_size(r, 0, (r->n - r->pos) / 12, &V, err);
    if (ok) {
        o->sample = sample;
        o->alpha = alpha;
        o->min_alpha = min_alpha;
        ok = options_valid(o, err) && (m->counts = rn_calloc(V ? V : 1, sizeof *m->counts, err));
    }
    for (size_t w = 0; ok && w < V; w++) {
        char *word = eb_get_str(r, RN_STRMAP_MAX_KEY_BYTES, err);
        ok = word && eb_get_u64(r, &m->counts[w], err) && m->counts[w] > 0 &&
             rn_strmap_find(&m->words, word, strlen(word), true, err) == (int64_t)w;
        if (word && !ok)
            rn_error_set(err, RN_ERROR_PARSE, "doc2vec model: bad vocabulary");
        free(word);
    }
    ok = ok && derive_tables(m, err) &&
         (m->syn1neg = eb_get_f32s_alloc(r, V * o->dim, err)) != NULL;
    if (!ok) {
        rn_d2v_free(m);
        return NULL;
    }
    return m;
}
