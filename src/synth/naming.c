#include "synth/naming.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const mr_sequence_names[MR_SEQ_COUNT] = {"T1", "T2", "FLAIR", "PD", "STIR", "DWI",
                                                     "SSFP"};

static const char *const view_words[L_COUNT][VW_COUNT] = {
    [L_HR] = {"ax", "sag", "kor", "PA", "AP", "profil", "kosa", "CC", "MLO", "ant", "post", "",
              "lokalizator", "", "kratka os", "2CH", "4CH", "LAO", "RAO"},
    [L_EN] = {"AX", "SAG", "COR", "PA", "AP", "LAT", "OBL", "CC", "MLO", "ANT", "POST", "",
              "Localizer", "", "SA", "2CH", "4CH", "LAO", "RAO"},
    [L_DE] = {"tra", "sag", "cor", "p.a.", "a.p.", "seitlich", "schräg", "CC", "MLO", "ant",
              "post", "", "Übersicht", "", "kurze Achse", "2K", "4K", "LAO", "RAO"},
};

static void mr_description(Rng *r, const SeriesNaming *n, char *d, size_t nd)
{
    static const char *const siemens[MR_SEQ_COUNT] = {"t1_se", "t2_tse", "t2_tirm_dark-fluid",
                                                      "pd_tse_fs", "t2_tirm", "ep2d_diff_3scan",
                                                      "cine_trufi"};
    static const char *const ge[MR_SEQ_COUNT] = {"T1 SE", "T2 FSE", "T2 FLAIR", "PD FS", "STIR",
                                                 "DWI b1000", "FIESTA CINE"};
    static const char *const philips[MR_SEQ_COUNT] = {"T1W_SE", "T2W_TSE", "T2W_FLAIR",
                                                      "PDW_SPAIR", "STIR", "DWI", "BTFE_CINE"};
    /* Planes: the body's three, then the heart's (short axis, 2- and 4-chamber). */
    static const char *const plane_s[] = {"tra", "sag", "cor", "sax", "2ch", "4ch"},
                             *const plane_g[] = {"Ax", "Sag", "Cor", "SAX", "2CH", "4CH"},
                             *const plane_p[] = {"TRA", "SAG", "COR", "SA", "2CH", "4CH"};
    int pl = n->view <= VW_COR ? (int)n->view : n->view >= VW_SA ? 3 + (int)(n->view - VW_SA) : 0;
    if (n->view == VW_LOCALIZER) {
        static const char *const loc[] = {"localizer", "3-pl loc", "Survey", "AAHead_Scout"};
        snprintf(d, nd, "%s", loc[n->vendor == V_SIEMENS ? 0 : n->vendor == V_GE ? 1 : 2]);
        return;
    }
    int k = n->sequence;
    if (n->vendor == V_SIEMENS)
        snprintf(d, nd, "%s_%s%s", siemens[k], plane_s[pl], rng_chance(r, 0.3) ? "_384" : "");
    else if (n->vendor == V_GE)
        snprintf(d, nd, "%s %s", plane_g[pl], ge[k]);
    else
        snprintf(d, nd, "%s%s_%s", rng_chance(r, 0.3) ? "s" : "", philips[k], plane_p[pl]);
}

static void ct_description(Rng *r, const SeriesNaming *n, char *d, size_t nd)
{
    const RegionInfo *ri = &synth_regions[n->region];
    double t = n->thickness;
    if (n->view == VW_LOCALIZER) {
        static const char *const loc[] = {"Topogram  0.6  T20s", "Scout", "Surview", "Scanogram"};
        snprintf(d, nd, "%s", loc[n->vendor <= V_TOSHIBA ? n->vendor : 0]);
        return;
    }
    if (n->region == R_HEART) { /* ECG-gated: the phase of the reconstruction, the heart's planes */
        static const char *const stem[4] = {"CorCTA", "Cardiac", "CCTA", "Cardiac CTA"},
                             *const plane[3] = {" SA MPR", " 2CH MPR", " 4CH MPR"};
        snprintf(d, nd, "%s %.2g %s %d%%%s", stem[n->vendor <= V_TOSHIBA ? n->vendor : 0], t,
                 n->kernel, 5 * rng_int(r, 14, 16),
                 n->view >= VW_SA ? plane[n->view - VW_SA] : "");
        return;
    }
    switch (n->vendor) {
    case V_SIEMENS:
        if (rng_chance(r, 0.4))
            snprintf(d, nd, "%s  %.1f  %s", ri->word[rng_chance(r, 0.5) ? L_DE : L_EN], t, n->kernel);
        else
            snprintf(d, nd, "%.1f %s%s", t, n->kernel, n->view == VW_AX ? "" : n->view == VW_SAG ? " sag" : " cor");
        break;
    case V_GE:
        snprintf(d, nd, "%s%.2gmm %s", n->view == VW_AX ? "" : n->view == VW_SAG ? "Sag " : "Cor ", t,
                 n->kernel);
        break;
    case V_PHILIPS:
        snprintf(d, nd, "%s %gmm%s", rng_chance(r, 0.5) ? "iDose" : n->kernel, t,
                 n->view == VW_AX ? "" : n->view == VW_SAG ? " SAG" : " COR");
        break;
    default:
        snprintf(d, nd, "%.1fmm %s%s", t, n->kernel, n->view == VW_AX ? "" : " MPR");
        break;
    }
}

static void xr_description(Rng *r, const SeriesNaming *n, char *d, size_t nd)
{
    const char *v = view_words[n->lang][n->view];
    const RegionInfo *ri = &synth_regions[n->region];
    static const char *const sides[L_COUNT][3] = {{"", "D", "L"}, {"", "R", "L"}, {"", "re", "li"}};
    switch (n->vendor) {
    case V_FUJI: case V_CARESTREAM:
        snprintf(d, nd, "%s%s%s", v, n->side ? " " : "", sides[n->lang][n->side]);
        break;
    case V_HOLOGIC: case V_GE:
        if (n->mod == M_MG) {
            snprintf(d, nd, "%s%s%s", n->side == 2 ? "L" : "R", n->vendor == V_GE ? "" : " ", v);
            break;
        }
        /* fall through */
    default:
        if (n->mod == M_MG)
            snprintf(d, nd, "%s %s", n->side == 2 ? "L" : "R", v);
        else if (rng_chance(r, 0.5))
            snprintf(d, nd, "%s %s", ri->word[n->lang], v);
        else
            snprintf(d, nd, "%s", v);
        break;
    }
}

/* "LCA LAO 42 CRA 27" (most consoles), "Left Coro LAO42/CRA27" (Philips
 * in English), "lijeva koronarna RAO 30 kaud 25" in Croatian, "RCA LAO 40"
 * without a tilt: angles rounded to degrees, AP below 10 degrees. */
static void coronary_description(const SeriesNaming *n, char *d, size_t nd)
{
    static const char *const artery[L_COUNT][2] = {
        [L_HR] = {"lijeva koronarna", "desna koronarna"}, [L_EN] = {"LCA", "RCA"},
        [L_DE] = {"LCA", "RCA"}};
    static const char *const tilt[L_COUNT][2] = {
        [L_HR] = {"kran", "kaud"}, [L_EN] = {"CRA", "CAU"}, [L_DE] = {"kran.", "kaud."}};
    int p = (int)lround(fabs(n->primary)), s = (int)lround(fabs(n->secondary));
    bool philips = n->vendor == V_PHILIPS && n->lang == L_EN;
    char arm[24] = "AP", tail[24] = "";
    if (p >= 10)
        snprintf(arm, sizeof arm, philips ? "%s%d" : "%s %d", n->primary > 0 ? "LAO" : "RAO", p);
    if (s > 0)
        snprintf(tail, sizeof tail, philips ? "/%s%d" : " %s %d",
                 tilt[n->lang][n->secondary > 0 ? 0 : 1], s);
    if (philips)
        snprintf(d, nd, "%s Coro %s%s", n->artery == 1 ? "Left" : "Right", arm, tail);
    else
        snprintf(d, nd, "%s %s%s", artery[n->lang][n->artery - 1], arm, tail);
}

static void other_description(Rng *r, const SeriesNaming *n, char *d, size_t nd)
{
    static const char *const us[] = {"", "", "B-mode", "Abd", "SmPrt", "Vasc", "CFM", "Thy"};
    static const char *const xa[] = {"DSA %d F/s", "Cine %d fps", "LAO 30 CRA %d", "RAO 20 CAU %d"};
    static const char *const rf[] = {"Fluoro", "Spot", "Dijaskopija", "Fluoro Store"};
    static const char *const nm[] = {"ANT", "POST", "WB Anterior", "Static", "Dynamic"};
    static const char *const pt[] = {"PET WB AC", "PET AC 3D", "PET NAC", "WB 3D MAC"};
    static const char *const echo[] = {"A4C", "Echo", "Cardiac", "2D", "Apical 4CH"};
    static const char *const nm_heart[] = {"SPECT MPI Stress", "Rest SPECT", "Gated SPECT",
                                           "Myocard ANT", "Herz Stress"};
    if (n->artery) { /* a coronary run: the artery and the C-arm's angles */
        coronary_description(n, d, nd);
        return;
    }
    if (n->region == R_HEART && (n->mod == M_US || n->mod == M_NM)) {
        snprintf(d, nd, "%s", n->mod == M_US ? RNG_PICK(r, echo) : RNG_PICK(r, nm_heart));
        return;
    }
    switch (n->mod) {
    case M_US: snprintf(d, nd, "%s", RNG_PICK(r, us)); break;
    case M_XA: snprintf(d, nd, RNG_PICK(r, xa), rng_int(r, 2, 30)); break;
    case M_RF: snprintf(d, nd, "%s", RNG_PICK(r, rf)); break;
    case M_NM: snprintf(d, nd, "%s", RNG_PICK(r, nm)); break;
    default: snprintf(d, nd, "%s", RNG_PICK(r, pt)); break;
    }
}

/* Hospital protocol trees: region word in the hospital's language, a
 * vendor's routine name, or a bare number. */
static void protocol_name(Rng *r, const SeriesNaming *n, const char *desc, char *p, size_t np)
{
    const RegionInfo *ri = &synth_regions[n->region];
    static const char *const routine[L_COUNT][3] = {{"rutina", "standard", "hitno"},
                                                    {"Routine", "Standard", "Trauma"},
                                                    {"Routine", "Standard", "Notfall"}};
    double u = rng_unit(r);
    if (u < 0.35)
        snprintf(p, np, "%s", desc);
    else if (u < 0.55)
        snprintf(p, np, "%s %s", ri->word[n->lang], routine[n->lang][rng_int(r, 0, 2)]);
    else if (u < 0.8)
        snprintf(p, np, "%s %d", routine[n->lang][rng_int(r, 0, 2)], rng_int(r, 1, 12));
    else
        snprintf(p, np, "P%03d", rng_int(r, 1, 400));
}

void naming_series(Rng *r, const SeriesNaming *n, char *desc, size_t ndesc, char *protocol,
                   size_t nprotocol)
{
    switch (n->mod) {
    case M_MR: mr_description(r, n, desc, ndesc); break;
    case M_CT: ct_description(r, n, desc, ndesc); break;
    case M_CR: case M_DX: case M_MG: xr_description(r, n, desc, ndesc); break;
    default: other_description(r, n, desc, ndesc); break;
    }
    protocol_name(r, n, desc, protocol, nprotocol);
}
