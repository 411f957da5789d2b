/* The fusion defaults (contract: fusion.h). The figures behind each weight
 * are in bench/RESULTS.md, "Fusion defaults"; tests/study holds `radnet
 * fuse` to this table. */
#include "radnet/fusion.h"

#include <string.h>

static const RnFusionDefault fusion_defaults[] = {
    /* The Modality tag alone (meta-modality: one-hot, no vendor or
     * protocol variation). Weight 3 against 1 for the others: rows of two
     * modalities are farther apart than any two rows of one modality, so
     * no cluster mixes modalities, and inside a modality the block is
     * constant and leaves the split to the sources below. */
    {"meta-modality", 3.0, NULL},
    /* pixels: HOG (image's default method) */
    {"image-hog", 1.0, NULL},
    /* pixels: multi-scale LBP texture of a 32 × 32 thumbnail, weight 0:
     * read only by the imputation's map (fusion.h), beside HOG. On the
     * tuning archive with vendor codes and dropped reports the imputed
     * anatomy block of a row without a tag word names its true region for
     * 0.77 against 0.71 (radiographs 0.77-0.84 against 0.65-0.73); fused
     * at 0.5 instead it lost region and seed agreement on the undamaged
     * held-out archive. 32 × 32: as good as 64 × 64 for the map at a third
     * of its CPU, about HOG's (bench/RESULTS.md, "Richer pixels for the
     * map"). */
    {"image-lbp", 0.0, "size=32"},
    /* StudyDescription, ProtocolName, BodyPartExamined, ... as text: it
     * carries what the anatomy lexicon does not know, but where a
     * hospital's protocol names are codes ("CT1034", "PROT 7") it is
     * noise with the weight of a source. 0.5 against 1: region
     * homogeneity at k = 50 +0.028 on the tuning archive with codes, the
     * same or better on the two without (bench/RESULTS.md, "Region when a
     * source is missing"). */
    {"meta-text-tags", 0.5, NULL},
    /* the report; an exam without one is a missing row (renormalised) */
    {"text-tfidf", 1.0, NULL},
    /* the anatomy words of the descriptive tags (multilingual lexicon,
     * src/embed/anatomy.c) as a unit-length region block; tags without
     * one are a missing row (renormalised). Region homogeneity at k = 50
     * +0.06-0.08 on held-out archives, also with BodyPartExamined erased
     * (bench/RESULTS.md, "Region inside modalities"); 1.5 against 1 and 2
     * on the two tuning archives. */
    {"meta-anatomy", 1.5, NULL},
    /* the report's anatomy words, the same lexicon: where the tags name no
     * body part (vendor protocol codes) the report often does, and with
     * imputation (below) a row without a tag word finds the rows whose
     * reports name its region. Weight 1 against 0.5 and 1.5 on three
     * tuning archives (bench/RESULTS.md, "Region when a source is
     * missing"). */
    {"text-anatomy", 1.0, NULL},
};

const RnFusionDefault *rn_fusion_defaults(size_t *n)
{
    *n = sizeof fusion_defaults / sizeof *fusion_defaults;
    return fusion_defaults;
}

const char *rn_fusion_default_options(const char *input)
{
    for (size_t i = 0; i < sizeof fusion_defaults / sizeof *fusion_defaults; i++)
        if (strcmp(fusion_defaults[i].input, input) == 0)
            return fusion_defaults[i].options;
    return NULL;
}

/* PCA of the fused rows to 32 columns: the same region figures as no
 * reduction and k-means seeds that agree more (mean pairwise ARI at
 * k = 50 0.78-0.83 against 0.68-0.69 on the tuning archives); 16 lost
 * region, 24 and 32 were within noise of each other. */
#define FUSION_DEFAULT_REDUCE 32u

size_t rn_fusion_default_reduce(void)
{
    return FUSION_DEFAULT_REDUCE;
}

/* Missing blocks imputed from the 10 nearest references (fusion.h): on a
 * tuning archive with a third of the studies' tags in vendor codes and 40 %
 * of the reports dropped, region homogeneity at k = 50 0.67 -> 0.74; 5 and
 * 20 were within noise of 10 (bench/RESULTS.md, "Region when a source is
 * missing"). */
#define FUSION_DEFAULT_IMPUTE 10u

size_t rn_fusion_default_impute(void)
{
    return FUSION_DEFAULT_IMPUTE;
}

/* A missing block predicted from the pixels by one ridge map per Modality
 * (fusion.h), the neighbours only where no map applies: on the tuning
 * archive with vendor codes and dropped reports the imputed anatomy
 * block's strongest column names the true region for 0.71 of the rows
 * without a tag word against 0.58, region homogeneity at k = 50 0.77 ->
 * 0.86; lambda 0.03-0.3 within 0.01, 10 lost it all. `radnet run` at
 * k = 50 on held-out archives: 0.767 -> 0.822 with codes and dropped
 * reports, 0.855 -> 0.877 with dropped reports, 0.883 -> 0.884 undamaged
 * (bench/RESULTS.md, "Imputed blocks from the pixels"). */
#define FUSION_DEFAULT_IMPUTE_MAP 0.1

double rn_fusion_default_impute_map(void)
{
    return FUSION_DEFAULT_IMPUTE_MAP;
}
