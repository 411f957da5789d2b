/* The element stream walker: one pass over a Part 10 file or bare data set
 * with buffered reads (rn_io_peek hands out header and value together, so
 * there is no syscall and no allocation per element). Nesting is kept on an
 * explicit stack, never on the C stack, so hostile nesting is bounded by
 * RnParseOptions.max_depth alone. */
#include "dicom/internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { FRAME_SEQ, FRAME_ITEM };
#define END_UNDEFINED UINT64_MAX

typedef struct Frame {
    uint64_t end;     /* END_UNDEFINED for undefined length */
    uint8_t kind;
    bool implicit, big;
} Frame;

/* A private creator (gggg,00bb) of the data set open at stack depth
 * `level`: implicit VR private elements (gggg,bbxx) are typed by it. */
typedef struct Creator {
    size_t level;
    uint16_t group;
    uint8_t block;
    char name[65];
} Creator;

typedef struct Walker {
    RnIO *io;
    const RnParseOptions *o;
    const RnWalkCallbacks *cb;
    RnFragmentFn fragment;
    void *user;
    RnError **err;
    uint64_t size;        /* stream size (UINT64_MAX when unknown) */
    uint64_t nelements;
    Frame *stack;
    size_t depth, cap;    /* frames in use */
    uint32_t seq_depth;   /* nesting depth of data sets (0 = top) */
    bool stopped;
    RnWalkInfo *meta_info; /* set while walking the meta group */
    uint8_t *scratch;     /* values larger than the I/O window */
    size_t scratch_cap;
    Creator *creators;    /* of the open data sets, innermost last */
    size_t ncreators, creators_cap;
    bool after_pixels;    /* top-level PixelData has been passed */
} Walker;

/* Header of one element as read. */
typedef struct Header {
    RnTag tag;
    RnVR vr;
    bool vr_implicit;
    uint32_t length;
    uint32_t header_len;
    uint64_t offset;
} Header;

static uint16_t rd16(const uint8_t *p, bool big)
{
    return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const uint8_t *p, bool big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool is_vr_letters(const uint8_t *p)
{
    return p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z';
}

/* ---- private creators ---------------------------------------------------- */

static bool is_private_creator(RnTag tag)
{
    uint16_t e = RN_TAG_ELEMENT(tag);
    return (RN_TAG_GROUP(tag) & 1u) && e >= 0x0010 && e <= 0x00FF;
}

/* The creator of a private element's block in the current data set, as
 * dcmtk keeps it per item (the latest reservation wins). */
static const char *creator_of(const Walker *w, RnTag tag)
{
    uint16_t g = RN_TAG_GROUP(tag);
    uint8_t block = (uint8_t)(RN_TAG_ELEMENT(tag) >> 8);
    for (size_t i = w->ncreators; i-- > 0 && w->creators[i].level == w->depth;)
        if (w->creators[i].group == g && w->creators[i].block == block)
            return w->creators[i].name;
    return NULL;
}

/* Dictionary VR for an implicitly encoded element: the private dictionary
 * for private data elements whose creator it knows, as dcmtk reads them. */
static RnVR implicit_vr(const Walker *w, RnTag tag)
{
    if ((RN_TAG_GROUP(tag) & 1u) && RN_TAG_ELEMENT(tag) >= 0x1000) {
        const RnDictEntry *d = rn_dict_lookup_private(tag, creator_of(w, tag));
        if (d != NULL && d->vr != 0)
            return d->vr;
    }
    return rn_implicit_vr(tag);
}

/* Creators kept for the open data sets at once: real files reserve a few
 * dozen; the bound keeps a hostile file's memory and lookups small (the
 * elements of creators past it stay UN). */
#define MAX_CREATORS 512u

/* Keeps a private creator value (LO, at most 64 characters; padding
 * trimmed as dcmtk does). Longer values are no creator. */
static bool remember_creator(Walker *w, RnTag tag, const uint8_t *v, uint32_t n)
{
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == 0))
        n--;
    if (n >= sizeof w->creators[0].name || w->ncreators >= MAX_CREATORS)
        return true;
    if (w->ncreators == w->creators_cap) {
        size_t cap = w->creators_cap ? w->creators_cap * 2 : 16;
        Creator *c = rn_realloc(w->creators, cap * sizeof *c, w->err);
        if (c == NULL)
            return false;
        w->creators = c;
        w->creators_cap = cap;
    }
    Creator *c = &w->creators[w->ncreators++];
    c->level = w->depth;
    c->group = RN_TAG_GROUP(tag);
    c->block = (uint8_t)RN_TAG_ELEMENT(tag);
    memcpy(c->name, v, n);
    c->name[n] = 0;
    return true;
}

/* ---- element headers --------------------------------------------------- */

/* Reads the header at the current position without consuming it. Returns
 * 1 on success, 0 at a clean end of stream, -1 on error. */
static int read_header(const Walker *w, bool implicit, bool big, Header *h)
{
    const uint8_t *p;
    h->offset = rn_io_tell(w->io);
    h->vr_implicit = false;
    int64_t n = rn_io_peek(w->io, &p, 12, w->err);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    if (n < 8) {
        rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                        "truncated element header (%lld bytes left)", (long long)n);
        return -1;
    }
    h->tag = RN_TAG(rd16(p, big), rd16(p + 2, big));
    if (RN_TAG_GROUP(h->tag) == 0xFFFE) {
        h->vr = 0;
        h->length = rd32(p + 4, big);
        h->header_len = 8;
        return 1;
    }
    /* VR bytes that are not letters in an explicit VR stream: the element
     * is implicitly encoded (e.g. SC_rgb_jpeg.dcm, an implicit VR data set
     * under an explicit transfer syntax, which dcm2json reads the same). */
    h->vr_implicit = implicit || !is_vr_letters(p + 4);
    if (h->vr_implicit) {
        h->vr = implicit_vr(w, h->tag);
        h->length = rd32(p + 4, big);
        h->header_len = 8;
        return 1;
    }
    h->vr = RN_VR(p[4], p[5]);
    if (!rn_vr_is_known(h->vr)) {
        /* Unknown letters: read as UN with a 4-byte length after two
         * reserved bytes, as dcmtk does; reserved bytes that are not zero
         * can only be a 2-byte length. */
        if (n >= 12 && p[6] == 0 && p[7] == 0) {
            h->length = rd32(p + 8, big);
            h->header_len = 12;
        } else {
            h->length = rd16(p + 6, big);
            h->header_len = 8;
        }
        h->vr = RN_VR('U', 'N');
        return 1;
    }
    if (rn_vr_has_long_length(h->vr)) {
        if (n < 12) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                            "truncated element header");
            return -1;
        }
        h->length = rd32(p + 8, big);
        h->header_len = 12;
    } else {
        h->length = rd16(p + 6, big);
        h->header_len = 8;
    }
    return 1;
}

/* The value must fit in the stream, in the enclosing containers and in
 * the configured limit: checked before anything is allocated or read. */
static bool check_length(Walker *w, const Header *h, bool container)
{
    if (h->length == RN_UNDEFINED_LENGTH)
        return true;
    if (h->length > w->o->max_element_length) {
        rn_error_set_at(w->err, RN_ERROR_LIMIT, h->offset,
                        "element (%04X,%04X) length %u exceeds the limit %u",
                        RN_TAG_GROUP(h->tag), RN_TAG_ELEMENT(h->tag), h->length,
                        w->o->max_element_length);
        return false;
    }
    uint64_t end = h->offset + h->header_len + (uint64_t)h->length;
    /* A sequence or item whose length runs past the end of the file is
     * read up to the end (dcmtk does the same); values may not. */
    if (end > w->size) {
        if (container)
            return true;
        rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                        "element (%04X,%04X) length %u runs past the end of the file",
                        RN_TAG_GROUP(h->tag), RN_TAG_ELEMENT(h->tag), h->length);
        return false;
    }
    for (size_t i = w->depth; i-- > 0;) {
        if (w->stack[i].end != END_UNDEFINED) {
            if (end > w->stack[i].end) {
                rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                                "element (%04X,%04X) overruns its sequence or item",
                                RN_TAG_GROUP(h->tag), RN_TAG_ELEMENT(h->tag));
                return false;
            }
            break; /* the enclosing defined container was checked itself */
        }
    }
    return true;
}

static bool count_element(Walker *w, uint64_t offset)
{
    if (++w->nelements > w->o->max_elements) {
        rn_error_set_at(w->err, RN_ERROR_LIMIT, offset,
                        "more than %llu elements",
                        (unsigned long long)w->o->max_elements);
        return false;
    }
    return true;
}

/* ---- container stack --------------------------------------------------- */

static bool push(Walker *w, uint8_t kind, uint64_t end, bool implicit, bool big,
                 uint64_t offset)
{
    if (kind == FRAME_SEQ && w->seq_depth + 1 > w->o->max_depth) {
        rn_error_set_at(w->err, RN_ERROR_LIMIT, offset,
                        "sequences nested deeper than %u", w->o->max_depth);
        return false;
    }
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        Frame *s = rn_realloc(w->stack, cap * sizeof *s, w->err);
        if (s == NULL)
            return false;
        w->stack = s;
        w->cap = cap;
    }
    w->stack[w->depth++] = (Frame){end, kind, implicit, big};
    if (kind == FRAME_SEQ)
        w->seq_depth++;
    return true;
}

static bool act(Walker *w, RnWalkAction a)
{
    if (a == RN_WALK_STOP)
        w->stopped = true;
    return true;
}

static bool pop(Walker *w)
{
    Frame f = w->stack[--w->depth];
    while (w->ncreators > 0 && w->creators[w->ncreators - 1].level > w->depth)
        w->ncreators--;
    if (f.kind == FRAME_SEQ) {
        w->seq_depth--;
        if (w->cb->sequence_end)
            return act(w, w->cb->sequence_end(w->user, w->seq_depth));
    } else if (w->cb->item_end) {
        return act(w, w->cb->item_end(w->user, w->seq_depth));
    }
    return true;
}

static bool skip_header(Walker *w, const Header *h)
{
    return rn_io_skip(w->io, h->header_len, w->err);
}

/* ---- values ------------------------------------------------------------ */

/* Hands out the value bytes: straight from the I/O window when they fit,
 * else read into a scratch buffer (length already checked against the
 * file size). Consumes header and value. */
static bool read_value(Walker *w, const Header *h, const uint8_t **out)
{
    size_t total = (size_t)h->header_len + h->length;
    if (total <= RN_IO_BUFFER) {
        const uint8_t *p;
        int64_t n = rn_io_peek(w->io, &p, total, w->err);
        if (n < 0)
            return false;
        if ((size_t)n < total) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset, "truncated value");
            return false;
        }
        *out = p + h->header_len;
        /* The pointer stays valid until the next call on io, which comes
         * after the callback: the skip is done by the caller. */
        return true;
    }
    if (!skip_header(w, h))
        return false;
    if (w->scratch_cap < h->length) {
        uint8_t *s = rn_realloc(w->scratch, h->length, w->err);
        if (s == NULL)
            return false;
        w->scratch = s;
        w->scratch_cap = h->length;
    }
    if (!rn_io_read_exact(w->io, w->scratch, h->length, w->err))
        return false;
    *out = w->scratch;
    return true;
}

static void fill_element(RnWalkElement *el, const Header *h, uint32_t depth,
                         bool big)
{
    memset(el, 0, sizeof *el);
    el->tag = h->tag;
    el->vr = h->vr;
    el->length = h->length;
    el->offset = h->offset;
    el->depth = depth;
    el->big_endian = big;
    el->value_offset = h->offset + h->header_len;
    el->vr_implicit = h->vr_implicit;
}

static void keep_ts_uid(RnWalkInfo *info, const uint8_t *v, uint32_t n)
{
    size_t k = n < sizeof info->ts_uid - 1 ? n : sizeof info->ts_uid - 1;
    memcpy(info->ts_uid, v, k);
    while (k > 0 && (info->ts_uid[k - 1] == 0 || info->ts_uid[k - 1] == ' '))
        k--;
    info->ts_uid[k] = 0;
}

static bool plain_element(Walker *w, const Header *h, bool big)
{
    RnWalkElement el;
    fill_element(&el, h, w->seq_depth, big);
    bool creator = is_private_creator(h->tag);
    bool want = creator || w->cb->want_value == NULL ||
                w->cb->want_value(w->user, h->tag, h->vr, h->length, w->seq_depth);
    bool in_window = (size_t)h->header_len + h->length <= RN_IO_BUFFER;
    if (want && !read_value(w, h, &el.value))
        return false;
    if (creator && !remember_creator(w, h->tag, el.value, h->length))
        return false;
    if (w->meta_info && h->tag == RN_TAG(0x0002, 0x0010) && el.value)
        keep_ts_uid(w->meta_info, el.value, h->length);
    if (w->cb->element && !act(w, w->cb->element(w->user, &el)))
        return false;
    if (!want)
        return rn_io_skip(w->io, (uint64_t)h->header_len + h->length, w->err);
    return in_window ? rn_io_skip(w->io, (uint64_t)h->header_len + h->length, w->err)
                     : true;
}

/* Encapsulated pixel data: items of fragments up to the sequence
 * delimiter; item 0 is the basic offset table. */
static bool fragments(Walker *w, const Header *ph, bool big)
{
    RnWalkElement el;
    fill_element(&el, ph, w->seq_depth, big);
    if (w->cb->element && !act(w, w->cb->element(w->user, &el)))
        return false;
    if (!skip_header(w, ph))
        return false;
    for (uint32_t index = 0; !w->stopped; index++) {
        Header h;
        int r = read_header(w, false, big, &h);
        if (r <= 0) {
            if (r == 0)
                rn_error_set_at(w->err, RN_ERROR_PARSE, h.offset,
                                "truncated: pixel data fragments without end");
            return false;
        }
        if (h.tag == RN_TAG_SEQ_DELIM)
            return skip_header(w, &h);
        if (h.tag != RN_TAG_ITEM || h.length == RN_UNDEFINED_LENGTH) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, h.offset,
                            "bad pixel data fragment (%04X,%04X)",
                            RN_TAG_GROUP(h.tag), RN_TAG_ELEMENT(h.tag));
            return false;
        }
        if (!count_element(w, h.offset) || !check_length(w, &h, false))
            return false;
        if (w->fragment &&
            !act(w, w->fragment(w->user, index, h.offset + 8, h.length)))
            return false;
        if (!rn_io_skip(w->io, 8u + (uint64_t)h.length, w->err))
            return false;
    }
    return true;
}

static bool begin_sequence(Walker *w, const Header *h, bool implicit, bool big)
{
    RnWalkElement el;
    fill_element(&el, h, w->seq_depth, big);
    if (w->cb->sequence_begin && !act(w, w->cb->sequence_begin(w->user, &el)))
        return false;
    if (!skip_header(w, h))
        return false;
    uint64_t end = h->length == RN_UNDEFINED_LENGTH
                       ? END_UNDEFINED
                       : h->offset + h->header_len + h->length;
    /* UN of undefined length holds an implicit VR little endian sequence
     * (CP-246), whatever the file's syntax. */
    if (h->vr == RN_VR('U', 'N'))
        implicit = true, big = false;
    return push(w, FRAME_SEQ, end, implicit, big, h->offset);
}

static bool is_sequence(const Header *h, bool implicit)
{
    if (h->vr == RN_VR('S', 'Q'))
        return true;
    if (h->length != RN_UNDEFINED_LENGTH || h->tag == RN_TAG_PIXEL_DATA)
        return false;
    return h->vr == RN_VR('U', 'N') || implicit;
}

static bool element(Walker *w, const Header *h, bool implicit, bool big)
{
    /* The stop predicate comes first: the metadata path does not judge a
     * value it will never read (e.g. truncated pixel data). */
    if (w->cb->stop_before && w->cb->stop_before(w->user, h->tag, w->seq_depth)) {
        w->stopped = true;
        return true;
    }
    if (!count_element(w, h->offset) ||
        !check_length(w, h, is_sequence(h, implicit)))
        return false;
    if (w->depth == 0 && h->tag == RN_TAG_PIXEL_DATA)
        w->after_pixels = true;
    if (is_sequence(h, implicit))
        return begin_sequence(w, h, implicit, big);
    if (h->length == RN_UNDEFINED_LENGTH) {
        if (h->tag == RN_TAG_PIXEL_DATA)
            return fragments(w, h, big);
        rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                        "element (%04X,%04X) has undefined length",
                        RN_TAG_GROUP(h->tag), RN_TAG_ELEMENT(h->tag));
        return false;
    }
    return plain_element(w, h, big);
}

/* ---- the main loop ------------------------------------------------------ */

/* Inside a sequence: items or the sequence delimiter. */
static bool in_sequence(Walker *w, const Header *h, const Frame *f)
{
    if (h->tag == RN_TAG_SEQ_DELIM)
        return skip_header(w, h) && pop(w);
    if (h->tag != RN_TAG_ITEM) {
        rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                        "expected an item in a sequence, found (%04X,%04X)",
                        RN_TAG_GROUP(h->tag), RN_TAG_ELEMENT(h->tag));
        return false;
    }
    if (!count_element(w, h->offset) || !check_length(w, h, true))
        return false;
    if (w->cb->item_begin && !act(w, w->cb->item_begin(w->user, w->seq_depth, h->offset)))
        return false;
    uint64_t end = h->length == RN_UNDEFINED_LENGTH ? END_UNDEFINED
                                                    : h->offset + 8 + h->length;
    return skip_header(w, h) && push(w, FRAME_ITEM, end, f->implicit, f->big, h->offset);
}

/* In a data set (top level or item): elements, delimiters. */
static bool in_dataset(Walker *w, const Header *h, const Frame *f,
                       bool implicit, bool big)
{
    if (h->tag == RN_TAG_ITEM_DELIM) {
        if (!skip_header(w, h))
            return false;
        /* Stray delimiters at top level or in defined-length items are
         * tolerated, as dcmtk does. */
        return (f && f->end == END_UNDEFINED) ? pop(w) : true;
    }
    if (h->tag == RN_TAG_SEQ_DELIM) {
        if (!skip_header(w, h))
            return false;
        /* An item left open by a missing item delimiter ends with its
         * sequence. */
        if (f && f->end == END_UNDEFINED)
            return pop(w) && pop(w);
        return true;
    }
    if (h->tag == RN_TAG_ITEM) {
        rn_error_set_at(w->err, RN_ERROR_PARSE, h->offset,
                        "item outside a sequence");
        return false;
    }
    return element(w, h, implicit, big);
}

/* Pops containers whose defined length has been consumed. */
static bool close_finished(Walker *w)
{
    while (w->depth > 0 && !w->stopped) {
        Frame *f = &w->stack[w->depth - 1];
        uint64_t pos = rn_io_tell(w->io);
        if (f->end == END_UNDEFINED || pos < f->end)
            return true;
        if (pos > f->end) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, pos,
                            "sequence or item overruns its length");
            return false;
        }
        if (!pop(w))
            return false;
    }
    return true;
}

/* At the end of the stream, containers whose defined length ran past it
 * end there; an undefined-length one left open means truncation. */
static bool end_of_stream(Walker *w, uint64_t offset)
{
    while (w->depth > 0 && !w->stopped) {
        if (w->stack[w->depth - 1].end == END_UNDEFINED) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, offset,
                            "truncated: end of file inside a sequence");
            return false;
        }
        if (!pop(w))
            return false;
    }
    return true;
}

/* Zero bytes after the top-level PixelData read as empty (0000,0000)
 * elements: some writers pad files so, and walking the padding 8 bytes at a
 * time would turn a megabyte of zeros into 128 k elements. They end the
 * data set. */
static bool is_zero_padding(const Walker *w, const Header *h)
{
    return w->depth == 0 && w->after_pixels && h->tag == 0 && h->length == 0;
}

/* Walks until the end of the stream; in meta mode only while the next
 * element is in group 0002. */
static bool walk_stream(Walker *w, bool implicit, bool big, bool meta_only)
{
    while (!w->stopped) {
        if (!close_finished(w))
            return false;
        if (w->stopped)
            break;
        const Frame *f = w->depth ? &w->stack[w->depth - 1] : NULL;
        bool imp = f ? f->implicit : implicit, be = f ? f->big : big;
        Header h;
        int r = read_header(w, imp, be, &h);
        if (r < 0)
            return false;
        if (r == 0)
            return end_of_stream(w, h.offset);
        if (meta_only && w->depth == 0 && RN_TAG_GROUP(h.tag) != 0x0002)
            return true;
        if (is_zero_padding(w, &h))
            return true;
        bool ok = (f && f->kind == FRAME_SEQ) ? in_sequence(w, &h, f)
                                              : in_dataset(w, &h, f, imp, be);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- file structure ---------------------------------------------------- */

/* Guesses the encoding of a bare data set from its first element. */
static void guess_syntax(const uint8_t *p, int64_t n, RnWalkInfo *info)
{
    info->ts = RN_TS_IMPLICIT_LE;
    if (n < 8)
        return;
    uint16_t g_le = rd16(p, false), g_be = rd16(p, true);
    bool explicit_vr = is_vr_letters(p + 4) && rn_vr_is_known(RN_VR(p[4], p[5]));
    if (explicit_vr)
        info->ts = g_be < g_le ? RN_TS_EXPLICIT_BE : RN_TS_EXPLICIT_LE;
}

static bool check_preamble(Walker *w, RnWalkInfo *info)
{
    const uint8_t *p;
    int64_t n = rn_io_peek(w->io, &p, 132, w->err);
    if (n < 0)
        return false;
    if (n >= 132 && memcmp(p + 128, "DICM", 4) == 0) {
        info->preamble = true;
        return rn_io_skip(w->io, 132, w->err);
    }
    return true;
}

static bool uses_meta(Walker *w)
{
    const uint8_t *p;
    int64_t n = rn_io_peek(w->io, &p, 6, w->err);
    return n >= 6 && rd16(p, false) == 0x0002 && is_vr_letters(p + 4);
}

/* The rest of the stream, inflated (raw deflate), bounded by the limit on
 * bytes kept in memory. */
static bool inflate_rest(Walker *w, RnWalkInfo *info)
{
    uint64_t at = rn_io_tell(w->io);
    uint64_t left = w->size - at;
    if (w->size == UINT64_MAX || left > w->o->max_total_bytes || left > UINT32_MAX / 4) {
        rn_error_set(w->err, RN_ERROR_LIMIT, "deflated data set too large");
        return false;
    }
    uint8_t *in = rn_malloc(left ? (size_t)left : 1, w->err);
    if (in == NULL || !rn_io_read_exact(w->io, in, (size_t)left, w->err)) {
        free(in);
        return false;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK) {
        free(in);
        rn_error_set(w->err, RN_ERROR_NOMEM, "zlib init failed");
        return false;
    }
    uint64_t limit = w->o->max_total_bytes;
    size_t cap = (size_t)(left * 4 + 1024 < limit ? left * 4 + 1024 : limit), len = 0;
    uint8_t *out = NULL;
    bool ok = false;
    z.next_in = in;
    z.avail_in = (uInt)left;
    for (;;) {
        uint8_t *o = rn_realloc(out, cap ? cap : 1, w->err);
        if (o == NULL)
            break;
        out = o;
        z.next_out = out + len;
        size_t room = cap - len > UINT32_MAX ? UINT32_MAX : cap - len;
        z.avail_out = (uInt)room;
        int r = inflate(&z, Z_NO_FLUSH);
        len += room - z.avail_out;
        if (r == Z_STREAM_END || (r == Z_BUF_ERROR && z.avail_in == 0 && z.avail_out > 0)) {
            ok = true;
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            rn_error_set_at(w->err, RN_ERROR_PARSE, at, "bad deflate stream: %s",
                            z.msg ? z.msg : "error");
            break;
        }
        if (len == cap) {
            if (cap >= limit) {
                rn_error_set(w->err, RN_ERROR_LIMIT, "inflated data set exceeds %llu bytes",
                             (unsigned long long)limit);
                break;
            }
            cap = (size_t)(cap * 2 < limit ? cap * 2 : limit);
        }
    }
    inflateEnd(&z);
    free(in);
    if (!ok) {
        free(out);
        return false;
    }
    info->inflated = out;
    info->inflated_len = len;
    return true;
}

static bool walk_dataset(Walker *w, RnWalkInfo *info)
{
    /* Encapsulated syntaxes encode the data set as explicit VR LE. */
    bool implicit = info->ts == RN_TS_IMPLICIT_LE;
    bool big = info->ts == RN_TS_EXPLICIT_BE;
    if (info->ts != RN_TS_DEFLATED_LE)
        return walk_stream(w, implicit, big, false);
    if (!inflate_rest(w, info))
        return false;
    RnIO *mem = rn_io_open_memory(info->inflated, info->inflated_len, w->err);
    if (mem == NULL)
        return false;
    RnIO *outer = w->io;
    w->io = mem;
    w->size = info->inflated_len;
    bool ok = walk_stream(w, false, false, false);
    w->io = outer;
    rn_io_close(mem);
    return ok;
}

/* Chooses the data set encoding: the meta group's transfer syntax when it
 * names one we know, else a guess from the first element (no meta group,
 * no or a private transfer syntax UID). */
static bool choose_syntax(Walker *w, RnWalkInfo *info)
{
    RnTransferSyntax ts = rn_ts_from_uid(info->ts_uid);
    if (info->ts_uid[0] && ts != RN_TS_UNKNOWN) {
        info->ts = ts;
        return true;
    }
    const uint8_t *p;
    int64_t n = rn_io_peek(w->io, &p, 8, w->err);
    if (n < 0)
        return false;
    /* Without preamble and meta group, only a plausible first element
     * (a low even group) makes the bytes a DICOM data set. */
    if (!info->preamble && !info->has_meta && !rn_dicom_sniff(p, (size_t)n)) {
        rn_error_set_at(w->err, RN_ERROR_PARSE, 0,
                        n == 0 ? "empty file" : "not a DICOM file");
        return false;
    }
    guess_syntax(p, n, info);
    if (!info->ts_uid[0])
        snprintf(info->ts_uid, sizeof info->ts_uid, "%s", rn_ts_uid(info->ts));
    return true;
}

bool rn_dicom_walk_info(RnIO *io, const RnParseOptions *opts,
                        const RnWalkCallbacks *cb, RnFragmentFn fragment,
                        void *user, RnWalkInfo *info, RnError **err)
{
    RnParseOptions defaults;
    if (opts == NULL) {
        rn_parse_options_init(&defaults);
        opts = &defaults;
    }
    memset(info, 0, sizeof *info);
    int64_t size = rn_io_size(io);
    Walker w = {.io = io, .o = opts, .cb = cb, .fragment = fragment, .user = user,
                .err = err, .size = size < 0 ? UINT64_MAX : (uint64_t)size};
    bool ok = check_preamble(&w, info);
    if (ok && uses_meta(&w)) {
        info->has_meta = true;
        w.meta_info = info;
        ok = walk_stream(&w, false, false, true);
        w.meta_info = NULL;
    }
    if (ok && !w.stopped)
        ok = choose_syntax(&w, info);
    if (ok && !w.stopped)
        ok = walk_dataset(&w, info);
    free(w.stack);
    free(w.scratch);
    free(w.creators);
    if (!ok) {
        free(info->inflated);
        info->inflated = NULL;
    }
    return ok;
}

bool rn_dicom_walk(RnIO *io, const RnParseOptions *opts,
                   const RnWalkCallbacks *cb, void *user, RnError **err)
{
    RnWalkInfo info;
    bool ok = rn_dicom_walk_info(io, opts, cb, NULL, user, &info, err);
    free(info.inflated);
    return ok;
}

void rn_parse_options_init(RnParseOptions *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_element_length = 1u << 30;
    opts->max_depth = 64;
    opts->max_elements = 1000000;
    opts->max_total_bytes = 2ull << 30;
}

bool rn_dicom_sniff(const uint8_t *head, size_t n)
{
    if (n >= 132 && memcmp(head + 128, "DICM", 4) == 0)
        return true;
    if (n < 8)
        return false;
    /* A bare data set starts with a low group (0002..0008) element. */
    uint16_t g = rd16(head, false), gb = rd16(head, true);
    uint16_t grp = g <= 0x0008 ? g : gb;
    if (grp == 0 || grp > 0x0008 || (grp & 1u))
        return false;
    uint16_t e = grp == g ? rd16(head + 2, false) : rd16(head + 2, true);
    return e < 0x1000;
}
