/* One file -> one IngestItem: content sniff, metadata parse, elements JSON,
 * region, SR text, first-frame thumbnail. Runs on worker threads; touches
 * no shared state except the read-only region rules. */
#include "store/ingest_internal.h"

#include "radnet/codec.h"
#include "radnet/dicom.h"
#include "radnet/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNIFF_BYTES 132
#define SR_CLASS_PREFIX "1.2.840.10008.5.1.4.1.1.88."
#define DICOMDIR_CLASS "1.2.840.10008.1.3.10"
#define SR_MAX_DEPTH 32

static const RnTag field_tags[F_COUNT] = {
    [F_SOP_UID] = RN_TAG(0x0008, 0x0018),      [F_SOP_CLASS] = RN_TAG(0x0008, 0x0016),
    [F_STUDY_UID] = RN_TAG(0x0020, 0x000D),    [F_SERIES_UID] = RN_TAG(0x0020, 0x000E),
    [F_MODALITY] = RN_TAG(0x0008, 0x0060),     [F_BODY_PART] = RN_TAG(0x0018, 0x0015),
    [F_ACCESSION] = RN_TAG(0x0008, 0x0050),    [F_STUDY_ID] = RN_TAG(0x0020, 0x0010),
    [F_STUDY_DATE] = RN_TAG(0x0008, 0x0020),   [F_STUDY_DESC] = RN_TAG(0x0008, 0x1030),
    [F_PATIENT_ID] = RN_TAG(0x0010, 0x0020),   [F_SERIES_NUMBER] = RN_TAG(0x0020, 0x0011),
    [F_SERIES_DESC] = RN_TAG(0x0008, 0x103E),  [F_PROTOCOL] = RN_TAG(0x0018, 0x1030),
    [F_REQUESTED] = RN_TAG(0x0032, 0x1060),
    [F_EXAM_ID] = RN_TAG(0x0040, 0x0009), /* ScheduledProcedureStepID */
};
#define TAG_REQUEST_ATTRIBUTES RN_TAG(0x0040, 0x0275)

const char *rn_item_kind_status(ItemKind k)
{
    static const char *const names[] = {"image", "object", "sr", "dicomdir",
                                        "notdicom", "quarantined"};
    return names[k];
}

void rn_ingest_item_clear(IngestItem *it)
{
    free(it->path);
    free(it->data);
    free(it->fetch_error);
    free(it->q_reason);
    for (int i = 0; i < F_COUNT; i++)
        free(it->field[i]);
    free(it->region);
    free(it->ts_uid);
    free(it->photometric);
    rn_buf_free(&it->elements);
    free(it->sr_text);
    free(it->thumb);
    memset(it, 0, sizeof *it);
}

/* Records the first problem of the file; keeps the offset when known. */
static void quarantine(IngestItem *it, const char *stage, RnError *err)
{
    if (!it->quarantined) {
        it->quarantined = true;
        it->q_stage = stage;
        it->q_code = err ? rn_error_code(err) : RN_ERROR_INTERNAL;
        it->q_reason = strdup(err ? rn_error_message(err) : "unknown error");
        it->q_offset = err ? rn_error_offset(err) : -1;
    }
    rn_error_free(err);
}

/* Reads the first bytes to decide whether the file is DICOM at all. */
static bool sniff(IngestItem *it, bool *is_dicom)
{
    if (it->fetch_error != NULL) { /* from a feed that could not fetch it */
        RnError *err = NULL;
        rn_error_set(&err, RN_ERROR_IO, "%s", it->fetch_error);
        quarantine(it, "read", err);
        return false;
    }
    if (it->data != NULL) { /* from a feed: the bytes are here */
        *is_dicom = rn_dicom_sniff(it->data, it->size < SNIFF_BYTES ? it->size : SNIFF_BYTES);
        return true;
    }
    uint8_t head[SNIFF_BYTES];
    int fd = open(it->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        RnError *err = NULL;
        rn_error_set(&err, RN_ERROR_IO, "cannot open: %s", strerror(errno));
        quarantine(it, "read", err);
        return false;
    }
    ssize_t n;
    do
        n = read(fd, head, sizeof head);
    while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (n < 0) {
        RnError *err = NULL;
        rn_error_set(&err, RN_ERROR_IO, "cannot read: %s", strerror(saved));
        quarantine(it, "read", err);
        return false;
    }
    *is_dicom = rn_dicom_sniff(head, (size_t)n);
    return true;
}

/* ---- header values -------------------------------------------------- */

static char *get_string(const RnDataSet *ds, RnTag tag)
{
    const RnElement *el = rn_dataset_get(ds, tag);
    char *s = NULL;
    RnError *err = NULL;
    if (el == NULL || !rn_element_get_text(el, &s, &err)) {
        rn_error_free(err);
        return NULL;
    }
    if (s[0] == 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* The exam identifier: ScheduledProcedureStepID at the top level or in the
 * first Request Attributes item (where modality worklists put it). */
static char *exam_id(const RnDataSet *ds)
{
    char *id = get_string(ds, field_tags[F_EXAM_ID]);
    const RnElement *req = rn_dataset_get(ds, TAG_REQUEST_ATTRIBUTES);
    if (id == NULL && req != NULL && rn_element_item_count(req) > 0)
        id = get_string(rn_element_item(req, 0), field_tags[F_EXAM_ID]);
    return id;
}

static void read_fields(const RnDataSet *ds, IngestItem *it)
{
    for (int i = 0; i < F_COUNT; i++)
        it->field[i] = i == F_EXAM_ID ? exam_id(ds) : get_string(ds, field_tags[i]);
}

static bool is_dicomdir(const RnDicomFile *f, const IngestItem *it)
{
    const RnDataSet *meta = rn_dicom_get_meta(f);
    char *media = meta ? get_string(meta, RN_TAG(0x0002, 0x0002)) : NULL;
    bool dir = (media && strcmp(media, DICOMDIR_CLASS) == 0) ||
               (it->field[F_SOP_CLASS] && strcmp(it->field[F_SOP_CLASS], DICOMDIR_CLASS) == 0) ||
               rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG(0x0004, 0x1220)) != NULL;
    free(media);
    return dir;
}

/* ---- elements JSON ---------------------------------------------------- */

/* JSON key: the keyword of a non-repeating public tag, else "ggggeeee"
 * (group lengths, repeating groups and private tags would collide). */
static void element_key(RnTag tag, char key[16], const char **name)
{
    const RnDictEntry *d = rn_dict_lookup(tag);
    if (d != NULL && d->tag == tag && d->mask == 0xFFFFFFFFu && d->keyword != NULL &&
        d->keyword[0] != 0 && (RN_TAG_GROUP(tag) & 1u) == 0 && RN_TAG_ELEMENT(tag) != 0) {
        *name = d->keyword;
        return;
    }
    snprintf(key, 16, "%08X", (unsigned)tag);
    *name = key;
}

/* One member "Keyword": ["VR", "text"]; sequences, bulk values and
 * undecodable text are left out. */
static bool append_element(RnJsonWriter *w, const RnElement *el)
{
    RnVR vr = rn_element_text_vr(el);
    if (vr == RN_VR('S', 'Q') || rn_element_item_count(el) > 0 || rn_vr_is_bulk(vr))
        return true;
    char *value = NULL;
    RnError *local = NULL;
    if (rn_element_length(el) > 0 && !rn_element_get_text(el, &value, &local)) {
        rn_error_free(local); /* undecodable value: left out, not fatal */
        return true;
    }
    char key[16], vrs[3];
    const char *name;
    element_key(rn_element_tag(el), key, &name);
    rn_vr_str(vr, vrs);
    rn_json_key(w, name);
    rn_json_begin_array(w);
    rn_json_string(w, vrs);
    rn_json_string(w, value ? value : "");
    free(value);
    return rn_json_end_array(w);
}

static bool build_elements(const RnDataSet *ds, RnBuf *b, RnError **err)
{
    RnJsonWriter *w = rn_json_open(b, 0, err);
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    size_t n = rn_dataset_count(ds);
    for (size_t i = 0; i < n; i++)
        if (!append_element(w, rn_dataset_at(ds, i)))
            break;
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err) && rn_buf_terminate(b, err);
    rn_json_close(w);
    return ok;
}

/* ---- SR text ---------------------------------------------------------- */

/* Appends every TextValue of the content tree, one per line. */
static bool collect_sr_text(const RnDataSet *ds, unsigned depth, RnBuf *out, RnError **err)
{
    char *text = get_string(ds, RN_TAG(0x0040, 0xA160));
    bool ok = true;
    if (text != NULL) {
        ok = rn_buf_append_str(out, out->len ? "\n" : "", err) &&
             rn_buf_append_str(out, text, err);
        free(text);
    }
    const RnElement *content = rn_dataset_get(ds, RN_TAG(0x0040, 0xA730));
    size_t items = content ? rn_element_item_count(content) : 0;
    for (size_t i = 0; ok && depth < SR_MAX_DEPTH && i < items; i++)
        ok = collect_sr_text(rn_element_item(content, i), depth + 1, out, err);
    return ok;
}

static void extract_sr(const RnDataSet *ds, IngestItem *it)
{
    RnBuf text = RN_BUF_INIT;
    RnError *err = NULL;
    if (collect_sr_text(ds, 0, &text, &err) && text.len > 0 && rn_buf_terminate(&text, &err))
        it->sr_text = (char *)text.data;
    else
        rn_buf_free(&text);
    rn_error_free(err);
}

/* ---- pixels ------------------------------------------------------------ */

static void geometry_from_header(const RnDataSet *ds, IngestItem *it)
{
    int64_t v;
    if (rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x0010), 0, &v) && v > 0 && v <= UINT32_MAX)
        it->rows = (uint32_t)v;
    if (rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x0011), 0, &v) && v > 0 && v <= UINT32_MAX)
        it->columns = (uint32_t)v;
    it->frames = 1;
    if (rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x0008), 0, &v) && v > 0 && v <= UINT32_MAX)
        it->frames = (uint32_t)v;
    it->photometric = get_string(ds, RN_TAG(0x0028, 0x0004));
}

static void make_thumbnail(const ExtractConfig *cfg, RnDicomFile *f, IngestItem *it)
{
    RnPreprocessOptions opts = {.size = cfg->thumb_size};
    RnPreprocessed pre;
    memset(&pre, 0, sizeof pre);
    RnError *err = NULL;
    if (!rn_image_preprocess_file(f, &opts, &pre, &err)) {
        quarantine(it, "pixels", err);
        return;
    }
    it->thumb = pre.pixels; /* size² bytes, size == cfg->thumb_size */
    pre.pixels = NULL;
    it->drop_reason = pre.drop != RN_DROP_NONE ? rn_drop_reason_name(pre.drop) : NULL;
    it->window_source = rn_window_source_name(pre.window_source);
    it->window_center = pre.window_center;
    it->window_width = pre.window_width;
    rn_preprocessed_free(&pre);
}

/* ---- the whole file ---------------------------------------------------- */

static void classify_region(const ExtractConfig *cfg, IngestItem *it)
{
    RnRegionInput in = {it->field[F_BODY_PART], it->field[F_MODALITY], it->field[F_STUDY_DESC],
                        it->field[F_PROTOCOL], it->field[F_REQUESTED]};
    RnError *err = NULL;
    if (!rn_region_classify(cfg->rules, &in, &it->region, &err))
        it->region = NULL;
    rn_error_free(err);
}

static void extract_object(const ExtractConfig *cfg, RnDicomFile *f, IngestItem *it)
{
    const RnDataSet *ds = rn_dicom_get_dataset(f);
    read_fields(ds, it);
    if (is_dicomdir(f, it)) {
        it->kind = ITEM_DICOMDIR;
        return;
    }
    const char *ts = rn_dicom_transfer_syntax_uid(f);
    it->ts_uid = ts && ts[0] ? strdup(ts) : NULL;
    geometry_from_header(ds, it);
    classify_region(cfg, it);
    RnError *err = NULL;
    if (!build_elements(ds, &it->elements, &err)) {
        quarantine(it, "header", err);
        it->kind = ITEM_QUARANTINED;
        return;
    }
    bool has_pixels = rn_dicom_has_pixel_data(f);
    bool is_sr = it->field[F_SOP_CLASS] &&
                 strncmp(it->field[F_SOP_CLASS], SR_CLASS_PREFIX, strlen(SR_CLASS_PREFIX)) == 0;
    it->kind = has_pixels ? ITEM_IMAGE : is_sr ? ITEM_SR : ITEM_OBJECT;
    if (is_sr)
        extract_sr(ds, it);
    if (has_pixels && cfg->pixels)
        make_thumbnail(cfg, f, it);
}

static void extract_dicom(const ExtractConfig *cfg, IngestItem *it)
{
    RnParseOptions opts;
    rn_parse_options_init(&opts);
    opts.stop_before_pixels = !cfg->pixels; /* nothing after PixelData is read */
    RnError *err = NULL;
    RnDicomFile *f = it->data != NULL ? rn_dicom_open_memory(it->data, it->size, &opts, &err)
                                      : rn_dicom_open(it->path, &opts, &err);
    if (f == NULL) {
        quarantine(it, "header", err);
        it->kind = ITEM_QUARANTINED;
        return;
    }
    extract_object(cfg, f, it);
    rn_dicom_close(f);
}

void rn_extract_file(const ExtractConfig *cfg, IngestItem *it)
{
    bool is_dicom = false;
    if (!sniff(it, &is_dicom))
        it->kind = ITEM_QUARANTINED;
    else if (!is_dicom)
        it->kind = ITEM_NOTDICOM;
    else
        extract_dicom(cfg, it);
    /* A fed object's bytes are not needed once extracted: free them now so
     * that items waiting for the writer hold no more than their thumbnail. */
    free(it->data);
    it->data = NULL;
}
