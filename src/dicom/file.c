/* The parsed file: a tree of data sets built on the walker. Every value
 * lives in one arena per file; element arrays are gathered in reusable
 * per-depth vectors and copied into the arena once per data set, so there
 * is no allocation per element. */
#include "dicom/dict.h"
#include "dicom/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena -------------------------------------------------------------- */

struct RnArenaChunk {
    RnArenaChunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_CHUNK (64u * 1024u)

void *rn_arena_alloc(RnArena *a, size_t n, RnError **err)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    RnArenaChunk *c = a->head;
    if (c == NULL || c->cap - c->used < n) {
        if (a->limit && a->total + n > a->limit) {
            rn_error_set(err, RN_ERROR_LIMIT, "values exceed %llu bytes in memory",
                         (unsigned long long)a->limit);
            return NULL;
        }
        size_t cap = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
        RnArenaChunk *nc = rn_malloc(sizeof *nc + cap, err);
        if (nc == NULL)
            return NULL;
        nc->used = 0;
        nc->cap = cap;
        a->total += cap;
        /* A big value gets its own chunk behind the current one so that
         * the current chunk's free space is not wasted. */
        if (c != NULL && cap != ARENA_CHUNK) {
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = (uint8_t *)c->data + c->used;
    c->used += n;
    return p;
}

void rn_arena_free(RnArena *a)
{
    RnArenaChunk *c = a->head;
    while (c) {
        RnArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---- builder ------------------------------------------------------------ */

typedef struct ElemVec {
    RnElement *v;
    size_t n, cap;
} ElemVec;

typedef struct Level {
    ElemVec els;
    RnDataSet *ds;
    RnDataSet **items;   /* items of the sequence open at this level */
    size_t nitems, items_cap;
    size_t seq_index;
} Level;

typedef struct Builder {
    RnDicomFile *f;
    const RnParseOptions *o;
    RnError **err;
    Level *levels;
    size_t nlevels;
    ElemVec meta;
    bool in_dataset;     /* a non-0002 element was seen at top level */
    bool failed;
    size_t pixel_index;  /* index + 1 of PixelData in level 0 */
    bool stopped_at_pixels;
    RnFragment *frags;
    size_t nfrags, frags_cap;
} Builder;

static bool grow(void **v, size_t *cap, size_t need, size_t size, RnError **err)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 32;
    while (c < need)
        c *= 2;
    size_t bytes;
    if (!rn_mul_size(c, size, &bytes)) {
        rn_error_set(err, RN_ERROR_NOMEM, "vector too large");
        return false;
    }
    void *p = rn_realloc(*v, bytes, err);
    if (p == NULL)
        return false;
    *v = p;
    *cap = c;
    return true;
}

static Level *level(Builder *b, uint32_t depth)
{
    if (depth >= b->nlevels) {
        size_t cap = b->nlevels;
        if (!grow((void **)&b->levels, &cap, (size_t)depth + 1, sizeof(Level), b->err))
            return NULL;
        memset(b->levels + b->nlevels, 0, (cap - b->nlevels) * sizeof(Level));
        b->nlevels = cap;
    }
    return &b->levels[depth];
}

static RnElement *append(Builder *b, ElemVec *vec)
{
    if (!grow((void **)&vec->v, &vec->cap, vec->n + 1, sizeof(RnElement), b->err))
        return NULL;
    RnElement *e = &vec->v[vec->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static void swap_units(uint8_t *p, size_t n, unsigned unit)
{
    for (size_t i = 0; i + unit <= n; i += unit)
        for (unsigned k = 0; k < unit / 2; k++) {
            uint8_t t = p[i + k];
            p[i + k] = p[i + unit - 1 - k];
            p[i + unit - 1 - k] = t;
        }
}

/* Copies a value into the arena, in native (little endian) byte order. */
static bool keep_value(Builder *b, RnElement *e, const RnWalkElement *el)
{
    uint8_t *v = rn_arena_alloc(&b->f->arena, (size_t)el->length + 1, b->err);
    if (v == NULL)
        return false;
    memcpy(v, el->value, el->length);
    v[el->length] = 0;
    unsigned unit = rn_vr_unit_size(el->vr);
    if (el->big_endian && unit > 1)
        swap_units(v, el->length, unit);
    e->value = v;
    e->value_len = el->length;
    e->loaded = true;
    return true;
}

static ElemVec *target(Builder *b, const RnWalkElement *el)
{
    if (el->depth == 0 && RN_TAG_GROUP(el->tag) == 0x0002 && !b->in_dataset)
        return &b->meta;
    if (el->depth == 0)
        b->in_dataset = true;
    Level *l = level(b, el->depth);
    return l ? &l->els : NULL;
}

static RnWalkAction fail(Builder *b)
{
    b->failed = true;
    return RN_WALK_STOP;
}

static RnWalkAction on_element(void *user, const RnWalkElement *el)
{
    Builder *b = user;
    ElemVec *vec = target(b, el);
    RnElement *e = vec ? append(b, vec) : NULL;
    if (e == NULL)
        return fail(b);
    e->tag = el->tag;
    e->vr = el->vr;
    e->length = el->length;
    e->value_offset = el->value_offset;
    e->encapsulated = el->length == RN_UNDEFINED_LENGTH;
    e->vr_implicit = el->vr_implicit;
    e->big_endian = el->big_endian;
    if (el->value && !keep_value(b, e, el))
        return fail(b);
    if (el->depth == 0 && el->tag == RN_TAG_PIXEL_DATA && vec != &b->meta)
        b->pixel_index = vec->n;
    return RN_WALK_CONTINUE;
}

static RnWalkAction on_sequence_begin(void *user, const RnWalkElement *el)
{
    Builder *b = user;
    /* Sequences never belong to the meta group (a hostile file may put one
     * there): one ends the meta group. */
    if (el->depth == 0)
        b->in_dataset = true;
    Level *l = level(b, el->depth);
    RnElement *e = l ? append(b, &l->els) : NULL;
    if (e == NULL)
        return fail(b);
    e->tag = el->tag;
    e->vr = RN_VR('S', 'Q');
    e->length = el->length;
    e->value_offset = el->value_offset;
    l->seq_index = l->els.n - 1;
    l->nitems = 0;
    return RN_WALK_CONTINUE;
}

static RnWalkAction on_item_begin(void *user, uint32_t depth, uint64_t offset)
{
    Builder *b = user;
    Level *l = level(b, depth);
    if (l == NULL)
        return fail(b);
    RnDataSet *ds = rn_arena_alloc(&b->f->arena, sizeof *ds, b->err);
    if (ds == NULL)
        return fail(b);
    memset(ds, 0, sizeof *ds);
    ds->parent = depth == 1 ? &b->f->dataset : b->levels[depth - 1].ds;
    l->ds = ds;
    l->els.n = 0;
    return RN_WALK_CONTINUE;
}

static int compare_elements(const void *pa, const void *pb)
{
    const RnElement *a = pa, *b = pb;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    /* Keep file order for duplicates (stable). */
    return a->value_offset < b->value_offset ? -1 : a->value_offset > b->value_offset;
}

static bool register_charset(Builder *b, RnDataSet *ds)
{
    const RnElement *cs = rn_dataset_get(ds, RN_TAG(0x0008, 0x0005));
    if (cs == NULL)
        return true;
    ds->has_charset = true;
    if (cs->value == NULL)
        return true;
    size_t cap = b->f->charset_count;
    if (!grow((void **)&b->f->charsets, &cap, b->f->charset_count + 1,
              sizeof(RnCharset *), b->err))
        return false;
    ds->charset = rn_charset_parse(cs->value, cs->value_len, b->err);
    b->f->charsets[b->f->charset_count++] = ds->charset;
    return true;
}

static int64_t pixel_representation(const ElemVec *vec)
{
    for (size_t i = 0; i < vec->n; i++)
        if (vec->v[i].tag == RN_TAG(0x0028, 0x0103) && vec->v[i].value_len >= 2 &&
            vec->v[i].loaded)
            return vec->v[i].value[0] | vec->v[i].value[1] << 8;
    return -1;
}

/* Implicit VR elements that may be US or SS (pixel values, LUT
 * descriptors) are SS when Pixel Representation is signed, as dcmtk reads
 * them: the data set's own, else the top level's. */
static void resolve_us_or_ss(Builder *b, ElemVec *vec)
{
    int64_t pr = pixel_representation(vec);
    if (pr < 0 && vec != &b->levels[0].els)
        pr = pixel_representation(&b->levels[0].els);
    if (pr != 1)
        return;
    for (size_t i = 0; i < vec->n; i++) {
        RnElement *e = &vec->v[i];
        if (e->vr_implicit && e->vr == RN_VR('U', 'S') && rn_dict_is_us_or_ss(e->tag))
            e->vr = RN_VR('S', 'S');
    }
}

/* Copies the gathered elements of a data set into the arena, in tag
 * order, and links them to their data set. */
static bool finalize(Builder *b, ElemVec *vec, RnDataSet *ds)
{
    RnElement *els = NULL;
    resolve_us_or_ss(b, vec);
    if (vec->n) {
        size_t bytes;
        if (!rn_mul_size(vec->n, sizeof *els, &bytes))
            return false;
        els = rn_arena_alloc(&b->f->arena, bytes, b->err);
        if (els == NULL)
            return false;
        memcpy(els, vec->v, bytes);
        for (size_t i = 1; i < vec->n; i++)
            if (els[i].tag < els[i - 1].tag) {
                qsort(els, vec->n, sizeof *els, compare_elements);
                break;
            }
    }
    ds->elements = els;
    ds->count = vec->n;
    for (size_t i = 0; i < vec->n; i++)
        els[i].owner = ds;
    vec->n = 0;
    return register_charset(b, ds);
}

static RnWalkAction on_item_end(void *user, uint32_t depth)
{
    Builder *b = user;
    Level *l = &b->levels[depth];
    Level *up = &b->levels[depth - 1];
    if (!finalize(b, &l->els, l->ds) ||
        !grow((void **)&up->items, &up->items_cap, up->nitems + 1,
              sizeof(RnDataSet *), b->err))
        return fail(b);
    up->items[up->nitems++] = l->ds;
    return RN_WALK_CONTINUE;
}

static RnWalkAction on_sequence_end(void *user, uint32_t depth)
{
    Builder *b = user;
    Level *l = &b->levels[depth];
    RnElement *seq = &l->els.v[l->seq_index];
    if (l->nitems) {
        RnDataSet **items = rn_arena_alloc(&b->f->arena,
                                           l->nitems * sizeof *items, b->err);
        if (items == NULL)
            return fail(b);
        memcpy(items, l->items, l->nitems * sizeof *items);
        seq->items = items;
        seq->item_count = (uint32_t)l->nitems;
    }
    l->nitems = 0;
    return RN_WALK_CONTINUE;
}

static RnWalkAction on_fragment(void *user, uint32_t index, uint64_t offset,
                                uint32_t length)
{
    Builder *b = user;
    if (!grow((void **)&b->frags, &b->frags_cap, b->nfrags + 1,
              sizeof(RnFragment), b->err))
        return fail(b);
    b->frags[b->nfrags++] = (RnFragment){offset, length};
    return RN_WALK_CONTINUE;
}

/* Bulk values larger than this are left in the file on the metadata path. */
#define META_BULK_INLINE 1024u

static bool want_value(void *user, RnTag tag, RnVR vr, uint32_t length,
                       uint32_t depth)
{
    Builder *b = user;
    if (depth == 0 && tag == RN_TAG_PIXEL_DATA)
        return false; /* read lazily by rn_dicom_frame_get */
    if (b->o->stop_before_pixels && rn_vr_is_bulk(vr) && length > META_BULK_INLINE)
        return false;
    return true;
}

static bool stop_before(void *user, RnTag tag, uint32_t depth)
{
    Builder *b = user;
    b->stopped_at_pixels = b->o->stop_before_pixels && depth == 0 &&
                           tag == RN_TAG_PIXEL_DATA;
    return b->stopped_at_pixels;
}

static void builder_free(Builder *b)
{
    for (size_t i = 0; i < b->nlevels; i++) {
        free(b->levels[i].els.v);
        free(b->levels[i].items);
    }
    free(b->levels);
    free(b->meta.v);
    free(b->frags);
}

/* ---- open / close -------------------------------------------------------- */

static bool build(RnDicomFile *f, const RnParseOptions *o, RnError **err)
{
    Builder b = {.f = f, .o = o, .err = err};
    static const RnWalkCallbacks cb = {
        .want_value = want_value, .stop_before = stop_before,
        .element = on_element, .sequence_begin = on_sequence_begin,
        .item_begin = on_item_begin, .item_end = on_item_end,
        .sequence_end = on_sequence_end};
    RnWalkInfo info;
    b.levels = NULL;
    bool ok = level(&b, 0) != NULL &&
              rn_dicom_walk_info(f->io, o, &cb, on_fragment, &b, &info, err) &&
              !b.failed;
    if (ok) {
        f->inflated = info.inflated;
        f->preamble = info.preamble;
        f->has_meta = info.has_meta;
        memcpy(f->ts_uid, info.ts_uid, sizeof f->ts_uid);
        RnTransferSyntax named = rn_ts_from_uid(info.ts_uid);
        f->ts = named != RN_TS_UNKNOWN ? named : info.ts;
        f->big_endian = info.ts == RN_TS_EXPLICIT_BE;
        f->stopped_at_pixels = b.stopped_at_pixels;
        ok = finalize(&b, &b.meta, &f->meta) &&
             finalize(&b, &b.levels[0].els, &f->dataset);
    }
    if (ok && b.pixel_index) {
        f->pixel = rn_dataset_get(&f->dataset, RN_TAG_PIXEL_DATA);
        f->fragments = b.frags;
        f->fragment_count = (uint32_t)b.nfrags;
        b.frags = NULL;
    }
    if (ok && f->inflated) {
        /* Lazy reads of a deflated file come from the inflated copy. */
        RnIO *mem = rn_io_open_memory(f->inflated, info.inflated_len, err);
        ok = mem != NULL;
        if (ok) {
            rn_io_close(f->io);
            f->io = mem;
        }
    }
    builder_free(&b);
    return ok;
}

RnDicomFile *rn_dicom_open_io(RnIO *io, const RnParseOptions *opts, RnError **err)
{
    if (io == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no input");
        return NULL;
    }
    RnParseOptions defaults;
    if (opts == NULL) {
        rn_parse_options_init(&defaults);
        opts = &defaults;
    }
    RnDicomFile *f = rn_calloc(1, sizeof *f, err);
    if (f == NULL) {
        rn_io_close(io);
        return NULL;
    }
    f->io = io;
    f->arena.limit = opts->max_total_bytes;
    if (!build(f, opts, err)) {
        rn_dicom_close(f);
        return NULL;
    }
    return f;
}

RnDicomFile *rn_dicom_open(const char *path, const RnParseOptions *opts,
                           RnError **err)
{
    RnIO *io = rn_io_open_file(path, err);
    return io ? rn_dicom_open_io(io, opts, err) : NULL;
}

RnDicomFile *rn_dicom_open_memory(const uint8_t *data, size_t n,
                                  const RnParseOptions *opts, RnError **err)
{
    RnIO *io = rn_io_open_memory(data, n, err);
    return io ? rn_dicom_open_io(io, opts, err) : NULL;
}

void rn_dicom_close(RnDicomFile *f)
{
    if (f == NULL)
        return;
    rn_io_close(f->io);
    free(f->inflated);
    for (size_t i = 0; i < f->charset_count; i++)
        rn_charset_free(f->charsets[i]);
    free(f->charsets);
    free(f->fragments);
    free(f->frame_first);
    free(f->frame_nfrag);
    free(f->frame_buf);
    rn_arena_free(&f->arena);
    free(f);
}

const RnDataSet *rn_dicom_get_meta(const RnDicomFile *f)
{
    return f->has_meta ? &f->meta : NULL;
}

const RnDataSet *rn_dicom_get_dataset(const RnDicomFile *f) { return &f->dataset; }
RnTransferSyntax rn_dicom_transfer_syntax(const RnDicomFile *f) { return f->ts; }
const char *rn_dicom_transfer_syntax_uid(const RnDicomFile *f) { return f->ts_uid; }
bool rn_dicom_has_preamble(const RnDicomFile *f) { return f->preamble; }

/* ---- navigation ------------------------------------------------------------ */

size_t rn_dataset_count(const RnDataSet *ds) { return ds ? ds->count : 0; }

const RnElement *rn_dataset_at(const RnDataSet *ds, size_t index)
{
    return (ds && index < ds->count) ? &ds->elements[index] : NULL;
}

const RnElement *rn_dataset_get(const RnDataSet *ds, RnTag tag)
{
    if (ds == NULL)
        return NULL;
    size_t lo = 0, hi = ds->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        RnTag t = ds->elements[mid].tag;
        if (t == tag) {
            while (mid > 0 && ds->elements[mid - 1].tag == tag)
                mid--;
            return &ds->elements[mid];
        }
        if (t < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const RnCharset *rn_dataset_charset(const RnDataSet *ds)
{
    for (; ds; ds = ds->parent)
        if (ds->has_charset)
            return ds->charset;
    return NULL;
}

RnTag rn_element_tag(const RnElement *el) { return el->tag; }
RnVR rn_element_vr(const RnElement *el) { return el->vr; }
uint32_t rn_element_length(const RnElement *el) { return el->length; }
bool rn_element_value_loaded(const RnElement *el) { return el->loaded; }
size_t rn_element_item_count(const RnElement *el) { return el->item_count; }

const uint8_t *rn_element_value(const RnElement *el, size_t *n)
{
    if (!el->loaded) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = el->value_len;
    return el->value;
}

const RnDataSet *rn_element_item(const RnElement *el, size_t index)
{
    return index < el->item_count ? el->items[index] : NULL;
}

bool rn_dicom_has_pixel_data(const RnDicomFile *f)
{
    return f->pixel != NULL || f->stopped_at_pixels;
}
