/* Study generation: patient and exam identity, series and their pixel
 * formats and transfer syntaxes, per-vendor header habits, noisy
 * BodyPartExamined, files on disk, truth and report rows. */
#include "synth/study.h"

#include "synth/codecs.h"
#include "synth/glyphs.h"
#include "synth/naming.h"
#include "synth/render.h"
#include "synth/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define PI 3.14159265358979323846

/* Stream kinds: each (seed, kind, index) is an independent random stream. */
enum {
    K_PLAN = 1, K_PATIENT_PLAN, K_PATIENT, K_STUDY, K_SERIES, K_IMAGE,
    K_UID_STUDY, K_UID_SERIES, K_UID_SOP, K_UID_FOR, K_REPORT, K_PATIENT_ID,
    K_ACCESSION, K_ANATOMY, K_LESION, K_ORPHAN, K_STATION
};

const char synth_truth_header[] =
    "SOPInstanceUID,Modality,Region,StudyInstanceUID,SeriesInstanceUID,AccessionNumber,"
    "ExamID,PatientID,Path,TransferSyntaxUID,Rows,Columns,Frames,SamplesPerPixel,"
    "BitsAllocated,BitsStored,PixelRepresentation,PhotometricInterpretation,Lossy,"
    "PixelCRC32,BodyPartExamined,BodyPartStatus,Manufacturer,View,Pathology,CharsetStatus,"
    "Implant,Organ\r\n";
const char synth_reports_header[] = "ExamID,AccessionNumber,StudyInstanceUID,ReportText\r\n";

/* ---- planning ---------------------------------------------------------- */

static void images_range(const ModalityInfo *mi, RnSynthSize size, int *lo, int *hi)
{
    *lo = mi->images_min;
    *hi = mi->images_max;
    if (size != RN_SYNTH_FULL) { /* fewer slices keep test archives varied */
        *hi = *hi < 5 ? *hi : 5;
        *lo = *lo < 3 ? *lo : 3;
    }
}

static double expected_images(const ModalityInfo *mi, RnSynthSize size)
{
    int lo, hi;
    images_range(mi, size, &lo, &hi);
    return 0.5 * (mi->series_min + mi->series_max) * 0.5 * (lo + hi);
}

void planner_init(Planner *p, uint64_t seed, RnSynthSize size, uint64_t n_files)
{
    memset(p, 0, sizeof *p);
    p->seed = seed;
    p->size = size;
    p->n_files = n_files;
}

static void plan_contents(Planner *p, Rng *r, StudyPlan *s)
{
    /* Modality drawn per study with weight share / images-per-study, so
     * image counts end up in the target shares. */
    double w[M_COUNT];
    for (int m = 0; m < M_COUNT; m++)
        w[m] = synth_modalities[m].image_share / expected_images(&synth_modalities[m], p->size);
    s->mod = (Mod)rng_weighted(r, w, M_COUNT);
    const ModalityInfo *mi = &synth_modalities[s->mod];
    double rw[MAX_MOD_REGIONS] = {0};
    int nr = 0;
    while (nr < MAX_MOD_REGIONS && mi->regions[nr].weight > 0) {
        rw[nr] = mi->regions[nr].weight;
        nr++;
    }
    const ModRegion *mr = &mi->regions[rng_weighted(r, rw, (size_t)nr)];
    s->region = mr->region;
    s->scene = mr->scene;
    s->nseries = rng_int(r, mi->series_min, mi->series_max);
    int lo, hi;
    images_range(mi, p->size, &lo, &hi);
    for (int i = 0; i < s->nseries; i++)
        s->images[i] = rng_int(r, lo, hi);
    s->sr = rng_chance(r, 0.03);
    /* CT and MR studies start with a scout (CT: 1-2 images) or a
     * three-plane localizer (MR); CT dose reports come as captures. */
    bool tomo = s->mod == M_CT || s->mod == M_MR;
    if (tomo && s->nseries < MAX_SERIES && rng_chance(r, 0.7)) {
        memmove(s->images + 1, s->images, sizeof s->images[0] * (size_t)s->nseries);
        s->images[0] = s->mod == M_CT ? rng_int(r, 1, 2) : 3;
        s->nseries++;
        s->localizer = true;
    }
    s->capture = s->mod == M_CT && rng_chance(r, 0.4);
}

/* Cuts the study down so the archive has exactly n_files files. */
static void plan_truncate(StudyPlan *s, uint64_t room)
{
    int n = s->sr + s->capture;
    for (int i = 0; i < s->nseries; i++)
        n += s->images[i];
    if ((uint64_t)n > room && s->sr) {
        s->sr = false;
        n--;
    }
    if ((uint64_t)n > room && s->capture) {
        s->capture = false;
        n--;
    }
    for (int i = s->nseries - 1; i >= 0 && (uint64_t)n > room; i--) {
        int cut = (uint64_t)(n - s->images[i]) >= room ? s->images[i]
                                                        : n - (int)room;
        s->images[i] -= cut;
        n -= cut;
        if (s->images[i] == 0)
            s->nseries = i;
    }
    s->nfiles = n;
}

bool planner_next(Planner *p, StudyPlan *s)
{
    if (p->planned >= p->n_files)
        return false;
    if (p->studies_left == 0) {
        Rng r;
        rng_seed(&r, p->seed, K_PATIENT_PLAN, p->next_patient++);
        p->studies_left = 1;
        while (p->studies_left < 5 && rng_chance(&r, 0.4))
            p->studies_left++;
        p->study_in_patient = 0;
    }
    memset(s, 0, sizeof *s);
    Rng r;
    rng_seed(&r, p->seed, K_PLAN, p->next_study);
    s->index = p->next_study++;
    s->patient = p->next_patient - 1;
    s->study_in_patient = p->study_in_patient++;
    p->studies_left--;
    plan_contents(p, &r, s);
    plan_truncate(s, p->n_files - p->planned);
    p->planned += (uint64_t)s->nfiles;
    return true;
}

/* ---- identifiers --------------------------------------------------------- */

/* 2.25.<UUID as decimal> (PS3.5 B.2), a version-4-shaped UUID from a hash. */
static void make_uid(char out[65], uint64_t seed, uint64_t kind, uint64_t a, uint64_t b)
{
    uint64_t hi = rng_hash3(rng_hash3(seed, kind, a), b, 0x5D), lo = rng_hash3(hi, b, kind);
    hi = (hi & ~0xF000ull) | 0x4000ull;
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    unsigned __int128 v = ((unsigned __int128)hi << 64) | lo;
    char digits[48];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    memcpy(out, "2.25.", 5);
    for (int i = 0; i < n; i++)
        out[5 + i] = digits[n - 1 - i];
    out[5 + n] = '\0';
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* CRC-32 of the stored pixel bytes (zlib's, so any reader can recompute it). */
static uint64_t pixel_crc(const uint8_t *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* ---- files --------------------------------------------------------------- */

static bool mkdirs(char *path, RnError **err)
{
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
        int e = errno;
        *p = c;
        if (!ok) {
            rn_error_set(err, RN_ERROR_IO, "%s: mkdir: %s", path, strerror(e));
            return false;
        }
        if (c == '\0')
            return true;
    }
}

static bool write_file(const char *path, const RnBuf *b, RnError **err)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        rn_error_set(err, RN_ERROR_IO, "%s: write failed", path);
    return ok;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static bool csv_field(RnBuf *b, const char *s, bool last, RnError **err)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    bool ok = !quote || rn_buf_append(b, "\"", 1, err);
    for (const char *p = s; ok && *p; p++)
        ok = rn_buf_append(b, p, 1, err) && (*p != '"' || rn_buf_append(b, "\"", 1, err));
    ok = ok && (!quote || rn_buf_append(b, "\"", 1, err));
    return ok && rn_buf_append_str(b, last ? "\r\n" : ",", err);
}

/* ---- study and series context -------------------------------------------- */

typedef struct StudyCtx {
    const StudyPlan *plan;
    uint64_t seed;
    RnSynthSize size;
    const ModalityInfo *mi;
    const RegionInfo *ri;
    const VendorInfo *vendor;
    Charset cs;
    Person person;
    char patient_id[24], accession[24], exam_id[24], study_uid[65], for_uid[65];
    char date[16], time[16], study_id[24], age[16], birth[16];
    char station[32], institution[64], referring[64];
    RnBuf description, requested; /* UTF-8 */
    int side, station_no;
    Lang lang;                /* of the hospital's RIS and protocols */
    Lesion lesion;            /* what the images show; the report says it */
    int lesion_mm;
    bool charset_undeclared;  /* text in cs, (0008,0005) left out */
    bool accession_in_dicom, undefined_sq;
    char dir[4096]; /* DIR/<patient>/<study> */
    size_t dir_len;
} StudyCtx;

typedef struct SeriesCtx {
    int index, number, nimages;
    char uid[65], desc[64], protocol[64], kernel[8];
    const char *bpe;     /* UTF-8 value written, NULL = absent */
    const char *bpe_status;
    Scene scene;         /* the series' scene (head planes differ by series) */
    bool localizer;      /* scout / localizer series */
    ViewKind plane;      /* localizer image: its plane (IOP) */
    ViewKind view;       /* of its first image */
    DcmSyntax ts;
    PixelSpec spec;
    RenderJob job;
    int name_style;
    double wc[2], ww[2];
    int nwin;            /* -1: automatic from the image, 0: none */
    double spacing, thickness;
    int kvp;
} SeriesCtx;

static const char *const institutions[] = {
    "Klinicki bolnicki centar Sveti Vid", "Opca bolnica Zlatno Polje",
    "Poliklinika Radiologija Plus", "KB Sestre Milosrdnice Lovor", "Dom zdravlja Kvarnerska"};
static const char *const doctors[] = {"Perić^Ana^^dr. med.", "Horvat^Marko", "Kovač^Ivana",
                                      "Babić^Tomislav^^dr.", "", "Radić^Sanja"};

static void study_identity(StudyCtx *c, Rng *r)
{
    const StudyPlan *pl = c->plan;
    Rng pr;
    rng_seed(&pr, c->seed, K_PATIENT, pl->patient);
    text_person(&pr, &c->person);
    /* An odd multiplier prime to 10 makes IDs a bijection of the index:
     * no two patients share an ID (up to 10^10 patients). */
    const uint64_t ten10 = 10000000000ull;
    uint64_t mul = (uint64_t)((unsigned __int128)(pl->patient % ten10) * 7919000003ull % ten10);
    uint64_t pid = (mul + rng_hash3(c->seed, K_PATIENT_ID, 0) % ten10) % ten10;
    snprintf(c->patient_id, sizeof c->patient_id, "%010llu", (unsigned long long)pid);
    int year = rng_int(r, 2012, 2025), month = rng_int(r, 1, 12), day = rng_int(r, 1, 28);
    int birth_year = c->person.birth_year < year ? c->person.birth_year : year - 1;
    snprintf(c->date, sizeof c->date, "%04d%02d%02d", year % 10000, month % 100, day % 100);
    snprintf(c->time, sizeof c->time, "%02d%02d%02d", rng_int(r, 7, 19), rng_int(r, 0, 59),
             rng_int(r, 0, 59));
    snprintf(c->birth, sizeof c->birth, "%04d%02d%02d", birth_year, c->person.birth_month,
             c->person.birth_day);
    snprintf(c->age, sizeof c->age, "%03dY", year - birth_year);
    uint64_t acc = (pl->index % 10000000ull * 7919003ull +
                    rng_hash3(c->seed, K_ACCESSION, 0) % 10000000ull) % 10000000ull;
    snprintf(c->accession, sizeof c->accession, "A%04d%07llu", year, (unsigned long long)acc);
    snprintf(c->exam_id, sizeof c->exam_id, "EX%09llu", (unsigned long long)pl->index + 1);
    snprintf(c->study_id, sizeof c->study_id, "%llu", (unsigned long long)(pl->index % 100000) + 1);
    make_uid(c->study_uid, c->seed, K_UID_STUDY, pl->index, 0);
    make_uid(c->for_uid, c->seed, K_UID_FOR, pl->index, 0);
    snprintf(c->institution, sizeof c->institution, "%s", RNG_PICK(r, institutions));
    snprintf(c->referring, sizeof c->referring, "%s", RNG_PICK(r, doctors));
    c->accession_in_dicom = rng_chance(r, 0.95);
    static const double lang_w[L_COUNT] = {0.7, 0.2, 0.1};
    c->lang = (Lang)rng_weighted(r, lang_w, L_COUNT);
}

static void study_vendor(StudyCtx *c, Rng *r)
{
    int nv = 0;
    while (nv < MAX_MOD_VENDORS && c->mi->vendors[nv] >= 0)
        nv++;
    c->vendor = &synth_vendors[c->mi->vendors[rng_int(r, 0, nv - 1)]];
    c->cs = (Charset)rng_weighted(r, c->vendor->charset_w, CS_COUNT);
    /* Old gateways drop the character set of non-ASCII data. */
    c->charset_undeclared = c->cs != CS_ASCII && rng_chance(r, 0.04);
    c->station_no = rng_int(r, 1, 4);
    snprintf(c->station, sizeof c->station, "%s%s%02d", c->vendor->station_stem,
             c->mi->code, c->station_no);
    c->undefined_sq = rng_chance(r, 0.5);
}

/* BodyPartExamined per series. Errors follow the station: each (station,
 * region) protocol has a habit, fixed for the archive: most write the
 * region, some leave it empty, some a vaguer value, some a neighbouring
 * region (a copied preset: HIP as PELVIS, KNEE as LEG). A little per-series
 * noise on top (technologists' edits). */
static void series_body_part(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    const RegionInfo *ri = c->ri;
    int nb = 0;
    while (nb < 3 && ri->bpe[nb])
        nb++;
    /* A station's cardiac protocols are copies of its thorax ones. */
    Region protocol = c->plan->region == R_HEART ? R_CHEST : c->plan->region;
    uint64_t habit = rng_hash3(rng_hash3(c->seed, K_STATION, (uint64_t)(c->vendor - synth_vendors)),
                               (uint64_t)c->station_no * 64 + (uint64_t)c->plan->mod,
                               (uint64_t)protocol);
    double u = (double)(habit >> 11) * 0x1.0p-53, missing = c->vendor->bpe_missing;
    if (rng_chance(r, 0.03)) /* a technologist's edit, either way */
        u = rng_unit(r);
    if (u < missing) {
        s->bpe = (habit & 1) ? NULL : "";
        s->bpe_status = "missing";
    } else if (u < missing + 0.04 && ri->coarse) {
        s->bpe = ri->coarse;
        s->bpe_status = "coarse";
    } else if (u < missing + 0.10) {
        s->bpe = synth_regions[ri->neighbour].bpe[0];
        s->bpe_status = "wrong";
    } else {
        s->bpe = ri->bpe[(habit >> 8) % (uint64_t)nb];
        s->bpe_status = "ok";
    }
}

/* ---- pixel formats --------------------------------------------------------- */

static uint32_t pick_u32(Rng *r, const uint32_t *v, int n) { return v[rng_int(r, 0, n - 1)]; }

static void spec_grey(PixelSpec *p, uint16_t bits_alloc, uint16_t bits_stored)
{
    p->samples = 1;
    p->bits_allocated = bits_alloc;
    p->bits_stored = bits_stored;
    p->photometric = PI_MONOCHROME2;
    p->slope = 1;
    p->intercept = 0;
    p->frames = 1;
}

/* Tiny archives: the small matrix divided by a whole factor until its
 * longer side is <= 64 (aspect kept, sides even), cines cut to 4 frames. */
static void shrink_to_tiny(PixelSpec *p)
{
    uint32_t longer = p->rows > p->cols ? p->rows : p->cols;
    uint32_t f = (longer + 63) / 64;
    p->rows = (p->rows / f + 1) & ~1u;
    p->cols = (p->cols / f + 1) & ~1u;
    if (p->frames > 4)
        p->frames = 4;
}

/* Matrix, bit depth, photometric and frames per modality; small archives
 * keep every side <= 256, tiny ones <= 64. */
static void series_pixels(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    PixelSpec *p = &s->spec;
    bool small = c->size != RN_SYNTH_FULL;
    memset(p, 0, sizeof *p);
    switch (c->plan->mod) {
    case M_CT:
        spec_grey(p, 16, c->vendor->signed_ct ? 16 : 12);
        p->rows = p->cols = small ? 256 : 512;
        p->is_signed = c->vendor->signed_ct;
        p->intercept = -1024;
        break;
    case M_MR: {
        static const uint32_t full[] = {256, 320, 384, 448, 512}, sm[] = {128, 192, 256};
        spec_grey(p, 16, rng_chance(r, 0.5) ? 12 : 16);
        p->rows = p->cols = small ? pick_u32(r, sm, 3) : pick_u32(r, full, 5);
        if (rng_chance(r, 0.2))
            p->cols = p->cols * 3 / 4;
        break;
    }
    case M_CR: case M_DX: case M_MG: {
        spec_grey(p, 16, c->plan->mod == M_MG ? 14 : rng_chance(r, 0.5) ? 12 : 10);
        uint32_t big = small ? 256 : 1024;
        p->rows = big;
        p->cols = (uint32_t)(big * rng_range(r, 0.78, 1.0)) & ~1u;
        if (c->plan->mod != M_MG && rng_chance(r, 0.3)) { /* landscape cassette */
            uint32_t t = p->rows;
            p->rows = p->cols;
            p->cols = t;
        }
        if (c->vendor->monochrome1 ? rng_chance(r, 0.7) : rng_chance(r, 0.1))
            p->photometric = PI_MONOCHROME1;
        break;
    }
    case M_RF:
        if (rng_chance(r, 0.5))
            spec_grey(p, 8, 8);
        else
            spec_grey(p, 16, 12);
        p->rows = p->cols = small ? 256 : 1024;
        p->frames = rng_chance(r, 0.3) ? (uint32_t)rng_int(r, 2, 4) : 1;
        break;
    case M_XA:
        spec_grey(p, 8, 8);
        p->rows = p->cols = small ? 128 : 512;
        p->frames = (uint32_t)(small ? rng_int(r, 3, 5) : rng_int(r, 8, 16));
        break;
    case M_US:
        spec_grey(p, 8, 8);
        p->rows = small ? 192 : 480;
        p->cols = small ? 256 : 640;
        if (rng_chance(r, 0.3)) {
            p->samples = 3;
            p->photometric = PI_RGB;
            s->job.doppler = true;
        }
        if (rng_chance(r, 0.25))
            p->frames = (uint32_t)(small ? rng_int(r, 2, 4) : rng_int(r, 6, 12));
        break;
    case M_NM:
        spec_grey(p, 16, 16);
        if (c->plan->scene == SC_NM_BONE) {
            p->rows = small ? 256 : 1024;
            p->cols = small ? 64 : 256;
            p->frames = 2; /* anterior and posterior */
        } else if (c->plan->scene == SC_NM_HEART && rng_chance(r, 0.6)) {
            /* Myocardial perfusion SPECT: reconstructed axial slices. */
            s->job.spect = true;
            s->view = s->job.view = VW_AX;
            p->rows = p->cols = small ? 64 : 128;
            p->frames = (uint32_t)(small ? 12 : 48);
        } else {
            p->rows = p->cols = small ? 64 : 128;
            p->frames = (uint32_t)rng_int(r, 1, small ? 4 : 12);
        }
        break;
    case M_PT:
        spec_grey(p, 16, 16);
        p->rows = p->cols = small ? 128 : (rng_chance(r, 0.5) ? 128 : 192);
        p->is_signed = true;
        if (c->plan->scene == SC_COR_BODY) { /* whole-body coronal MIP-like */
            p->rows = small ? 256 : 512;
            p->cols = small ? 128 : 256;
        }
        break;
    default:
        break;
    }
    if (c->size == RN_SYNTH_TINY)
        shrink_to_tiny(p);
}

/* Transfer syntax per series from the vendor's habits, limited to what the
 * pixel format allows. */
static DcmSyntax series_syntax(const StudyCtx *c, Rng *r, const PixelSpec *p)
{
    double w[DCM_SYNTAX_COUNT];
    for (int i = 0; i < DCM_SYNTAX_COUNT; i++)
        w[i] = c->vendor->syntax_w[i] * synth_modality_syntax_w[c->plan->mod][i];
    if (p->bits_allocated != 8)
        w[DCM_JPEG_BASELINE] = 0;
    if (p->samples != 1)
        w[DCM_JPEG_LOSSLESS_SV1] = 0;
    return (DcmSyntax)rng_weighted(r, w, DCM_SYNTAX_COUNT);
}

static void series_windows(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    static const double ct_presets[][4] = {
        [R_HEAD] = {40, 80, 600, 2800},    [R_CHEST] = {-600, 1500, 40, 400},
        [R_ABDOMEN] = {40, 400, 60, 360},  [R_NECK] = {40, 350, 500, 2000},
        [R_HEART] = {300, 800, 40, 400},
    };
    s->nwin = 0;
    Mod m = c->plan->mod;
    if (m == M_CT) {
        size_t np = sizeof ct_presets / sizeof ct_presets[0];
        const double *w = ct_presets[(size_t)c->plan->region < np ? c->plan->region : R_NECK];
        if (w[1] == 0)
            w = ct_presets[R_NECK];
        s->nwin = rng_chance(r, 0.5) ? 2 : 1;
        s->wc[0] = w[0], s->ww[0] = w[1], s->wc[1] = w[2], s->ww[1] = w[3];
    } else if (m == M_MR || m == M_CR || m == M_DX || m == M_MG || m == M_RF) {
        s->nwin = rng_chance(r, 0.85) ? -1 : 0; /* some devices send no window */
    } else if (m == M_XA || m == M_US) {
        if (rng_chance(r, 0.5)) {
            s->nwin = 1;
            s->wc[0] = 128, s->ww[0] = 256;
        }
    } else if (m == M_PT) {
        s->nwin = rng_chance(r, 0.3) ? -1 : 0;
    }
}

/* The plane a cross-sectional scene is drawn in. */
static ViewKind scene_plane(Scene sc)
{
    switch (sc) {
    case SC_SAG_CSPINE: case SC_SAG_TSPINE: case SC_SAG_LSPINE: case SC_SAG_KNEE:
    case SC_SAG_ANKLE: case SC_SAG_HEAD:
        return VW_SAG;
    case SC_COR_SHOULDER: case SC_COR_BODY: case SC_COR_HEAD:
        return VW_COR;
    case SC_US_HEART: /* the apical window: its plane is the four-chamber one */
        return VW_4CH;
    default:
        return VW_AX;
    }
}

/* Radiographic views of a region, in the order a technologist takes them. */
static int xr_views(Scene sc, ViewKind v[3])
{
    switch (sc) {
    case SC_XR_CHEST: v[0] = VW_PA, v[1] = VW_LAT; return 2;
    case SC_XR_SKULL: v[0] = VW_LAT; return 1;
    case SC_XR_CSPINE: case SC_XR_TSPINE: case SC_XR_LSPINE: case SC_XR_KNEE:
    case SC_XR_ELBOW: case SC_XR_ARM: case SC_XR_LEG: case SC_XR_WRIST: case SC_XR_FINGER:
        v[0] = VW_AP, v[1] = VW_LAT; return 2;
    case SC_XR_HAND: case SC_XR_FOOT: v[0] = VW_PA, v[1] = VW_OBL, v[2] = VW_LAT; return 3;
    case SC_XR_ANKLE: v[0] = VW_AP, v[1] = VW_LAT, v[2] = VW_OBL; return 3;
    case SC_XR_HEEL: v[0] = VW_LAT; return 1;
    case SC_MG_BREAST: v[0] = VW_CC, v[1] = VW_MLO; return 2;
    default: v[0] = VW_AP; return 1;
    }
}

/* The view of image inst of a series: radiographs step through the views. */
static ViewKind image_view(const StudyCtx *c, const SeriesCtx *s, int inst)
{
    Mod m = c->plan->mod;
    if (m != M_CR && m != M_DX && m != M_MG)
        return s->view;
    ViewKind v[3];
    int n = xr_views(c->plan->scene, v);
    ViewKind k = v[(s->index + inst - 1) % n];
    if (k == VW_PA && c->plan->scene == SC_XR_CHEST && c->plan->index % 9 == 0)
        k = VW_AP; /* bedside */
    return k;
}

static int mr_sequence(Rng *r, Region g)
{
    static const int head[] = {MR_T1, MR_T2, MR_FLAIR, MR_DWI}, spine[] = {MR_T1, MR_T2, MR_STIR},
                     joint[] = {MR_PD, MR_T1, MR_STIR, MR_T2}, body[] = {MR_T1, MR_T2, MR_DWI},
                     heart[] = {MR_CINE, MR_CINE, MR_CINE, MR_T1, MR_STIR};
    switch (g) {
    case R_HEART: return RNG_PICK(r, heart);
    case R_HEAD: return RNG_PICK(r, head);
    case R_CSPINE: case R_TSPINE: case R_LSPINE: case R_BREAST: return RNG_PICK(r, spine);
    case R_KNEE: case R_SHOULDER: case R_ANKLE: case R_HIP: return RNG_PICK(r, joint);
    default: return RNG_PICK(r, body);
    }
}

/* The radiographic anatomy a CT scout of the region shows. */
static Scene scout_scene(Region g)
{
    switch (g) {
    case R_HEAD: case R_SKULL: return SC_XR_SKULL;
    case R_NECK: case R_CSPINE: return SC_XR_CSPINE;
    case R_CHEST: case R_HEART: return SC_XR_CHEST;
    case R_LSPINE: return SC_XR_LSPINE;
    case R_PELVIS: case R_HIP: return SC_XR_PELVIS;
    case R_KNEE: return SC_XR_KNEE;
    case R_SHOULDER: return SC_XR_SHOULDER;
    default: return SC_XR_ABDOMEN;
    }
}

/* MR localizers step through the three planes (a head's own scenes). */
static Scene localizer_scene(const StudyCtx *c, int inst, ViewKind *plane)
{
    static const Scene head[3] = {SC_SAG_HEAD, SC_AX_HEAD, SC_COR_HEAD};
    Scene sc = c->plan->scene == SC_AX_HEAD ? head[(inst - 1) % 3] : c->plan->scene;
    *plane = scene_plane(sc);
    return sc;
}

/* The coronary trees a coronary angiogram injects (1 left, 2 right, 3
 * both; 0 not one): both when it has several runs, else one study in three
 * the right (an examination of the right coronary artery alone). */
static int coronary_trees(const StudyPlan *p)
{
    if (p->mod != M_XA || p->scene != SC_XA_CORONARY)
        return 0;
    return p->nseries >= 2 ? 3 : p->index % 3 == 0 ? 2 : 1;
}

/* A diagnostic coronary angiogram: runs of the left coronary artery in
 * its standard projections, then one to three of the right; each run is
 * one selective injection, so one tree fills. The C-arm's primary angle
 * is + LAO / - RAO, the secondary + cranial / - caudal, each a few
 * degrees off the textbook value. */
static void coronary_run(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    static const double left[][2] = {{-30, -25}, {-30, 30}, {0, 35}, {45, 25}, {45, -25}, {0, -30}},
                        right[][2] = {{40, 0}, {-30, 0}, {30, 20}};
    int n = c->plan->nseries, nright = n >= 6 ? 2 : n >= 2 ? 1 : 0;
    bool is_right = n == 1 ? coronary_trees(c->plan) == 2 : s->index >= n - nright;
    const double *run = is_right ? right[s->index % 3] : left[s->index % 6];
    s->job.right_coronary = is_right;
    s->job.primary = run[0] + rng_range(r, -5, 5);
    s->job.secondary = run[1] == 0 ? 0 : run[1] + rng_range(r, -5, 5);
    s->view = fabs(s->job.primary) < 10 ? VW_AP : s->job.primary > 0 ? VW_LAO : VW_RAO;
}

/* Fluoroscopy turns the patient: a swallow or enema is seen AP, lateral
 * and oblique, the urinary tract AP and oblique, a chest AP or lateral. */
static ViewKind rf_view(Scene sc, Rng *r)
{
    static const ViewKind gi[] = {VW_AP, VW_AP, VW_LAT, VW_OBL},
                          urinary[] = {VW_AP, VW_AP, VW_AP, VW_OBL}, chest[] = {VW_AP, VW_LAT};
    switch (sc) {
    case SC_XR_BARIUM: return RNG_PICK(r, gi);
    case SC_XR_UROGRAPHY: return RNG_PICK(r, urinary);
    case SC_XR_CHEST: return RNG_PICK(r, chest);
    default: return VW_AP;
    }
}

/* Scene, plane and sequence of a series: heads are imaged in all three
 * planes, other cross-sections in the plane their scene is drawn in. */
static void series_view(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    Mod m = c->plan->mod;
    s->scene = c->plan->scene;
    s->localizer = c->plan->localizer && s->index == 0;
    if (s->localizer) {
        s->view = VW_LOCALIZER;
        s->job.view = VW_LOCALIZER;
        s->job.scene = m == M_CT ? scout_scene(c->plan->region) : s->scene;
        s->job.contrast = m == M_MR ? MR_T1 : 0;
        return;
    }
    if ((m == M_MR || (m == M_CT && s->index > 0)) && s->scene == SC_AX_HEAD) {
        static const Scene planes[] = {SC_AX_HEAD, SC_AX_HEAD, SC_SAG_HEAD, SC_COR_HEAD};
        s->scene = RNG_PICK(r, planes);
    }
    if (s->scene == SC_AX_HEART && (m == M_MR || s->index > 0)) {
        /* Cardiac MR in the heart's planes; cardiac CT reformats them
         * from its axial series. */
        static const ViewKind heart[] = {VW_SA, VW_SA, VW_4CH, VW_2CH, VW_AX};
        s->view = RNG_PICK(r, heart);
        if (m == M_MR && s->view == VW_AX)
            s->view = VW_SA;
    } else if (m == M_CT || m == M_MR || m == M_PT)
        s->view = scene_plane(s->scene);
    else if (s->scene == SC_US_HEART)
        s->view = VW_4CH;
    else if (m == M_US)
        s->view = VW_SECTOR;
    else if (m == M_NM) /* a renal study is seen from behind */
        s->view = s->scene == SC_NM_RENAL ? VW_POST : VW_ANT;
    else if (s->scene == SC_XA_CORONARY)
        coronary_run(c, r, s);
    else if (s->scene == SC_XA_CEREBRAL) /* AP and lateral runs */
        s->view = s->index % 2 ? VW_LAT : VW_AP;
    else if (m == M_RF)
        s->view = rf_view(s->scene, r);
    else if (m == M_XA)
        s->view = VW_AP;
    else
        s->view = image_view(c, s, 1);
    s->job.scene = s->scene;
    s->job.view = s->view;
    if (m == M_MR)
        s->job.contrast = mr_sequence(r, c->plan->region);
}

static void series_describe(const StudyCtx *c, Rng *r, SeriesCtx *s)
{
    /* Reconstruction kernels per vendor and how sharp each is (RenderJob). */
    static const struct { const char *name; CtKernel sharpness; } kernels[][3] = {
        {{"B30f", CT_KERNEL_STANDARD}, {"H30s", CT_KERNEL_SOFT}, {"B70f", CT_KERNEL_SHARP}},
        {{"STND", CT_KERNEL_STANDARD}, {"BONE", CT_KERNEL_SHARP}, {"LUNG", CT_KERNEL_SHARP}},
        {{"B", CT_KERNEL_STANDARD}, {"C", CT_KERNEL_SHARP}, {"YA", CT_KERNEL_SHARP}},
        {{"FC03", CT_KERNEL_SOFT}, {"FC18", CT_KERNEL_STANDARD}, {"FC52", CT_KERNEL_SHARP}}};
    Vendor v = (Vendor)(c->vendor - synth_vendors);
    int k = rng_int(r, 0, 2), row = v <= V_TOSHIBA ? (int)v : 0;
    s->job.kernel = kernels[row][k].sharpness;
    SeriesNaming n = {v, c->plan->mod, c->plan->region, s->view, s->job.contrast, s->thickness,
                      kernels[row][k].name, c->side, c->lang,
                      s->scene == SC_XA_CORONARY ? 1 + s->job.right_coronary : 0,
                      s->job.primary, s->job.secondary};
    naming_series(r, &n, s->desc, sizeof s->desc, s->protocol, sizeof s->protocol);
    snprintf(s->kernel, sizeof s->kernel, "%s", n.kernel);
}

/* Regions cut from a shared 3-D model are framed on their own part of it
 * by body3_frame; here one of the long fingers and a whole-body scan kept
 * whole. */
static void frame_region(Rng *r, RenderJob *j)
{
    if (j->scene == SC_XR_FINGER)
        j->shift_x -= 0.3 * rng_int(r, -1, 1);
    if (j->mod == M_RF && (j->scene == SC_XR_BARIUM || j->scene == SC_XR_UROGRAPHY)) {
        j->zoom *= 1.4; /* an image intensifier's field, moved along with the contrast */
        j->follow = true;
    }
    if (j->scene == SC_NM_BONE || j->scene == SC_COR_BODY) { /* the whole body, straight */
        j->angle *= 0.15;
        j->zoom = fmin(j->zoom, 1.05);
        j->shift_x *= 0.3, j->shift_y *= 0.2;
    }
}

static void series_setup(const StudyCtx *c, int index, SeriesCtx *s)
{
    Rng r;
    rng_seed(&r, c->seed, K_SERIES, (c->plan->index << 8) | (uint64_t)index);
    memset(s, 0, sizeof *s);
    s->index = index;
    s->number = index + 1 + (rng_chance(&r, 0.3) ? 100 * rng_int(&r, 1, 6) : 0);
    s->nimages = c->plan->images[index];
    make_uid(s->uid, c->seed, K_UID_SERIES, c->plan->index, (uint64_t)index);
    RenderJob *j = &s->job;
    j->mod = c->plan->mod;
    j->scene = c->plan->scene;
    j->mirror = c->side == 2;
    j->anatomy_seed = rng_hash3(c->seed, K_ANATOMY, c->plan->patient);
    bool tomo = j->mod == M_CT || j->mod == M_MR || j->mod == M_PT;
    /* Field of view, positioning and body habitus vary more on radiographs. */
    j->zoom = tomo ? rng_range(&r, 0.85, 1.15) : rng_range(&r, 0.75, 1.3);
    j->angle = tomo ? rng_range(&r, -4, 4) : rng_range(&r, -12, 12);
    j->shift_x = rng_range(&r, -0.12, 0.12);
    j->shift_y = rng_range(&r, -0.12, 0.12);
    frame_region(&r, j);
    /* Body habitus: a big adult fills more of the field than a slim one,
     * a child much less (the field of view does not shrink as much). */
    int age = atoi(c->age);
    double habitus = 0.85 + 0.3 * (double)(j->anatomy_seed >> 11) * 0x1.0p-53;
    j->zoom *= age < 12 ? 0.75 : habitus;
    if ((j->mod == M_CR || j->mod == M_DX) && rng_chance(&r, 0.8))
        j->marker = c->side == 2 ? 'L' : c->side == 1 || rng_chance(&r, 0.7) ? 'R' : 'L';
    j->contrast = j->mod == M_CT ? rng_int(&r, 0, 1) : 0;
    if (j->scene == SC_AX_HEART && j->mod == M_CT) /* cardiac CT is an angiogram */
        j->contrast = 1;
    j->lesion = c->lesion;
    j->collimate = rng_chance(&r, 0.5);
    s->thickness = j->mod == M_CT ? RNG_PICK(&r, ((const double[]){1.0, 2.5, 5.0}))
                                  : rng_range(&r, 3, 6);
    s->kvp = rng_int(&r, 60, 130);
    series_body_part(c, &r, s);
    series_view(c, &r, s);
    series_pixels(c, &r, s);
    if (j->mod == M_US) /* superficial parts with a linear array, the abdomen and pelvis
                          * with a convex one, now and then an intercostal phased sector */
        j->probe = j->scene == SC_US_NECK || j->scene == SC_US_BREAST || j->scene == SC_US_VESSEL
                       ? PROBE_LINEAR
                   : rng_chance(&r, 0.2) || j->scene == SC_US_HEART ? PROBE_PHASED
                                                                     : PROBE_CONVEX;
    j->female = c->person.sex == 'F';
    if (j->mod == M_US && body3_us_windows(j->scene) > 0) {
        /* The acoustic window: the first series shows the pathology. */
        const Lesion *l = &c->lesion;
        j->us_window = body3_us_pick(j->scene, c->plan->region == R_LEG,
                                     l->path != P_NONE && index == 0 ? l->side : c->side,
                                     index == 0 ? l->path : P_NONE, rng_unit(&r));
    }
    if (j->mod == M_US && rng_chance(&r, 0.85)) { /* the scanner's screen header */
        static const char *const probes[3][3] = {{"S5-1", "M5Sc", "P4-2"},
                                                 {"C1-5", "C5-2", "PVT-375BT"},
                                                 {"L12-5", "9L", "ML6-15"}};
        static const double mhz[3][2] = {{1.5, 4.5}, {2, 6}, {6, 15}};
        snprintf(j->overlay[0], sizeof j->overlay[0], "%s %s %.1fMHZ", c->vendor->models[1],
                 probes[j->probe][rng_int(&r, 0, 2)],
                 rng_range(&r, mhz[j->probe][0], mhz[j->probe][1]));
        snprintf(j->overlay[1], sizeof j->overlay[1], "%.8s GN %d D %dCM %s", c->date,
                 rng_int(&r, 30, 80), rng_int(&r, 4, 22), j->doppler ? "CFM" : "B");
    }
    s->ts = series_syntax(c, &r, &s->spec);
    if (dcm_syntax_encapsulated(s->ts) && s->ts != DCM_RLE)
        s->spec.is_signed = false; /* signed data in JPEG/J2K trips decoders */
    if (s->spec.samples == 3 && !dcm_syntax_encapsulated(s->ts) && rng_chance(&r, 0.3))
        s->spec.photometric = PI_YBR_FULL;
    series_windows(c, &r, s);
    if (s->localizer)
        s->nwin = -1; /* a scout's window fits its own values */
    series_describe(c, &r, s);
    s->spacing = j->mod == M_CT ? rng_range(&r, 0.5, 0.9) * 512.0 / s->spec.cols
                                : rng_range(&r, 0.1, 0.2) * 1024.0 / s->spec.rows;
    s->name_style = rng_int(&r, 0, 3);
}

/* ---- data set ------------------------------------------------------------- */

#define T(g, e) DCM_TAG(g, e)

typedef struct Put {
    DcmSet *ds;
    Charset cs;
    RnBuf tmp;
    RnError **err;
    bool ok;
} Put;

/* Text in the data set's character set. */
static void put_text(Put *p, uint32_t tag, const char *vr, const char *utf8)
{
    if (!p->ok)
        return;
    p->tmp.len = 0;
    p->ok = text_encode(utf8, p->cs, &p->tmp, p->err) &&
            dcm_put_str(p->ds, tag, vr, (const char *)p->tmp.data, p->err);
}

static void put_ascii(Put *p, uint32_t tag, const char *vr, const char *s)
{
    p->ok = p->ok && dcm_put_str(p->ds, tag, vr, s, p->err);
}

static void put_us(Put *p, uint32_t tag, uint16_t v)
{
    p->ok = p->ok && dcm_put_us(p->ds, tag, v, p->err);
}

static void put_ds(Put *p, uint32_t tag, const double *v, size_t n)
{
    p->ok = p->ok && dcm_put_ds(p->ds, tag, v, n, p->err);
}

static void put_is(Put *p, uint32_t tag, long v)
{
    p->ok = p->ok && dcm_put_is(p->ds, tag, v, p->err);
}

static void put_patient_study(Put *p, const StudyCtx *c)
{
    const char *cs = charset_term(c->cs);
    if (cs && !c->charset_undeclared)
        put_ascii(p, T(8, 5), "CS", cs);
    char name[160];
    snprintf(name, sizeof name, "%s^%s", c->person.family, c->person.given);
    put_text(p, T(0x10, 0x10), "PN", name);
    put_ascii(p, T(0x10, 0x20), "LO", c->patient_id);
    put_ascii(p, T(0x10, 0x30), "DA", c->birth);
    put_ascii(p, T(0x10, 0x40), "CS", c->person.sex == 'F' ? "F" : "M");
    put_ascii(p, T(0x10, 0x1010), "AS", c->age);
    put_ascii(p, T(8, 0x20), "DA", c->date);
    put_ascii(p, T(8, 0x30), "TM", c->time);
    put_ascii(p, T(8, 0x50), "SH", c->accession_in_dicom ? c->accession : "");
    put_text(p, T(8, 0x80), "LO", c->institution);
    put_text(p, T(8, 0x90), "PN", c->referring);
    put_text(p, T(8, 0x1030), "LO", (const char *)c->description.data);
    put_ascii(p, T(0x20, 0xD), "UI", c->study_uid);
    put_ascii(p, T(0x20, 0x10), "SH", c->study_id);
    put_ascii(p, T(8, 0x70), "LO", c->vendor->manufacturer);
    put_ascii(p, T(8, 0x1010), "SH", c->station);
}

/* Requested procedure: in a request sequence (as RIS-fed devices do) or as
 * a top-level attribute. */
static void put_request(Put *p, const StudyCtx *c, Rng *r)
{
    if (!c->vendor->fills_requested || !p->ok)
        return;
    if (rng_chance(r, 0.5)) {
        put_text(p, T(0x32, 0x1060), "LO", (const char *)c->requested.data);
        return;
    }
    DcmSet item = DCM_SET_INIT;
    Put q = {&item, p->cs, RN_BUF_INIT, p->err, true};
    put_text(&q, T(0x32, 0x1060), "LO", (const char *)c->requested.data);
    put_ascii(&q, T(0x40, 0x1001), "SH", c->accession);
    put_ascii(&q, T(0x40, 0x9), "SH", c->exam_id);
    rn_buf_free(&q.tmp);
    p->ok = q.ok && dcm_put_seq(p->ds, T(0x40, 0x275), &item, 1, c->undefined_sq, p->err);
    if (!q.ok)
        dcm_set_free(&item);
}

static void put_private(Put *p, const StudyCtx *c, const SeriesCtx *s)
{
    uint16_t g = c->vendor->private_group;
    put_ascii(p, T(g, 0x10), "LO", c->vendor->private_creator);
    char v[64];
    snprintf(v, sizeof v, "%s %d", c->vendor->impl_version, s->number);
    put_ascii(p, T(g, 0x1010), "LO", v);
    uint8_t blob[24];
    for (int i = 0; i < 24; i++)
        blob[i] = (uint8_t)(s->number * 7 + i * 13);
    p->ok = p->ok && dcm_put_bin(p->ds, T(g, 0x1020), "OB", blob, sizeof blob, p->err);
}

/* Cross-sections: ImageOrientationPatient and ImagePositionPatient of the
 * series' plane, stepping along its normal. */
/* A direction in DICOM's patient letters (L/R, P/A, H/F), the strongest
 * component first, weak ones (< 0.25) left out: (0020,0020). */
static void orientation_letters(const double v[3], char *out)
{
    static const char pos[3] = {'L', 'P', 'H'}, neg[3] = {'R', 'A', 'F'};
    int order[3] = {0, 1, 2}, n = 0;
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (fabs(v[order[b]]) > fabs(v[order[a]])) {
                int t = order[a];
                order[a] = order[b], order[b] = t;
            }
    for (int i = 0; i < 3; i++)
        if (i == 0 || fabs(v[order[i]]) >= 0.25)
            out[n++] = v[order[i]] >= 0 ? pos[order[i]] : neg[order[i]];
    out[n] = 0;
}

static void put_geometry(Put *p, const SeriesCtx *s, int inst)
{
    double sp[2] = {s->spacing, s->spacing};
    Mod m = s->job.mod;
    const Frame3 *f = &s->job.frame;
    if (f->valid && (m == M_CT || m == M_MR || m == M_PT || s->job.spect)) {
        /* The plane the pixels were sliced (or the scout projected) in. */
        double iop[6] = {f->row[0], f->row[1], f->row[2], f->col[0], f->col[1], f->col[2]};
        double loc = f->origin[0] * f->normal[0] + f->origin[1] * f->normal[1] +
                     f->origin[2] * f->normal[2], spacing[2] = {f->dr, f->dc};
        put_ds(p, T(0x20, 0x32), f->origin, 3);
        put_ds(p, T(0x20, 0x37), iop, 6);
        put_ds(p, T(0x20, 0x1041), &loc, 1);
        put_ds(p, T(0x18, 0x50), &s->thickness, 1);
        put_ds(p, T(0x28, 0x30), spacing, 2);
    } else if (m == M_CT || m == M_MR || m == M_PT) {
        double z = -100 + inst * s->thickness, hw = 0.5 * s->spec.cols * sp[0],
               hh = 0.5 * s->spec.rows * sp[1];
        static const double iops[3][6] = {{1, 0, 0, 0, 1, 0}, {0, 1, 0, 0, 0, -1},
                                          {1, 0, 0, 0, 0, -1}};
        ViewKind pl = s->localizer ? s->plane : s->view;
        int k = pl == VW_SAG ? 1 : pl == VW_COR ? 2 : 0;
        const double *iop = iops[k];
        double ipp[3] = {-hw, -hh, z};
        if (k == 1)
            ipp[0] = z, ipp[1] = -hw, ipp[2] = hh;
        else if (k == 2)
            ipp[0] = -hw, ipp[1] = z, ipp[2] = hh;
        put_ds(p, T(0x20, 0x32), ipp, 3);
        put_ds(p, T(0x20, 0x37), iop, 6);
        put_ds(p, T(0x20, 0x1041), &z, 1);
        put_ds(p, T(0x18, 0x50), &s->thickness, 1);
        put_ds(p, T(0x28, 0x30), sp, 2);
    } else if (m != M_US && m != M_NM) {
        if (f->valid)
            sp[0] = f->dr, sp[1] = f->dc;
        put_ds(p, T(0x18, 0x1164), sp, 2);
        char po[10] = "A\\F";
        if (f->valid) { /* which way the rows and the columns run, as projected */
            orientation_letters(f->row, po);
            size_t k = strlen(po);
            po[k] = '\\';
            orientation_letters(f->col, po + k + 1);
        }
        put_ascii(p, T(0x20, 0x20), "CS", po);
        double kvp = s->kvp;
        put_ds(p, T(0x18, 0x60), &kvp, 1);
    }
}

/* (0018,5101) ViewPosition defined terms; oblique views are often blank. */
static const char *view_position(ViewKind v)
{
    switch (v) {
    case VW_PA: return "PA";
    case VW_AP: return "AP";
    case VW_LAT: return "LL";
    case VW_CC: return "CC";
    case VW_MLO: return "MLO";
    default: return "";
    }
}

static void put_modality_specific(Put *p, const StudyCtx *c, const SeriesCtx *s)
{
    Mod m = s->job.mod;
    if (m == M_CT) {
        double kvp = 120, ma = 200 + s->number;
        put_ds(p, T(0x18, 0x60), &kvp, 1);
        put_is(p, T(0x18, 0x1151), (long)ma);
        put_ascii(p, T(0x18, 0x1210), "SH", s->kernel);
        put_ascii(p, T(0x28, 0x1054), "LO", "HU");
    } else if (m == M_MR) {
        static const double tr[MR_SEQ_COUNT] = {500, 4000, 9000, 3000, 5000, 6000, 3.2},
                            te[MR_SEQ_COUNT] = {12, 100, 120, 30, 60, 90, 1.4};
        int k = s->job.contrast;
        put_ascii(p, T(0x18, 0x20), "CS", k == MR_FLAIR || k == MR_STIR ? "SE\\IR" : k == MR_DWI ? "EP"
                                          : k == MR_CINE                ? "GR"
                                                                        : "SE");
        put_ascii(p, T(0x18, 0x21), "CS", "SK\\SP\\OSP");
        put_ds(p, T(0x18, 0x80), &tr[k], 1);
        put_ds(p, T(0x18, 0x81), &te[k], 1);
        double b0 = c->vendor->manufacturer[0] == 'G' ? 1.5 : 3;
        put_ds(p, T(0x18, 0x87), &b0, 1);
        uint8_t am[8] = {0};
        am[2] = (uint8_t)(s->spec.rows & 0xFF), am[3] = (uint8_t)(s->spec.rows >> 8);
        am[4] = (uint8_t)(s->spec.cols & 0xFF), am[5] = (uint8_t)(s->spec.cols >> 8);
        p->ok = p->ok && dcm_put_bin(p->ds, T(0x18, 0x1310), "US", am, 8, p->err);
    } else if (m == M_DX || m == M_MG) {
        put_ascii(p, T(8, 0x68), "CS", "FOR PRESENTATION");
        put_ascii(p, T(0x2050, 0x20), "CS",
                  s->spec.photometric == PI_MONOCHROME1 ? "INVERSE" : "IDENTITY");
        put_ascii(p, T(0x18, 0x5101), "CS", view_position(s->view));
    } else if (m == M_CR) {
        put_ascii(p, T(0x18, 0x5101), "CS", view_position(s->view));
    } else if (m == M_PT) {
        put_ascii(p, T(0x54, 0x1001), "CS", "BQML");
        put_ascii(p, T(0x54, 0x1002), "CS", "EMISSION");
        put_ascii(p, T(0x28, 0x51), "CS", "ATTN\\DECY");
        DcmSet item = DCM_SET_INIT;
        Put q = {&item, p->cs, RN_BUF_INIT, p->err, true};
        double dose = 3.5e8;
        put_ascii(&q, T(0x18, 0x31), "LO", "Fluorodeoxyglucose");
        put_ds(&q, T(0x18, 0x1074), &dose, 1);
        rn_buf_free(&q.tmp);
        p->ok = p->ok && q.ok && dcm_put_seq(p->ds, T(0x54, 0x16), &item, 1, c->undefined_sq, p->err);
        if (!q.ok || !p->ok)
            dcm_set_free(&item);
    }
    if (m == M_XA || m == M_RF) { /* the C-arm's angles, which the pixels show */
        put_ds(p, T(0x18, 0x1510), &s->job.primary, 1);
        put_ds(p, T(0x18, 0x1511), &s->job.secondary, 1);
    }
    if (s->spec.samples == 1 && (m == M_CR || m == M_DX || m == M_MG || m == M_RF || m == M_XA) &&
        s->bpe && s->bpe[0] && c->side)
        put_ascii(p, T(0x20, 0x62), "CS", c->side == 1 ? "R" : "L");
}

/* Multi-frame objects name the attribute that steps through frames. */
static void put_frames(Put *p, const StudyCtx *c, const SeriesCtx *s)
{
    Mod m = s->job.mod;
    bool mf_class = (m == M_XA || m == M_RF || m == M_NM) ||
                    (m == M_US && s->spec.frames > 1);
    if (!mf_class)
        return;
    put_is(p, T(0x28, 0x8), (long)s->spec.frames);
    if (m == M_NM && s->job.spect) { /* reconstructed slices */
        uint8_t v[2 * 64];
        uint32_t n = s->spec.frames > 64 ? 64 : s->spec.frames;
        for (uint32_t i = 0; i < n; i++)
            v[2 * i] = (uint8_t)(i + 1), v[2 * i + 1] = 0;
        p->ok = p->ok && dcm_put_at(p->ds, T(0x28, 0x9), T(0x54, 0x80), p->err) &&
                dcm_put_bin(p->ds, T(0x54, 0x80), "US", v, 2 * n, p->err);
        put_us(p, T(0x54, 0x81), (uint16_t)n);
    } else if (m == M_NM) {
        uint8_t v[2 * 64];
        uint32_t n = s->spec.frames > 64 ? 64 : s->spec.frames;
        for (uint32_t i = 0; i < n; i++)
            v[2 * i] = (uint8_t)(i + 1), v[2 * i + 1] = 0;
        p->ok = p->ok && dcm_put_at(p->ds, T(0x28, 0x9), T(0x54, 0x20), p->err) &&
                dcm_put_bin(p->ds, T(0x54, 0x20), "US", v, 2 * n, p->err);
        put_us(p, T(0x54, 0x21), 1);
    } else {
        double ft = m == M_US ? 33.3 : 66.7;
        put_ds(p, T(0x18, 0x1063), &ft, 1);
        p->ok = p->ok && dcm_put_at(p->ds, T(0x28, 0x9), T(0x18, 0x1063), p->err);
    }
    (void)c;
}

static void put_us_regions(Put *p, const StudyCtx *c, const SeriesCtx *s)
{
    if (s->job.mod != M_US || !p->ok)
        return;
    DcmSet item = DCM_SET_INIT;
    uint8_t b[4];
    bool ok = true;
    uint32_t vals[4] = {0, 0, s->spec.cols - 1, s->spec.rows - 1};
    uint32_t tags[4] = {T(0x18, 0x6018), T(0x18, 0x601A), T(0x18, 0x601C), T(0x18, 0x601E)};
    for (int i = 0; ok && i < 4; i++)
        ok = dcm_put_ul(&item, tags[i], vals[i], p->err);
    b[0] = 1, b[1] = 0;
    ok = ok && dcm_put_bin(&item, T(0x18, 0x6012), "US", b, 2, p->err) &&
         dcm_put_bin(&item, T(0x18, 0x6014), "US", b, 2, p->err) &&
         dcm_put_fd(&item, T(0x18, 0x602C), 0.02, p->err) &&
         dcm_put_fd(&item, T(0x18, 0x602E), 0.02, p->err);
    p->ok = ok && dcm_put_seq(p->ds, T(0x18, 0x6011), &item, 1, c->undefined_sq, p->err);
    if (!ok)
        dcm_set_free(&item);
}

static const char *written_photometric(const SeriesCtx *s)
{
    if (s->spec.samples == 3 && s->ts == DCM_JPEG_BASELINE)
        return "YBR_FULL_422";
    return photometric_term(s->spec.photometric);
}

static void put_pixel_module(Put *p, const SeriesCtx *s, const RenderOut *img)
{
    const PixelSpec *sp = &s->spec;
    put_us(p, T(0x28, 0x2), sp->samples);
    put_ascii(p, T(0x28, 0x4), "CS", written_photometric(s));
    if (sp->samples == 3)
        put_us(p, T(0x28, 0x6), 0);
    put_us(p, T(0x28, 0x10), (uint16_t)sp->rows);
    put_us(p, T(0x28, 0x11), (uint16_t)sp->cols);
    put_us(p, T(0x28, 0x100), sp->bits_allocated);
    put_us(p, T(0x28, 0x101), sp->bits_stored);
    put_us(p, T(0x28, 0x102), (uint16_t)(sp->bits_stored - 1));
    put_us(p, T(0x28, 0x103), sp->is_signed ? 1 : 0);
    Mod m = s->job.mod;
    if (m == M_CT || m == M_PT || (m == M_MR && s->number % 3 == 0)) {
        put_ds(p, T(0x28, 0x1052), &sp->intercept, 1);
        put_ds(p, T(0x28, 0x1053), &sp->slope, 1);
    }
    if (s->nwin > 0) {
        put_ds(p, T(0x28, 0x1050), s->wc, (size_t)s->nwin);
        put_ds(p, T(0x28, 0x1051), s->ww, (size_t)s->nwin);
    } else if (s->nwin < 0) {
        double wc = img->window_center, ww = img->window_width;
        if (sp->photometric == PI_MONOCHROME1) { /* window on inverted values */
            double hi = (double)((1u << sp->bits_stored) - 1) * sp->slope + sp->intercept;
            wc = hi - wc;
        }
        put_ds(p, T(0x28, 0x1050), &wc, 1);
        put_ds(p, T(0x28, 0x1051), &ww, 1);
    }
}

static bool put_pixel_data(Put *p, const SeriesCtx *s, const RenderOut *img, Rng *r)
{
    const PixelSpec *sp = &s->spec;
    if (!p->ok)
        return false;
    if (!dcm_syntax_encapsulated(s->ts))
        return dcm_put_bin(p->ds, T(0x7FE0, 0x10), sp->bits_allocated == 8 ? "OB" : "OW",
                           img->pixels, img->len, p->err);
    size_t frame_bytes = img->len / sp->frames;
    RnBuf enc = RN_BUF_INIT;
    size_t *off = rn_calloc(sp->frames + 1, sizeof *off, p->err);
    const uint8_t **ptr = rn_calloc(sp->frames, sizeof *ptr, p->err);
    size_t *len = rn_calloc(sp->frames, sizeof *len, p->err);
    bool ok = off && ptr && len;
    int quality = s->ts == DCM_J2K_LOSSY ? rng_int(r, 6, 15) : rng_int(r, 80, 95);
    for (uint32_t f = 0; ok && f < sp->frames; f++) {
        SynthFrame fr = {img->pixels + f * frame_bytes, sp->rows, sp->cols, sp->samples,
                         sp->bits_allocated, sp->bits_stored};
        ok = synth_encode_frame(s->ts, &fr, quality, &enc, p->err);
        off[f + 1] = enc.len;
    }
    for (uint32_t f = 0; ok && f < sp->frames; f++) {
        ptr[f] = enc.data + off[f];
        len[f] = off[f + 1] - off[f];
    }
    /* Single-frame objects often carry an empty offset table. */
    bool bot = sp->frames > 1 || rng_chance(r, 0.5);
    ok = ok && dcm_put_encapsulated(p->ds, T(0x7FE0, 0x10), ptr, len, sp->frames, bot, p->err);
    free(off);
    free(ptr);
    free(len);
    rn_buf_free(&enc);
    return ok;
}

static const char *sop_class(const StudyCtx *c, const SeriesCtx *s)
{
    if (s->spec.frames > 1 && c->mi->sop_class_multiframe)
        return c->mi->sop_class_multiframe;
    if (c->plan->mod == M_NM || c->plan->mod == M_XA || c->plan->mod == M_RF)
        return c->mi->sop_class_multiframe;
    return c->mi->sop_class;
}

static void put_image_type(Put *p, const StudyCtx *c, const SeriesCtx *s)
{
    static const char *const types[] = {"ORIGINAL\\PRIMARY\\AXIAL", "ORIGINAL\\PRIMARY",
                                        "DERIVED\\SECONDARY", "ORIGINAL\\PRIMARY\\OTHER",
                                        "ORIGINAL\\PRIMARY\\M\\ND"};
    int k = (int)((c->vendor - synth_vendors) + s->number) % 5;
    if (s->job.mod == M_CT)
        k = 0;
    if (s->job.spect) {
        put_ascii(p, T(8, 8), "CS", "ORIGINAL\\PRIMARY\\RECON TOMO\\EMISSION");
        return;
    }
    put_ascii(p, T(8, 8), "CS", s->localizer ? "ORIGINAL\\PRIMARY\\LOCALIZER" : types[k]);
}

/* ---- one image ---------------------------------------------------------- */

static bool image_path(StudyCtx *c, const SeriesCtx *s, int inst, char *path, size_t n,
                       const char *sop_uid, RnError **err)
{
    int len = snprintf(path, n, "%s/SE%03d", c->dir, s->number);
    if (len < 0 || (size_t)len >= n) {
        rn_error_set(err, RN_ERROR_LIMIT, "output path too long");
        return false;
    }
    if (inst == 1 && !mkdirs(path, err))
        return false;
    static const char *const fmt[] = {"IM%04d", "IM%04d.dcm", "I%07d", "%08llX"};
    char name[32];
    if (s->name_style == 3)
        snprintf(name, sizeof name, fmt[3], (unsigned long long)(fnv1a((const uint8_t *)sop_uid,
                                                                       strlen(sop_uid)) & 0xFFFFFFFFull));
    else
        snprintf(name, sizeof name, fmt[s->name_style], inst);
    len = snprintf(path + len, n - (size_t)len, "/%s", name) + len;
    if (len < 0 || (size_t)len >= n) {
        rn_error_set(err, RN_ERROR_LIMIT, "output path too long");
        return false;
    }
    return true;
}

typedef struct TruthRow {
    const char *sop_uid, *series_uid, *path, *ts_uid, *photometric, *bpe, *bpe_status, *modality,
        *view;
    uint32_t rows, cols, frames;
    int samples, bits_alloc, bits_stored, pixel_rep, lossy;
    uint64_t hash;
    bool has_pixels;
} TruthRow;

static bool truth_row(const StudyCtx *c, const TruthRow *t, RnBuf *b, RnError **err)
{
    char num[8][24];
    snprintf(num[0], 24, "%u", t->rows);
    snprintf(num[1], 24, "%u", t->cols);
    snprintf(num[2], 24, "%u", t->frames);
    snprintf(num[3], 24, "%d", t->samples);
    snprintf(num[4], 24, "%d", t->bits_alloc);
    snprintf(num[5], 24, "%d", t->bits_stored);
    snprintf(num[6], 24, "%d", t->pixel_rep);
    snprintf(num[7], 24, "%08lx", (unsigned long)t->hash);
    const char *f[] = {t->sop_uid, t->modality, c->ri->name, c->study_uid, t->series_uid,
                       c->accession, c->exam_id, c->patient_id, t->path, t->ts_uid,
                       t->has_pixels ? num[0] : "", t->has_pixels ? num[1] : "",
                       t->has_pixels ? num[2] : "", t->has_pixels ? num[3] : "",
                       t->has_pixels ? num[4] : "", t->has_pixels ? num[5] : "",
                       t->has_pixels ? num[6] : "", t->photometric,
                       t->lossy ? "1" : "0", t->has_pixels ? num[7] : "",
                       t->bpe ? t->bpe : "", t->bpe_status, c->vendor->manufacturer, t->view,
                       pathology_names[c->lesion.path],
                       c->charset_undeclared ? "undeclared" : "ok",
                       implant_names[c->lesion.implant],
                       c->plan->region == R_HEART ? "HEART" : ""};
    size_t nf = sizeof f / sizeof f[0];
    bool ok = true;
    for (size_t i = 0; ok && i < nf; i++)
        ok = csv_field(b, f[i], i + 1 == nf, err);
    return ok;
}

static bool write_dataset(const StudyCtx *c, const char *path, const DcmSet *ds,
                          const char *sop_class_uid, const char *sop_uid, DcmSyntax ts,
                          StudyOutput *out, RnError **err)
{
    DcmMeta meta = {sop_class_uid, sop_uid, c->vendor->impl_uid, c->vendor->impl_version,
                    c->station};
    RnBuf file = RN_BUF_INIT;
    bool ok = dcm_write_part10(&meta, ds, ts, &file, err) && write_file(path, &file, err);
    if (ok) {
        out->files++;
        out->bytes += file.len;
    }
    rn_buf_free(&file);
    return ok;
}

static bool generate_image(StudyCtx *c, SeriesCtx *s, int inst, StudyOutput *out,
                           RnError **err)
{
    Rng r;
    uint64_t key = (c->plan->index << 20) | ((uint64_t)s->index << 14) | (uint64_t)inst;
    rng_seed(&r, c->seed, K_IMAGE, key);
    RenderJob job = s->job;
    job.view = image_view(c, s, inst);
    ViewKind plane = s->view;
    if (s->localizer && c->plan->mod == M_MR)
        job.scene = localizer_scene(c, inst, &plane);
    else if (s->localizer)
        plane = VW_COR; /* a CT scout is a frontal projection */
    job.noise_seed = rng_hash3(c->seed, K_IMAGE, key);
    job.z = s->nimages > 1 ? -0.8 + 1.6 * (inst - 1) / (s->nimages - 1) : rng_range(&r, -0.3, 0.3);
    if (job.mod == M_XA || job.mod == M_US || scene_is_projection(job.scene))
        job.angle += rng_range(&r, -3, 3);
    /* ECG gating: a cine's images step through the cardiac cycle, a
     * cardiac CT is reconstructed in diastole (about 75 % of R-R). */
    double trigger_ms = -1;
    if (job.scene == SC_AX_HEART && !s->localizer) {
        int phase = (inst - 1) % (s->nimages > 1 ? s->nimages : 1);
        job.systole = job.mod == M_CT ? 0.1 : 0.5 - 0.5 * cos(2 * PI * phase / fmax(s->nimages, 2));
        trigger_ms = job.mod == M_MR ? 850.0 * phase / fmax(s->nimages, 1) : 640;
    }
    PixelSpec spec = s->spec;
    if (body3_us_windows(job.scene) > 0) /* body ultrasound: put on the skin when rendered */
        body3_us_frame(job.scene, job.us_window, job.z, job.zoom, job.angle, job.shift_x,
                       (int)spec.cols, (int)spec.rows, &job.frame);
    else if (body3_has(job.scene) || job.spect) /* SPECT: the header's frame is the first slice */
        body3_frame(job.scene, scene_is_projection(job.scene) ? job.view : plane,
                    job.spect ? -1 : job.z, job.mirror, job.zoom,
                    job.angle, job.shift_x, job.shift_y, (int)spec.cols, (int)spec.rows,
                    &job.frame);
    if (job.primary != 0 || job.secondary != 0)
        body3_angulate(&job.frame, job.primary, job.secondary);
    if (job.mod == M_RF) { /* a series is one examination's run: image inst covers its part */
        job.t0 = (double)(inst - 1) / s->nimages;
        job.t1 = (double)inst / s->nimages;
    }
    RenderOut img;
    if (!render_image(&job, &spec, &img, err))
        return false;
    SeriesCtx sc = *s;
    sc.spec = spec; /* PT fits its slope per image */
    sc.job.frame = job.frame;
    sc.view = job.view;
    sc.plane = plane;
    char sop_uid[65], path[4200], inst_time[16];
    make_uid(sop_uid, c->seed, K_UID_SOP, c->plan->index, ((uint64_t)s->index << 14) | (uint64_t)inst);
    snprintf(inst_time, sizeof inst_time, "%.4s%02d", c->time, (inst + s->number) % 60);
    DcmSet ds = DCM_SET_INIT;
    Put p = {&ds, c->cs, RN_BUF_INIT, err, true};
    const char *cls = sop_class(c, &sc);
    put_patient_study(&p, c);
    put_request(&p, c, &r);
    put_image_type(&p, c, &sc);
    put_ascii(&p, T(8, 0x16), "UI", cls);
    put_ascii(&p, T(8, 0x18), "UI", sop_uid);
    put_ascii(&p, T(8, 0x21), "DA", c->date);
    put_ascii(&p, T(8, 0x23), "DA", c->date);
    put_ascii(&p, T(8, 0x31), "TM", c->time);
    put_ascii(&p, T(8, 0x33), "TM", inst_time);
    put_ascii(&p, T(8, 0x60), "CS", c->mi->code);
    put_ascii(&p, T(8, 0x1090), "LO", c->vendor->models[(int)c->plan->mod % 3]);
    put_text(&p, T(8, 0x103E), "LO", sc.desc);
    if (sc.bpe)
        put_text(&p, T(0x18, 0x15), "CS", sc.bpe);
    if (c->vendor->fills_protocol)
        put_text(&p, T(0x18, 0x1030), "LO", sc.protocol);
    put_ascii(&p, T(0x20, 0xE), "UI", sc.uid);
    put_is(&p, T(0x20, 0x11), sc.number);
    put_is(&p, T(0x20, 0x13), inst);
    if (c->plan->mod == M_CT || c->plan->mod == M_MR || c->plan->mod == M_PT)
        put_ascii(&p, T(0x20, 0x52), "UI", c->for_uid);
    put_geometry(&p, &sc, inst);
    put_modality_specific(&p, c, &sc);
    if (trigger_ms >= 0)
        put_ds(&p, T(0x18, 0x1060), &trigger_ms, 1);
    put_frames(&p, c, &sc);
    put_us_regions(&p, c, &sc);
    put_private(&p, c, &sc);
    put_pixel_module(&p, &sc, &img);
    bool ok = put_pixel_data(&p, &sc, &img, &r) &&
              image_path(c, &sc, inst, path, sizeof path, sop_uid, err) &&
              write_dataset(c, path, &ds, cls, sop_uid, sc.ts, out, err);
    TruthRow t = {sop_uid, sc.uid, path + c->dir_len, dcm_syntax_uid(sc.ts),
                  written_photometric(&sc), sc.bpe, sc.bpe_status, c->mi->code,
                  view_names[sc.view],
                  spec.rows, spec.cols, spec.frames, spec.samples, spec.bits_allocated,
                  spec.bits_stored, spec.is_signed, dcm_syntax_lossy(sc.ts),
                  pixel_crc(img.pixels, img.len), true};
    ok = ok && truth_row(c, &t, &out->truth, err);
    rn_buf_free(&p.tmp);
    dcm_set_free(&ds);
    free(img.pixels);
    return ok;
}

/* ---- Basic Text SR ------------------------------------------------------- */

static bool code_item(DcmSet *item, const char *value, const char *scheme, const char *meaning,
                      RnError **err)
{
    return dcm_put_str(item, T(8, 0x100), "SH", value, err) &&
           dcm_put_str(item, T(8, 0x102), "SH", scheme, err) &&
           dcm_put_str(item, T(8, 0x104), "LO", meaning, err);
}

static bool generate_sr(StudyCtx *c, const char *report, StudyOutput *out, RnError **err)
{
    static const char sr_class[] = "1.2.840.10008.5.1.4.1.1.88.11";
    char sop_uid[65], series_uid[65], path[4200];
    make_uid(sop_uid, c->seed, K_UID_SOP, c->plan->index, 0xFFFFFull);
    make_uid(series_uid, c->seed, K_UID_SERIES, c->plan->index, 0xFFull);
    DcmSet ds = DCM_SET_INIT, name = DCM_SET_INIT, item = DCM_SET_INIT, iname = DCM_SET_INIT;
    Put p = {&ds, c->cs, RN_BUF_INIT, err, true};
    put_patient_study(&p, c);
    put_ascii(&p, T(8, 0x16), "UI", sr_class);
    put_ascii(&p, T(8, 0x18), "UI", sop_uid);
    put_ascii(&p, T(8, 0x23), "DA", c->date);
    put_ascii(&p, T(8, 0x33), "TM", c->time);
    put_ascii(&p, T(8, 0x60), "CS", "SR");
    put_ascii(&p, T(0x20, 0xE), "UI", series_uid);
    put_is(&p, T(0x20, 0x11), 999);
    put_is(&p, T(0x20, 0x13), 1);
    put_ascii(&p, T(0x40, 0xA040), "CS", "CONTAINER");
    put_ascii(&p, T(0x40, 0xA050), "CS", "SEPARATE");
    put_ascii(&p, T(0x40, 0xA491), "CS", "COMPLETE");
    put_ascii(&p, T(0x40, 0xA493), "CS", "UNVERIFIED");
    Put q = {&item, c->cs, RN_BUF_INIT, err, true};
    put_ascii(&q, T(0x40, 0xA010), "CS", "CONTAINS");
    put_ascii(&q, T(0x40, 0xA040), "CS", "TEXT");
    put_text(&q, T(0x40, 0xA160), "UT", report);
    bool ok = p.ok && q.ok && code_item(&name, "11528-7", "LN", "Radiology Report", err) &&
              code_item(&iname, "121071", "DCM", "Finding", err) &&
              dcm_put_seq(&item, T(0x40, 0xA043), &iname, 1, c->undefined_sq, err) &&
              dcm_put_seq(&ds, T(0x40, 0xA043), &name, 1, c->undefined_sq, err) &&
              dcm_put_seq(&ds, T(0x40, 0xA730), &item, 1, c->undefined_sq, err);
    int len = snprintf(path, sizeof path, "%s/SR999", c->dir);
    ok = ok && len > 0 && (size_t)len < sizeof path - 16 && mkdirs(path, err);
    if (ok) {
        snprintf(path + len, sizeof path - (size_t)len, "/SR0001.dcm");
        ok = write_dataset(c, path, &ds, sr_class, sop_uid, DCM_EXPLICIT_LE, out, err);
    }
    TruthRow t = {sop_uid, series_uid, path + c->dir_len,
                  dcm_syntax_uid(DCM_EXPLICIT_LE), "", NULL, "missing", "SR", "",
                  0, 0, 0, 0, 0, 0, 0, 0, 0, false};
    ok = ok && truth_row(c, &t, &out->truth, err);
    rn_buf_free(&p.tmp);
    rn_buf_free(&q.tmp);
    dcm_set_free(&ds);
    dcm_set_free(&name);
    dcm_set_free(&item);
    dcm_set_free(&iname);
    return ok;
}

/* ---- secondary capture ------------------------------------------------------ */

/* A CT dose report as vendors export it: a secondary capture with the
 * table burned into the pixels, Modality CT, no body part. */
static bool capture_pixels(const StudyCtx *c, Rng *r, uint32_t side, RnBuf *px, RnError **err)
{
    size_t n = (size_t)side * side;
    float *img = rn_calloc(n, sizeof *img, err);
    if (img == NULL)
        return false;
    int sc = side >= 512 ? 2 : 1, dy = 10 * sc;
    double ctdi = rng_range(r, 4, 60), len = rng_range(r, 150, 600);
    char line[96];
    int y = 8;
    glyph_text(img, (int)side, (int)side, 6, y, sc, "PATIENT PROTOCOL", 230), y += 2 * dy;
    snprintf(line, sizeof line, "%.8s %s", c->date, c->station);
    glyph_text(img, (int)side, (int)side, 6, y, sc, line, 200), y += dy;
    snprintf(line, sizeof line, "TOTAL MAS %d  TOTAL DLP %.1f MGYCM", rng_int(r, 300, 9000),
             ctdi * len / 10);
    glyph_text(img, (int)side, (int)side, 6, y, sc, line, 200), y += 2 * dy;
    glyph_text(img, (int)side, (int)side, 6, y, sc, "SERIES TYPE  CTDIVOL  DLP", 230), y += dy;
    for (int i = 1; i <= c->plan->nseries && y < (int)side - dy; i++, y += dy) {
        snprintf(line, sizeof line, "%d %s %.2f %.1f", i,
                 i == 1 && c->plan->localizer ? "TOPOGRAM" : "HELICAL", ctdi / i, ctdi * len / 10 / i);
        glyph_text(img, (int)side, (int)side, 6, y, sc, line, 200);
    }
    bool ok = rn_buf_reserve(px, n, err);
    for (size_t i = 0; ok && i < n; i++)
        px->data[px->len++] = (uint8_t)img[i];
    free(img);
    return ok;
}

static bool generate_capture(StudyCtx *c, StudyOutput *out, RnError **err)
{
    static const char sc_class[] = "1.2.840.10008.5.1.4.1.1.7";
    static const char *const desc[] = {"Patient Protocol", "Dose Report", "Dose Info", "Dosisbericht"};
    Rng r;
    rng_seed(&r, c->seed, K_IMAGE, (c->plan->index << 20) | 0xFFFFEull);
    char sop_uid[65], series_uid[65], path[4200];
    make_uid(sop_uid, c->seed, K_UID_SOP, c->plan->index, 0xFFFFEull);
    make_uid(series_uid, c->seed, K_UID_SERIES, c->plan->index, 0xFEull);
    uint32_t side = c->size == RN_SYNTH_FULL ? 512 : c->size == RN_SYNTH_SMALL ? 256 : 64;
    RnBuf px = RN_BUF_INIT;
    DcmSet ds = DCM_SET_INIT;
    Put p = {&ds, c->cs, RN_BUF_INIT, err, capture_pixels(c, &r, side, &px, err)};
    put_patient_study(&p, c);
    put_ascii(&p, T(8, 8), "CS", "DERIVED\\SECONDARY\\OTHER");
    put_ascii(&p, T(8, 0x16), "UI", sc_class);
    put_ascii(&p, T(8, 0x18), "UI", sop_uid);
    put_ascii(&p, T(8, 0x23), "DA", c->date);
    put_ascii(&p, T(8, 0x33), "TM", c->time);
    put_ascii(&p, T(8, 0x60), "CS", "CT");
    put_ascii(&p, T(8, 0x64), "CS", "WSD");
    put_text(&p, T(8, 0x103E), "LO", RNG_PICK(&r, desc));
    put_ascii(&p, T(0x20, 0xE), "UI", series_uid);
    put_is(&p, T(0x20, 0x11), 997);
    put_is(&p, T(0x20, 0x13), 1);
    put_us(&p, T(0x28, 0x2), 1);
    put_ascii(&p, T(0x28, 0x4), "CS", "MONOCHROME2");
    put_us(&p, T(0x28, 0x10), (uint16_t)side);
    put_us(&p, T(0x28, 0x11), (uint16_t)side);
    put_us(&p, T(0x28, 0x100), 8);
    put_us(&p, T(0x28, 0x101), 8);
    put_us(&p, T(0x28, 0x102), 7);
    put_us(&p, T(0x28, 0x103), 0);
    p.ok = p.ok && dcm_put_bin(&ds, T(0x7FE0, 0x10), "OB", px.data, px.len, err);
    int len = snprintf(path, sizeof path, "%s/SE997", c->dir);
    bool ok = p.ok && len > 0 && (size_t)len < sizeof path - 16 && mkdirs(path, err);
    if (ok) {
        snprintf(path + len, sizeof path - (size_t)len, "/SC0001.dcm");
        ok = write_dataset(c, path, &ds, sc_class, sop_uid, DCM_EXPLICIT_LE, out, err);
    }
    TruthRow t = {sop_uid, series_uid, path + c->dir_len, dcm_syntax_uid(DCM_EXPLICIT_LE),
                  "MONOCHROME2", NULL, "missing", "CT", view_names[VW_CAPTURE], side, side, 1, 1,
                  8, 8, 0, 0, ok ? pixel_crc(px.data, px.len) : 0, true};
    ok = ok && truth_row(c, &t, &out->truth, err);
    rn_buf_free(&p.tmp);
    rn_buf_free(&px);
    dcm_set_free(&ds);
    return ok;
}

/* ---- the study ----------------------------------------------------------- */

static bool report_row(StudyOutput *out, const char *exam, const char *acc, const char *uid,
                       const char *text, RnError **err)
{
    out->report_rows++;
    return csv_field(&out->reports, exam, false, err) && csv_field(&out->reports, acc, false, err) &&
           csv_field(&out->reports, uid, false, err) && csv_field(&out->reports, text, true, err);
}

/* The exam's report (rows of reports.csv when it was written: most exams,
 * not all) and its full text in `full` for an SR copy. */
static bool study_report(StudyCtx *c, StudyOutput *out, RnBuf *full, RnError **err)
{
    Rng r;
    rng_seed(&r, c->seed, K_REPORT, c->plan->index);
    RnBuf parts[REPORT_MAX_PARTS] = {RN_BUF_INIT, RN_BUF_INIT, RN_BUF_INIT};
    int n = 0;
    bool reported = rng_chance(&r, 0.88) || c->plan->sr; /* an SR copy implies a report */
    ReportFacts f = {c->plan->mod, c->plan->region, c->side, c->lesion.path, c->lesion_mm,
                     c->lesion.implant, coronary_trees(c->plan)};
    /* Mostly Croatian, some English; a German hospital's cardiologists
     * write German (the only family with German wording). */
    Lang lang = rng_chance(&r, 0.15) ? L_EN : L_HR;
    if (c->plan->region == R_HEART && c->lang == L_DE)
        lang = L_DE;
    bool ok = text_report(&r, &f, lang, parts, &n, err);
    for (int i = 0; ok && i < n; i++) {
        /* A few rows carry only one of the join keys. */
        bool no_uid = rng_chance(&r, 0.03), no_acc = !no_uid && rng_chance(&r, 0.03);
        ok = (!reported || report_row(out, c->exam_id, no_acc ? "" : c->accession,
                                      no_uid ? "" : c->study_uid, (const char *)parts[i].data, err)) &&
             (full->len == 0 || rn_buf_append(full, " ", 1, err)) &&
             rn_buf_append(full, parts[i].data, parts[i].len, err);
    }
    ok = ok && rn_buf_terminate(full, err);
    for (int i = 0; i < REPORT_MAX_PARTS; i++)
        rn_buf_free(&parts[i]);
    if (!reported)
        full->len = 0;
    return ok;
}

/* A report whose exam is not in the archive (images deleted, exam sent
 * elsewhere): keys that join nothing. */
static bool orphan_report(const StudyCtx *c, StudyOutput *out, RnError **err)
{
    Rng r;
    rng_seed(&r, c->seed, K_ORPHAN, c->plan->index);
    char exam[24], acc[24], uid[65];
    snprintf(exam, sizeof exam, "EX9%08llu", (unsigned long long)(c->plan->index % 100000000ull));
    snprintf(acc, sizeof acc, "B%011llu", (unsigned long long)(rng_next(&r) % 100000000000ull));
    make_uid(uid, c->seed, K_ORPHAN, c->plan->index, 0);
    RnBuf parts[REPORT_MAX_PARTS] = {RN_BUF_INIT, RN_BUF_INIT, RN_BUF_INIT};
    int n = 0;
    ReportFacts f = {c->plan->mod, c->plan->region, c->side, P_NONE, 0, IMP_NONE, 0};
    bool ok = text_report(&r, &f, L_HR, parts, &n, err);
    for (int i = 0; ok && i < n; i++)
        ok = report_row(out, exam, acc, uid, (const char *)parts[i].data, err);
    for (int i = 0; i < REPORT_MAX_PARTS; i++)
        rn_buf_free(&parts[i]);
    return ok;
}

/* The study's pathology, one of those its report words and its first
 * view can show; about a third of exams have one. */
static void study_lesion(StudyCtx *c, Rng *r)
{
    Scene sc = c->plan->scene;
    ViewKind v[3];
    ViewKind view = scene_is_projection(sc) ? (xr_views(sc, v), v[0]) : scene_plane(sc);
    Pathology cand[P_COUNT];
    int n = 0;
    for (int p = P_NONE + 1; p < P_COUNT; p++)
        if (text_pathology_possible(c->plan->mod, c->plan->region, (Pathology)p) &&
            anatomy_shows(sc, view, (Pathology)p))
            cand[n++] = (Pathology)p;
    c->lesion.path = n > 0 && rng_chance(r, 0.35) ? cand[rng_int(r, 0, n - 1)] : P_NONE;
    c->lesion.side = c->side ? c->side : rng_int(r, 1, 2);
    c->lesion.size = rng_range(r, 0.04, 0.11);
    c->lesion_mm = (int)(c->lesion.size * 220 + 0.5);
    Mod m = c->plan->mod;
    bool implant = (m == M_CR || m == M_DX || m == M_CT) && rng_chance(r, 0.08) &&
                   anatomy_takes_implant(sc);
    c->lesion.implant = implant ? body3_implant(sc) : IMP_NONE;
}

/* Exports carry non-DICOM debris; readers must skip it. */
static bool junk_file(const StudyCtx *c, RnError **err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s", c->dir);
    if (!mkdirs(path, err))
        return false;
    snprintf(path, sizeof path, "%s/Thumbs.db", c->dir);
    RnBuf b = RN_BUF_INIT;
    static const uint8_t ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    bool ok = rn_buf_append(&b, ole, sizeof ole, err);
    for (int i = 0; ok && i < 504; i++) {
        uint8_t v = (uint8_t)(i * 31 + 7);
        ok = rn_buf_append(&b, &v, 1, err);
    }
    ok = ok && write_file(path, &b, err);
    rn_buf_free(&b);
    return ok;
}

static bool study_dir(StudyCtx *c, const char *out_dir, RnError **err)
{
    c->dir_len = strlen(out_dir) + 1; /* paths in truth.csv are relative */
    int n = snprintf(c->dir, sizeof c->dir, "%s/dicom/%s/%s_%s_%llu", out_dir, c->patient_id,
                     c->date, c->mi->code, (unsigned long long)c->plan->index + 1);
    if (n < 0 || (size_t)n >= sizeof c->dir - 64) {
        rn_error_set(err, RN_ERROR_LIMIT, "output path too long");
        return false;
    }
    return true;
}

bool study_generate(const char *out_dir, uint64_t seed, RnSynthSize size,
                    const StudyPlan *plan, StudyOutput *out, RnError **err)
{
    StudyCtx c;
    memset(&c, 0, sizeof c);
    c.plan = plan;
    c.seed = seed;
    c.size = size;
    c.mi = &synth_modalities[plan->mod];
    c.ri = &synth_regions[plan->region];
    Rng r;
    rng_seed(&r, seed, K_STUDY, plan->index);
    study_identity(&c, &r);
    study_vendor(&c, &r);
    c.side = c.ri->lateral ? rng_int(&r, 1, 2) : 0;
    study_lesion(&c, &r);
    RnBuf report = RN_BUF_INIT;
    bool ok = text_procedure(&r, c.lang, plan->mod, plan->region, c.side, &c.description, err) &&
              text_procedure(&r, c.lang, plan->mod, plan->region, c.side, &c.requested, err) &&
              study_dir(&c, out_dir, err) && study_report(&c, out, &report, err) &&
              (!rng_chance(&r, 0.03) || orphan_report(&c, out, err));
    for (int s = 0; ok && s < plan->nseries; s++) {
        SeriesCtx sc;
        series_setup(&c, s, &sc);
        for (int i = 1; ok && i <= sc.nimages; i++)
            ok = generate_image(&c, &sc, i, out, err);
    }
    if (ok && plan->capture)
        ok = generate_capture(&c, out, err);
    if (ok && plan->sr)
        ok = generate_sr(&c, (const char *)report.data, out, err);
    if (ok && rng_chance(&r, 0.02))
        ok = junk_file(&c, err);
    rn_buf_free(&report);
    rn_buf_free(&c.description);
    rn_buf_free(&c.requested);
    return ok;
}
