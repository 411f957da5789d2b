/* radnet preview FILE -o OUT.png [--size S] [--voi I] [--json]: the SPEC §3 image of
 * the first frame as a PNG, and what was done to get it (window and its
 * source, inversion, drop reason). A dropped image is still written and
 * reported; dropping is a clustering decision, not an error. */
#include "cli/cli.h"
#include "radnet/image.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct PreviewArgs {
    const char *input, *output;
    uint64_t size, voi;
    bool json;
} PreviewArgs;

#define AT(field) offsetof(PreviewArgs, field)

static const CliOption preview_options[] = {
    {NULL, 0, CLI_STRING, AT(input), "FILE", "the DICOM file", 0, 0, NULL},
    {"--output", 'o', CLI_STRING, AT(output), "OUT.png", "the PNG to write", 0, 0, NULL},
    {"--size", 0, CLI_U64, AT(size), "S", "the side of the square image", 1, RN_IMAGE_MAX_SIZE,
     NULL},
    {"--voi", 0, CLI_U64, AT(voi), "I", "the VOI transform (default 0)", 0, UINT32_MAX, NULL},
    {"--json", 0, CLI_FLAG, AT(json), NULL, "the report as JSON on stdout", 0, 0, NULL},
};

static void preview_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet preview FILE -o OUT.png [--size S] [--voi I] [--json]\n\n"
            "Writes the preprocessed 8-bit image of the first frame (SPEC 3):\n"
            "rescale or Modality LUT, VOI window (header, else VOI LUT, else\n"
            "0.5-99.5 percentile), inversion for MONOCHROME1 and CR/DX INVERSE,\n"
            "bilinear fit into S x S with centred padding (default S = %u, at\n"
            "most %u). --voi I picks VOI transform I (default 0): the window\n"
            "pairs in file order, then the VOI LUT Sequence items.\n"
            "Reports the window, its source, inversion and the drop reason on\n"
            "stderr, or as one JSON object on stdout with --json.\n\n",
            RN_IMAGE_DEFAULT_SIZE, RN_IMAGE_MAX_SIZE);
    cli_options_help(out, preview_options, CLI_COUNT(preview_options));
}

/* Returns -1 when parsed, else the exit code. */
static int parse_args(int argc, char **argv, PreviewArgs *a)
{
    memset(a, 0, sizeof *a);
    int rc = cli_options_parse(preview_options, CLI_COUNT(preview_options), a, argc, argv,
                               NULL, NULL);
    if (rc >= 0)
        return rc;
    if (a->input == NULL || a->output == NULL) {
        cli_error("preview", "needs FILE and -o OUT.png");
        preview_usage(stderr);
        return RN_EXIT_USAGE;
    }
    return -1;
}

static bool print_json(const PreviewArgs *a, const RnPreprocessed *p, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&b, 0, err);
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "file", a->input);
    rn_json_kv_string(w, "output", a->output);
    rn_json_kv_uint(w, "size", p->size);
    rn_json_kv_uint(w, "source_rows", p->source_rows);
    rn_json_kv_uint(w, "source_columns", p->source_columns);
    rn_json_kv_double(w, "window_center", p->window_center);
    rn_json_kv_double(w, "window_width", p->window_width);
    rn_json_kv_string(w, "window_source", rn_window_source_name(p->window_source));
    rn_json_kv_uint(w, "voi_index", p->voi_index);
    rn_json_kv_uint(w, "voi_count", p->voi_count);
    rn_json_kv_bool(w, "modality_lut", p->modality_lut);
    rn_json_kv_bool(w, "inverted", p->inverted);
    rn_json_kv_string(w, "drop", rn_drop_reason_name(p->drop));
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err) && rn_buf_append(&b, "\n", 1, err);
    if (ok)
        fwrite(b.data, 1, b.len, stdout);
    rn_json_close(w);
    rn_buf_free(&b);
    return ok;
}

/* The result, not progress: printed under --quiet too, so a dropped image
 * is never silent. */
static void print_text(const PreviewArgs *a, const RnPreprocessed *p)
{
    fprintf(stderr, "%s: %ux%u -> %ux%u, window %.6g/%.6g (%s)%s", a->input,
            p->source_rows, p->source_columns, p->size, p->size,
            p->window_center, p->window_width,
            rn_window_source_name(p->window_source),
            p->inverted ? ", inverted" : "");
    if (p->drop != RN_DROP_NONE)
        fprintf(stderr, ", dropped: %s", rn_drop_reason_name(p->drop));
    fputc('\n', stderr);
}

int cmd_preview(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        preview_usage(stdout);
        return RN_EXIT_OK;
    }
    PreviewArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    RnError *err = NULL;
    RnParseOptions po;
    rn_parse_options_init(&po);
    RnDicomFile *f = rn_dicom_open(a.input, &po, &err);
    RnPreprocessOptions opts = {.size = (uint32_t)a.size, .voi_index = (uint32_t)a.voi};
    RnPreprocessed p = {0};
    if (f == NULL || !rn_image_preprocess_file(f, &opts, &p, &err)) {
        rn_dicom_close(f);
        return cli_fail(a.input, err);
    }
    rn_dicom_close(f);
    bool ok = rn_png_write_gray8(a.output, p.pixels, p.size, p.size, &err);
    if (ok && a.json)
        ok = print_json(&a, &p, &err);
    else if (ok)
        print_text(&a, &p);
    rn_preprocessed_free(&p);
    return ok ? RN_EXIT_OK : cli_fail(a.output, err);
}
