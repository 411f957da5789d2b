/* `radnet export`: the labels of the last finished run (and of images
 * assigned since), pseudonymised unless asked (contract: run.h). */
#include "run_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ExportRow {
    const char *id, *exam_id, *modality, *body_part, *region, *name;
    char *path;                 /* with_paths, else NULL */
    RnRunRow row;
} ExportRow;

/* The text of element `key` in the catalogue's elements object, or "". */
static const char *element(const RnJson *doc, const char *key)
{
    RnJsonRef v = rn_json_get(doc, rn_json_root(doc), key);
    const char *s = v ? rn_json_str(doc, rn_json_at(doc, v, 1), NULL) : NULL;
    return s ? s : "";
}

/* As the store matches reports: ScheduledProcedureStepID, else
 * AccessionNumber, else StudyID. */
static const char *exam_id(const RnJson *doc)
{
    const char *keys[] = {"ScheduledProcedureStepID", "AccessionNumber", "StudyID"};
    for (size_t i = 0; i < 3; i++)
        if (*element(doc, keys[i]))
            return element(doc, keys[i]);
    return "";
}

static const char *const columns[] = {"id", "ExamID", "Modality", "BodyPartExamined",
                                      "Cluster", "region", "distance", "silhouette",
                                      "outlier", "name", "path"};
#define N_COLUMNS(o) (sizeof columns / sizeof columns[0] - !(o)->with_paths)

static bool csv_row(RnBuf *b, const ExportRow *e, RnError **err)
{
    bool ok = ru_csv_field(b, e->id, err) && rn_buf_append_str(b, ",", err) &&
              ru_csv_field(b, e->exam_id, err) && rn_buf_append_str(b, ",", err) &&
              ru_csv_field(b, e->modality, err) && rn_buf_append_str(b, ",", err) &&
              ru_csv_field(b, e->body_part, err) &&
              rn_buf_printf(b, err, ",%d,", e->row.cluster) &&
              ru_csv_field(b, e->region, err) &&
              rn_buf_printf(b, err, ",%.6g,", e->row.distance) &&
              (isnan(e->row.silhouette) || rn_buf_printf(b, err, "%.4f", e->row.silhouette)) &&
              rn_buf_printf(b, err, ",%d,", e->row.outlier ? 1 : 0) &&
              ru_csv_field(b, e->name, err) &&
              (!e->path || (rn_buf_append_str(b, ",", err) && ru_csv_field(b, e->path, err)));
    return ok && rn_buf_append_str(b, "\n", err);
}

static void json_row(RnJsonWriter *w, const ExportRow *e)
{
    rn_json_begin_object(w);
    rn_json_kv_string(w, columns[0], e->id);
    rn_json_kv_string(w, columns[1], e->exam_id);
    rn_json_kv_string(w, columns[2], e->modality);
    rn_json_kv_string(w, columns[3], e->body_part);
    rn_json_kv_int(w, columns[4], e->row.cluster);
    rn_json_kv_string(w, columns[5], e->region);
    rn_json_kv_double(w, columns[6], e->row.distance);
    rn_json_kv_double(w, columns[7], e->row.silhouette);
    rn_json_kv_bool(w, columns[8], e->row.outlier);
    rn_json_key(w, columns[9]);
    if (e->name)
        rn_json_string(w, e->name);
    else
        rn_json_null(w);
    if (e->path)
        rn_json_kv_string(w, columns[10], e->path);
    rn_json_end_object(w);
}

typedef struct Export {
    RnStore *s;
    const RnExportOptions *o;
    RnRunResults *res;
    RnBuf out;
    RnJsonWriter *w;
    uint64_t rows;
} Export;

static bool export_image(Export *x, const RnImageRow *img, RnError **err)
{
    ExportRow e = {.modality = img->modality, .region = img->region};
    if (!rn_run_results_find(x->res, img->sop_uid, &e.row))
        return true;   /* ingested after the run and not assigned */
    RnJson *doc = rn_json_parse(img->elements_json, strlen(img->elements_json), err);
    if (!doc)
        return false;
    char id[17], exam[17];
    e.body_part = element(doc, "BodyPartExamined");
    e.exam_id = exam_id(doc);
    e.id = img->sop_uid;
    if (!x->o->reveal_uids) {
        rn_store_pseudonym(x->s, e.id, id);
        e.id = id;
        if (*e.exam_id) {
            rn_store_pseudonym(x->s, e.exam_id, exam);
            e.exam_id = exam;
        }
    }
    RnRunCluster c;
    rn_run_results_cluster(x->res, (size_t)e.row.cluster, &c);
    e.name = c.name;
    bool ok = !x->o->with_paths || rn_store_image_path(x->s, img->image_id, &e.path, err);
    if (ok && x->w)
        json_row(x->w, &e);
    else if (ok)
        ok = csv_row(&x->out, &e, err);
    x->rows++;
    free(e.path);
    rn_json_free(doc);
    return ok;
}

static bool export_all(Export *x, RnError **err)
{
    if (x->o->json) {
        if (!(x->w = rn_json_open(&x->out, 1, err)))
            return false;
        rn_json_begin_array(x->w);
    } else {
        for (size_t i = 0; i < N_COLUMNS(x->o); i++)
            if (!rn_buf_printf(&x->out, err, "%s%s", i ? "," : "", columns[i]))
                return false;
        if (!rn_buf_append_str(&x->out, "\n", err))
            return false;
    }
    RnImageCursor *c = rn_image_cursor_open(x->s, RN_CURSOR_ELEMENTS, err);
    if (!c)
        return false;
    RnImageRow img;
    RnError *e = NULL;
    bool ok = true;
    while (ok && rn_image_cursor_next(c, &img, &e))
        ok = export_image(x, &img, err);
    rn_image_cursor_close(c);
    if (e) {
        rn_error_propagate(err, e);
        return false;
    }
    if (ok && x->w) {
        rn_json_end_array(x->w);
        ok = rn_json_finish(x->w, err);
    }
    return ok;
}

bool rn_run_export(RnStore *s, const char *path, const RnExportOptions *o, uint64_t *n_rows,
                   RnError **err)
{
    Export x = {.s = s, .o = o};
    x.res = rn_run_results_open(s, err);
    bool ok = x.res && export_all(&x, err) &&
              rn_file_write_atomic(path, x.out.data ? (const void *)x.out.data : "", x.out.len,
                                   err);
    if (ok && n_rows)
        *n_rows = x.rows;
    rn_json_close(x.w);
    rn_buf_free(&x.out);
    rn_run_results_close(x.res);
    return ok;
}
