/* 8-bit grayscale PNG through libpng. libpng reports errors by calling an
 * error function that must not return, so ours longjmps back to the encoder
 * with the message saved; nothing is printed and nothing aborts. */
#include "radnet/image.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct PngSink {
    RnBuf *out;
    RnError *err;       /* allocation failure while appending */
    char message[200];  /* libpng's own error text */
    jmp_buf jump;
} PngSink;

static void sink_error(png_structp png, png_const_charp msg)
{
    PngSink *s = png_get_error_ptr(png);
    snprintf(s->message, sizeof s->message, "%s", msg);
    longjmp(s->jump, 1);
}

static void sink_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* warnings do not change the output */
}

static void sink_write(png_structp png, png_bytep data, size_t n)
{
    PngSink *s = png_get_io_ptr(png);
    if (!rn_buf_append(s->out, data, n, &s->err))
        png_error(png, "out of memory");
}

static void sink_flush(png_structp png)
{
    (void)png;
}

/* Runs the libpng calls; returns false after a longjmp. Kept apart from the
 * caller so no local it owns is live across setjmp. */
static bool encode_rows(png_structp png, png_infop info, PngSink *sink,
                        const uint8_t *pixels, uint32_t width, uint32_t height)
{
    if (setjmp(sink->jump))
        return false;
    png_set_write_fn(png, sink, sink_write, sink_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    /* Speed over size: previews are written by the million during ingest. */
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width));
    png_write_end(png, info);
    return true;
}

bool rn_png_encode_gray8(const uint8_t *pixels, uint32_t width, uint32_t height,
                         RnBuf *out, RnError **err)
{
    if (pixels == NULL || out == NULL || width == 0 || height == 0 ||
        width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX) {
        rn_error_set(err, RN_ERROR_INVALID, "png: bad image %ux%u", width, height);
        return false;
    }
    PngSink sink = {.out = out};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink,
                                              sink_error, sink_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        rn_error_set(err, RN_ERROR_NOMEM, "png: cannot create encoder");
        return false;
    }
    size_t start = out->len;
    bool ok = encode_rows(png, info, &sink, pixels, width, height);
    png_destroy_write_struct(&png, &info);
    if (!ok) {
        out->len = start;
        if (sink.err)
            rn_error_set(err, rn_error_code(sink.err), "%s", rn_error_message(sink.err));
        else
            rn_error_set(err, RN_ERROR_INTERNAL, "png: %s", sink.message);
    }
    rn_error_free(sink.err);
    return ok;
}

bool rn_png_write_gray8(const char *path, const uint8_t *pixels, uint32_t width,
                        uint32_t height, RnError **err)
{
    RnBuf buf = RN_BUF_INIT;
    bool ok = rn_png_encode_gray8(pixels, width, height, &buf, err) &&
              rn_file_write_atomic(path, buf.data, buf.len, err);
    rn_buf_free(&buf);
    return ok;
}
