/* radnet decode FILE -o OUT.raw [--frame N]
 *
 * Writes the decoded pixel data as gdcm does (`gdcmconv --raw` then
 * `gdcmraw`): stored values, little endian, native bits allocated, every
 * frame concatenated, the whole padded to an even length like a DICOM
 * value. With --frame N only that frame (0-based), unpadded.
 */
#include "cli/cli.h"
#include "radnet/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void decode_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet decode FILE -o OUT.raw [--frame N]\n"
            "\n"
            "Decodes the pixel data of a DICOM file (native, RLE, JPEG baseline/\n"
            "extended/lossless, JPEG-LS, JPEG 2000) into raw samples: stored\n"
            "values (no rescale), little endian, bits allocated per sample,\n"
            "colour interleaved as gdcm leaves it; byte-identical to gdcm's\n"
            "`gdcmconv --raw FILE T.dcm && gdcmraw -i T.dcm -o OUT.raw`.\n"
            "\n"
            "  -o OUT     output file ('-' = standard output)\n"
            "  --frame N  only frame N (0-based); default all frames\n");
}

typedef struct DecodeArgs {
    const char *input, *output;
    long frame; /* -1 = all */
} DecodeArgs;

static bool parse_frame(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > 0x7FFFFFFF)
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, DecodeArgs *a)
{
    a->input = a->output = NULL;
    a->frame = -1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if ((strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) && i + 1 < argc) {
            a->output = argv[++i];
        } else if (strcmp(s, "--frame") == 0 && i + 1 < argc) {
            if (!parse_frame(argv[++i], &a->frame)) {
                cli_error(argv[i], "--frame wants a frame number");
                return RN_EXIT_USAGE;
            }
        } else if (strcmp(s, "--quiet") == 0) {
            continue;
        } else if (s[0] == '-' && s[1] != '\0') {
            cli_error(s, "unknown option");
            return RN_EXIT_USAGE;
        } else if (a->input == NULL) {
            a->input = s;
        } else {
            cli_error(s, "only one input file");
            return RN_EXIT_USAGE;
        }
    }
    if (a->input == NULL || a->output == NULL) {
        decode_usage(stderr);
        return RN_EXIT_USAGE;
    }
    return RN_EXIT_OK;
}

/* Decodes frames [first, last) into out, one frame buffer reused. */
static bool decode_frames(RnDicomFile *f, const RnPixelDesc *desc, uint32_t first,
                          uint32_t last, FILE *out, size_t *written, RnError **err)
{
    size_t frame_bytes;
    if (!rn_pixel_frame_bytes(desc, &frame_bytes, err))
        return false;
    uint8_t *buf = rn_malloc(frame_bytes, err);
    if (buf == NULL)
        return false;
    bool ok = true;
    for (uint32_t i = first; ok && i < last; i++) {
        const uint8_t *src;
        size_t n;
        ok = rn_dicom_frame_get(f, i, &src, &n, err) &&
             rn_codec_decode_frame(desc, src, n, buf, frame_bytes, err);
        if (ok && fwrite(buf, 1, frame_bytes, out) != frame_bytes) {
            rn_error_set(err, RN_ERROR_IO, "write failed: %s", strerror(errno));
            ok = false;
        }
        *written += frame_bytes;
    }
    free(buf);
    return ok;
}

static bool decode_file(const DecodeArgs *a, FILE *out, RnError **err)
{
    RnDicomFile *f = rn_dicom_open(a->input, NULL, err);
    if (f == NULL)
        return false;
    RnPixelDesc desc;
    bool ok = rn_dicom_pixel_desc(f, &desc, err);
    if (ok && !rn_codec_supported(desc.transfer_syntax)) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "no decoder for transfer syntax %s",
                     rn_dicom_transfer_syntax_uid(f));
        ok = false;
    }
    if (ok && a->frame >= (long)desc.frames) {
        rn_error_set(err, RN_ERROR_INVALID, "frame %ld of %u", a->frame, desc.frames);
        ok = false;
    }
    uint32_t first = a->frame < 0 ? 0 : (uint32_t)a->frame;
    uint32_t last = a->frame < 0 ? desc.frames : first + 1;
    size_t written = 0;
    ok = ok && decode_frames(f, &desc, first, last, out, &written, err);
    /* A DICOM value has even length; gdcm's output keeps the pad byte. */
    if (ok && a->frame < 0 && written % 2 != 0 && fputc(0, out) == EOF) {
        rn_error_set(err, RN_ERROR_IO, "write failed: %s", strerror(errno));
        ok = false;
    }
    rn_dicom_close(f);
    return ok;
}

int cmd_decode(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        decode_usage(stdout);
        return RN_EXIT_OK;
    }
    DecodeArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc != RN_EXIT_OK)
        return rc;
    bool to_stdout = strcmp(a.output, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(a.output, "wb");
    if (out == NULL) {
        cli_error(a.output, "cannot create: %s", strerror(errno));
        return RN_EXIT_INPUT;
    }
    rn_codec_set_threads(0); /* one file: let JPEG 2000 use every core */
    RnError *err = NULL;
    bool ok = decode_file(&a, out, &err);
    if (!to_stdout && fclose(out) != 0 && ok) {
        rn_error_set(&err, RN_ERROR_IO, "cannot write %s: %s", a.output, strerror(errno));
        ok = false;
    }
    if (!ok) {
        if (!to_stdout)
            unlink(a.output); /* no half-written output */
        return cli_fail(a.input, err);
    }
    return RN_EXIT_OK;
}
