/* Vocabulary tables and the small grammar that strings them into names,
 * procedure descriptions and radiology reports. Reports imitate real ones:
 * telegraphic, negations ("bez znakova frakture", "ne vidi se..."),
 * missing diacritics, abbreviations and occasional typos. */
#include "synth/text.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const male[] = {"Ivan", "Marko", "Luka", "Josip", "Tomislav", "Đuro",
                                   "Željko", "Krešimir", "Dražen", "Stjepan", "Matija",
                                   "Ante", "Mirko", "Zoran", "Goran", "Siniša", "Nikola",
                                   "Vjekoslav", "Dževad", "Božidar"};
static const char *const female[] = {"Ana", "Marija", "Ivana", "Petra", "Ljiljana", "Snježana",
                                     "Željka", "Đurđica", "Mirjana", "Katarina", "Nikolina",
                                     "Sanja", "Vesna", "Jasna", "Dubravka", "Branka", "Maša",
                                     "Tea", "Lucija", "Višnja"};
static const char *const family[] = {"Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak",
                                     "Kovačić", "Knežević", "Vuković", "Marković", "Petrović",
                                     "Matić", "Tomić", "Pavlović", "Božić", "Grgić", "Šarić",
                                     "Perić", "Blažević", "Radić", "Lončar", "Đurić", "Žužić",
                                     "Čačić", "Ćosić", "Mihaljević", "Šimić", "Lukić",
                                     "Filipović", "Živković", "Barišić", "Črnko"};

void text_person(Rng *r, Person *p)
{
    p->sex = rng_chance(r, 0.5) ? 'F' : 'M';
    const char *g = p->sex == 'F' ? RNG_PICK(r, female) : RNG_PICK(r, male);
    snprintf(p->given, sizeof p->given, "%s", g);
    snprintf(p->family, sizeof p->family, "%s", RNG_PICK(r, family));
    if (rng_chance(r, 0.08)) { /* double-barrelled family names */
        size_t n = strlen(p->family);
        snprintf(p->family + n, sizeof p->family - n, "-%s", RNG_PICK(r, family));
    }
    p->birth_year = rng_int(r, 1930, 2011); /* born before any study */
    p->birth_month = rng_int(r, 1, 12);
    p->birth_day = rng_int(r, 1, 28);
}

/* ---- character sets ------------------------------------------------------ */

typedef struct Letter {
    const char *utf8;
    uint8_t latin2;
    const char *ascii;
    uint8_t latin1; /* 0: not in Latin-1 */
} Letter;

static const Letter letters[] = {
    {"č", 0xE8, "c", 0}, {"ć", 0xE6, "c", 0}, {"đ", 0xF0, "dj", 0}, {"š", 0xB9, "s", 0},
    {"ž", 0xBE, "z", 0}, {"Č", 0xC8, "C", 0}, {"Ć", 0xC6, "C", 0}, {"Đ", 0xD0, "Dj", 0},
    {"Š", 0xA9, "S", 0}, {"Ž", 0xAE, "Z", 0}, {"ä", 0xE4, "a", 0xE4}, {"ö", 0xF6, "o", 0xF6},
    {"ü", 0xFC, "u", 0xFC}, {"é", 0xE9, "e", 0xE9}, {"ß", 0xDF, "ss", 0xDF},
};

bool text_encode(const char *s, Charset cs, RnBuf *out, RnError **err)
{
    while (*s) {
        if ((uint8_t)*s < 0x80 || cs == CS_UTF8) {
            if (!rn_buf_append(out, s, 1, err))
                return false;
            s++;
            continue;
        }
        const Letter *l = NULL;
        for (size_t i = 0; i < N(letters) && !l; i++)
            if (strncmp(s, letters[i].utf8, strlen(letters[i].utf8)) == 0)
                l = &letters[i];
        size_t skip = 1;
        while ((s[skip] & 0xC0) == 0x80)
            skip++;
        bool ok;
        if (l == NULL)
            ok = rn_buf_append(out, "?", 1, err);
        else if (cs == CS_LATIN2)
            ok = rn_buf_append(out, &l->latin2, 1, err);
        else if (cs == CS_LATIN1 && l->latin1)
            ok = rn_buf_append(out, &l->latin1, 1, err);
        else
            ok = rn_buf_append_str(out, l->ascii, err);
        if (!ok)
            return false;
        s += skip;
    }
    return rn_buf_terminate(out, err);
}

/* ---- procedures ---------------------------------------------------------- */

static const char *const prefix_en[M_COUNT] = {"XR", "DX", "CT", "MRI", "US", "Angiography",
                                            "Fluoroscopy", "Mammography", "NM", "PET/CT"};
static const char *const prefix_de[M_COUNT] = {"Röntgen", "Röntgen", "CT", "MRT", "Sonographie",
                                            "Angiographie", "Durchleuchtung", "Mammographie",
                                            "Szintigraphie", "PET-CT"};
/* Orders that name no body part at all: real RIS lists are full of them. */
static const char *const generic[L_COUNT][4] = {
    {"pregled", "hitni pregled", "kontrolni pregled", "po uputnici"},
    {"examination", "emergency", "follow-up", "routine"},
    {"Untersuchung", "Notfall", "Kontrolle", "Routine"},
};
static const char *const side_words[L_COUNT][2][3] = {
    {{"desno", "desni", "dex."}, {"lijevo", "lijevi", "sin."}},
    {{"right", "R", "rt"}, {"left", "L", "lt"}},
    {{"re.", "rechts", "re"}, {"li.", "links", "li"}},
};

/* A phrase whose own side word contradicts the exam's side is not used. */
static bool phrase_fits_side(const char *phrase, int side)
{
    bool right = strstr(phrase, "desn") != NULL, left = strstr(phrase, "lijev") != NULL;
    return !(right || left) || (right && side == 1) || (left && side == 2);
}

bool text_procedure(Rng *r, Lang lang, Mod m, Region g, int side, RnBuf *out, RnError **err)
{
    const ModalityInfo *mi = &synth_modalities[m];
    const RegionInfo *ri = &synth_regions[g];
    const char *phrases[MAX_PHRASES];
    int np = 0;
    for (int i = 0; i < MAX_PHRASES && ri->phrases[i]; i++)
        if (phrase_fits_side(ri->phrases[i], side))
            phrases[np++] = ri->phrases[i];
    const char *prefix = lang == L_EN ? prefix_en[m] : lang == L_DE ? prefix_de[m]
                                                                     : mi->prefixes[rng_int(r, 0, 3)];
    const char *body = rng_chance(r, 0.15) ? generic[lang][rng_int(r, 0, 3)]
                       : lang == L_HR      ? phrases[rng_int(r, 0, np - 1)]
                                           : ri->word[lang];
    bool ok = rn_buf_printf(out, err, "%s %s", prefix, body);
    if (ok && side && phrase_fits_side(body, 0) && rng_chance(r, 0.6))
        ok = rn_buf_printf(out, err, " %s", side_words[lang][side - 1][rng_int(r, 0, 2)]);
    if (ok && rng_chance(r, 0.35)) { /* many modalities type in capitals */
        for (size_t i = 0; i < out->len; i++)
            if (out->data[i] >= 'a' && out->data[i] <= 'z')
                out->data[i] = (uint8_t)(out->data[i] - 32);
    }
    return ok && rn_buf_terminate(out, err);
}

/* ---- reports --------------------------------------------------------------- */

typedef enum Family {
    F_CHEST, F_HEAD, F_SPINE, F_JOINT, F_ABDOMEN, F_NECK, F_BREAST, F_BODY, F_VESSEL, F_HEART,
    F_COUNT
} Family;

/* A normal finding; `negates` is the pathology it would deny (P_COUNT:
 * every pathology), so it is left out of a report that has that one. de:
 * German wording, where the family has it (NULL: English is used). */
typedef struct Normal {
    const char *hr, *en;
    Pathology negates;
    const char *de;
} Normal;

/* A pathology in words: finding ("%d" = size in mm, then "%s" = side, in
 * that order when present) and conclusion. */
typedef struct Abnormal {
    Family family;
    Pathology path;
    const char *find_hr, *find_en, *concl_hr, *concl_en;
    const char *find_de, *concl_de;
} Abnormal;

#define NORMALS 6

static const Normal normals[F_COUNT][NORMALS] = {
    [F_CHEST] = {{"Plućni parenhim bez svježih infiltrativnih promjena.", "Lungs are clear.", P_NODULE, NULL},
                 {"Srce uredne veličine i oblika.", "Normal heart size.", P_NONE, NULL},
                 {"Kostofrenični sinusi slobodni.", "No pleural effusion.", P_EFFUSION, NULL},
                 {"Hilusi uredni.", "Hila unremarkable.", P_NONE, NULL},
                 {"Nema znakova pneumotoraksa.", "No pneumothorax.", P_NONE, NULL},
                 {"Bez žarišnih promjena u plućima.", "No focal lung lesion.", P_NODULE, NULL}},
    [F_HEAD] = {{"Nema znakova intrakranijalnog krvarenja.", "No intracranial haemorrhage.", P_NONE, NULL},
                {"Ventrikularni sustav uredne širine, središnje položen.",
                 "Ventricles normal in size and midline.", P_MASS, NULL},
                {"Bez znakova svježe ishemije.", "No acute infarct.", P_NONE, NULL},
                {"Paranazalni sinusi prozračni.", "Sinuses clear.", P_NONE, NULL},
                {"Koštane strukture neurokranija bez traumatskih lezija.", "No skull fracture.",
                 P_FRACTURE, NULL},
                {"Ne prikazuju se ekspanzivne tvorbe.", "No mass lesion.", P_MASS, NULL}},
    [F_SPINE] = {{"Kralješci uredne visine i strukture.", "Vertebral bodies of normal height.",
                  P_FRACTURE, NULL},
                 {"Intervertebralni prostori očuvani.", "Disc spaces preserved.", P_NONE, NULL},
                 {"Bez znakova frakture.", "No fracture.", P_FRACTURE, NULL},
                 {"Fiziološka lordoza očuvana.", "Normal alignment.", P_NONE, NULL},
                 {"Spinalni kanal normalne širine.", "Spinal canal of normal width.", P_NONE, NULL},
                 {"Paravertebralna meka tkiva uredna.", "Paravertebral soft tissues normal.",
                  P_NONE, NULL}},
    [F_JOINT] = {{"Bez znakova frakture.", "No fracture.", P_FRACTURE, NULL},
                 {"Zglobna pukotina uredne širine.", "Joint space preserved.", P_NONE, NULL},
                 {"Koštana struktura uredna.", "Normal bone structure.", P_FRACTURE, NULL},
                 {"Nema izljeva u zglobu.", "No joint effusion.", P_EFFUSION, NULL},
                 {"Zglobne plohe glatke.", "Smooth articular surfaces.", P_NONE, NULL},
                 {"Ne vidi se luksacija.", "No dislocation.", P_NONE, NULL}},
    [F_ABDOMEN] = {{"Jetra uredne veličine, homogene strukture.", "Liver normal in size and texture.",
                    P_MASS, NULL},
                   {"Žučnjak bez konkremenata.", "No gallstones.", P_NONE, NULL},
                   {"Gušterača i slezena uredne.", "Pancreas and spleen unremarkable.", P_NONE, NULL},
                   {"Bubrezi uredne veličine, bez opstrukcije.", "Kidneys unremarkable.", P_NONE, NULL},
                   {"Ne vidi se slobodna tekućina.", "No free fluid.", P_EFFUSION, NULL},
                   {"Mokraćni mjehur glatkih stijenki.", "Bladder wall smooth.", P_NONE, NULL}},
    [F_NECK] = {{"Štitnjača uredne veličine i ehostrukture.", "Thyroid normal.", P_NODULE, NULL},
                {"Bez patološki povećanih limfnih čvorova.", "No enlarged lymph nodes.", P_NONE, NULL},
                {"Karotidne arterije prohodne, bez stenoza.", "Carotids patent.", P_NONE, NULL},
                {"Meka tkiva vrata uredna.", "Unremarkable soft tissues.", P_NODULE, NULL},
                {"Traheja u središnjoj liniji.", "Trachea midline.", P_NONE, NULL},
                {"Nema patoloških promjena.", "No abnormality.", P_COUNT, NULL}},
    [F_BREAST] = {{"Obostrano fibroglandularni parenhim bez suspektnih masa.", "No suspicious mass.",
                   P_MASS, NULL},
                  {"Nema suspektnih mikrokalcifikata.", "No microcalcifications.", P_NONE, NULL},
                  {"Koža i bradavice uredne.", "Skin and nipples normal.", P_NONE, NULL},
                  {"Aksile bez povećanih limfnih čvorova.", "No axillary nodes.", P_NONE, NULL},
                  {"Involutivne promjene.", "Involutional changes.", P_NONE, NULL},
                  {"Raspršeni fibroglandularni parenhim.", "Scattered fibroglandular tissue.",
                   P_NONE, NULL}},
    [F_BODY] = {{"Fiziološka distribucija radiofarmaka.", "Physiological tracer distribution.",
                 P_MASS, NULL},
                {"Bez žarišta patološkog nakupljanja.", "No abnormal uptake.", P_MASS, NULL},
                {"Simetričan prikaz.", "Symmetrical appearance.", P_NONE, NULL},
                {"Nema znakova metastatske bolesti.", "No evidence of metastases.", P_MASS, NULL},
                {"Uredna funkcija bubrega.", "Normal renal function.", P_NONE, NULL},
                {"Fiziološko nakupljanje u mokraćnom mjehuru.", "Physiological bladder activity.",
                 P_NONE, NULL}},
    [F_VESSEL] = {{"Uredan prikaz krvnih žila.", "Vessels patent.", P_NONE, NULL},
                  {"Bez hemodinamski značajnih stenoza.", "No significant stenosis.", P_NONE, NULL},
                  {"Uredan protok kontrasta.", "Normal contrast flow.", P_NONE, NULL},
                  {"Ne prikazuje se aneurizma.", "No aneurysm.", P_NONE, NULL},
                  {"Nema znakova disekcije.", "No dissection.", P_NONE, NULL},
                  {"Uredna kolateralna cirkulacija.", "Normal collateral flow.", P_NONE, NULL}},
    [F_HEART] = {{"Srce uredne veličine, bez perikardijalnog izljeva.",
                  "Normal heart size, no pericardial effusion.", P_EFFUSION,
                  "Herz normal groß, kein Perikarderguss."},
                 {"Globalna sistolička funkcija lijeve klijetke očuvana.",
                  "Preserved global left ventricular systolic function.", P_NONE,
                  "Erhaltene globale linksventrikuläre Pumpfunktion."},
                 {"Koronarne arterije bez hemodinamski značajnih stenoza.",
                  "No haemodynamically significant coronary stenosis.", P_NONE,
                  "Keine hämodynamisch relevanten Koronarstenosen."},
                 {"Regionalna kinetika stijenki uredna.", "No regional wall motion abnormality.",
                  P_NONE, "Keine regionalen Wandbewegungsstörungen."},
                 {"Ascendentna aorta uredne širine.", "Ascending aorta of normal calibre.", P_NONE,
                  "Aorta ascendens normal weit."},
                 {"Zalisci bez značajnih kalcifikata.", "No significant valvular calcification.",
                  P_NONE, "Keine relevanten Klappenverkalkungen."}},
};

static const Abnormal abnormals[] = {
    {F_CHEST, P_NODULE, "Okrugla sjena promjera %d mm u plućnom polju %s.",
     "%d mm nodule in the %s lung.", "Nodus u plućima, preporuča se CT kontrola.",
     "Pulmonary nodule, CT follow-up advised.", NULL, NULL},
    {F_CHEST, P_EFFUSION, "Pleuralni izljev visine oko %d mm %s.", "Pleural effusion, %d mm, %s.",
     "Pleuralni izljev.", "Pleural effusion.", NULL, NULL},
    {F_HEAD, P_MASS, "Ekspanzivna tvorba promjera %d mm %s, s perifokalnim edemom.",
     "Mass lesion of %d mm on the %s with oedema.", "Ekspanzivni proces, potrebna daljnja obrada.",
     "Intracranial mass, further work-up advised.", NULL, NULL},
    {F_HEAD, P_FRACTURE, "Linija frakture kalote dužine oko %d mm %s, bez pomaka.",
     "Undisplaced skull fracture, %d mm, %s.", "Fraktura kalote.", "Skull fracture.", NULL, NULL},
    {F_SPINE, P_FRACTURE, "Kompresivna fraktura trupa kralješka, snižen za %d mm.",
     "Vertebral compression fracture, height loss %d mm.", "Kompresivna fraktura kralješka.",
     "Vertebral compression fracture.", NULL, NULL},
    {F_JOINT, P_FRACTURE, "Fraktura bez značajnijeg pomaka ulomaka, pukotina dužine oko %d mm.",
     "Undisplaced fracture line, about %d mm long.", "Fraktura.", "Fracture.", NULL, NULL},
    {F_JOINT, P_EFFUSION, "Izljev u zglobu, sloj tekućine do %d mm.", "Joint effusion, up to %d mm.",
     "Izljev u zglobu.", "Joint effusion.", NULL, NULL},
    {F_ABDOMEN, P_MASS, "Žarišna lezija promjera %d mm %s.", "%d mm focal lesion on the %s.",
     "Žarišna lezija, preporuča se MR.", "Focal lesion, MRI advised.", NULL, NULL},
    {F_ABDOMEN, P_EFFUSION, "Slobodna tekućina, sloj do %d mm.", "Free fluid, up to %d mm.",
     "Slobodna tekućina u trbuhu.", "Free fluid.", NULL, NULL},
    {F_NECK, P_NODULE, "Čvor promjera %d mm %s.", "%d mm nodule on the %s.",
     "Čvor, preporuča se punkcija.", "Nodule, FNA advised.", NULL, NULL},
    {F_BREAST, P_MASS, "Spikulirana tvorba promjera %d mm u dojci %s.",
     "Spiculated mass of %d mm in the %s breast.", "BI-RADS 4, preporuča se biopsija.",
     "BI-RADS 4, biopsy advised.", NULL, NULL},
    {F_BODY, P_MASS, "Žarište pojačanog nakupljanja promjera %d mm %s.",
     "Focal uptake of %d mm on the %s.", "Suspektno metastaza.", "Suspicious for metastasis.", NULL, NULL},
    {F_HEART, P_EFFUSION, "Perikardijalni izljev širine do %d mm.", "Pericardial effusion up to %d mm.",
     "Perikardijalni izljev.", "Pericardial effusion.", "Perikarderguss bis %d mm.",
     "Perikarderguss."},
};

static Family region_family(Mod m, Region g)
{
    if (g == R_HEART)
        return F_HEART;
    if (m == M_XA)
        return F_VESSEL;
    if (m == M_NM || m == M_PT)
        return g == R_NECK ? F_NECK : F_BODY;
    switch (g) {
    case R_CHEST: return F_CHEST;
    case R_HEAD: case R_SKULL: return F_HEAD;
    case R_CSPINE: case R_TSPINE: case R_LSPINE: return F_SPINE;
    case R_ABDOMEN: case R_PELVIS: case R_URINARYTRACT: case R_GITRACT: return F_ABDOMEN;
    case R_NECK: case R_CAROTID: return F_NECK;
    case R_BREAST: return F_BREAST;
    case R_WHOLEBODY: return F_BODY;
    default: return F_JOINT;
    }
}

static const Abnormal *abnormal_of(Family f, Pathology p)
{
    for (size_t i = 0; i < N(abnormals); i++)
        if (abnormals[i].family == f && abnormals[i].path == p)
            return &abnormals[i];
    return NULL;
}

bool text_pathology_possible(Mod m, Region g, Pathology p)
{
    return p == P_NONE || abnormal_of(region_family(m, g), p) != NULL;
}

static const char *const technique_hr[M_COUNT] = {
    [M_CR] = "RTG snimka u dva smjera.", [M_DX] = "Digitalna snimka u standardnim projekcijama.",
    [M_CT] = "MSCT nativno i nakon i.v. aplikacije kontrasta.",
    [M_MR] = "MR u T1 i T2 mjerenim slikama u tri ravnine.", [M_US] = "UZV pregled.",
    [M_XA] = "Selektivna angiografija transfemoralnim pristupom.",
    [M_RF] = "Pregled kontrastnim sredstvom pod dijaskopijom.",
    [M_MG] = "Obostrana mamografija u CC i MLO projekcijama.",
    [M_NM] = "Scintigrafija nakon i.v. aplikacije Tc-99m.", [M_PT] = "PET/CT s 18F-FDG.",
};

static const char *const technique_en[M_COUNT] = {
    [M_CR] = "Two views.", [M_DX] = "Standard projections.",
    [M_CT] = "CT without and with IV contrast.", [M_MR] = "Multiplanar T1 and T2 sequences.",
    [M_US] = "Ultrasound examination.", [M_XA] = "Selective angiography, femoral access.",
    [M_RF] = "Contrast fluoroscopy.", [M_MG] = "Bilateral CC and MLO views.",
    [M_NM] = "Tc-99m scintigraphy.", [M_PT] = "18F-FDG PET/CT.",
};

/* Cardiac exams say how they were done. */
static const char *const technique_heart[L_COUNT][M_COUNT] = {
    [L_HR] = {[M_CT] = "EKG-sinkronizirana CT koronarografija.",
              [M_MR] = "MR srca, cine sekvence u kratkoj i dugim osima.",
              [M_US] = "Transtorakalna ehokardiografija.",
              [M_XA] = "Selektivna koronarografija radijalnim pristupom.",
              [M_NM] = "Scintigrafija perfuzije miokarda (Tc-99m MIBI), opterećenje i mirovanje."},
    [L_EN] = {[M_CT] = "ECG-gated coronary CT angiography.",
              [M_MR] = "Cardiac MRI, cine short- and long-axis images.",
              [M_US] = "Transthoracic echocardiography.",
              [M_XA] = "Selective coronary angiography, radial access.",
              [M_NM] = "Myocardial perfusion scintigraphy (Tc-99m MIBI), stress and rest."},
    [L_DE] = {[M_CT] = "EKG-getriggerte CT-Koronarangiographie.",
              [M_MR] = "Kardio-MRT, Cine-Sequenzen in kurzer und langer Achse.",
              [M_US] = "Transthorakale Echokardiographie.",
              [M_XA] = "Selektive Koronarangiographie über radialen Zugang.",
              [M_NM] = "Myokardperfusionsszintigraphie (Tc-99m MIBI), Belastung und Ruhe."},
};

/* A coronary angiogram names the arteries it injected (ReportFacts.coronary
 * - 1: left, right, both). */
static const char *const technique_coronary[L_COUNT][3] = {
    [L_HR] = {"Selektivna koronarografija lijeve koronarne arterije radijalnim pristupom.",
              "Selektivna koronarografija desne koronarne arterije radijalnim pristupom.",
              "Selektivna koronarografija lijeve i desne koronarne arterije radijalnim pristupom."},
    [L_EN] = {"Selective angiography of the left coronary artery, radial access.",
              "Selective angiography of the right coronary artery, radial access.",
              "Selective angiography of the left and right coronary arteries, radial access."},
    [L_DE] = {"Selektive Darstellung der linken Koronararterie über radialen Zugang.",
              "Selektive Darstellung der rechten Koronararterie über radialen Zugang.",
              "Selektive Darstellung der linken und rechten Koronararterie über radialen Zugang."},
};

/* Drops diacritics: what many report writers type. */
static void strip_diacritics(RnBuf *b)
{
    RnBuf tmp = RN_BUF_INIT;
    if (!rn_buf_terminate(b, NULL) || !text_encode((const char *)b->data, CS_ASCII, &tmp, NULL)) {
        rn_buf_free(&tmp);
        return;
    }
    b->len = 0;
    if (!rn_buf_append(b, tmp.data, tmp.len, NULL))
        b->len = 0;
    rn_buf_free(&tmp);
}

/* Swaps, drops or doubles an ASCII letter here and there. */
static void typos(Rng *r, RnBuf *b, double rate)
{
    for (size_t i = 1; i + 2 < b->len; i++) {
        uint8_t c = b->data[i], d = b->data[i + 1];
        bool letters_here = c >= 'a' && c <= 'z' && d >= 'a' && d <= 'z';
        if (!letters_here || !rng_chance(r, rate))
            continue;
        int kind = rng_int(r, 0, 2);
        if (kind == 0) {
            b->data[i] = d;
            b->data[i + 1] = c;
        } else if (kind == 1) {
            memmove(b->data + i, b->data + i + 1, b->len - i - 1);
            b->len--;
        } else if (rn_buf_reserve(b, 1, NULL)) {
            memmove(b->data + i + 1, b->data + i, b->len - i);
            b->len++;
        }
    }
}

static bool add_sentence(RnBuf *b, const char *s, RnError **err)
{
    return (b->len == 0 || rn_buf_append(b, " ", 1, err)) && rn_buf_append_str(b, s, err);
}

/* The pathology sentence, size and side filled in. */
static bool add_abnormal(RnBuf *b, const char *fmt, const ReportFacts *f, Lang lang,
                         RnError **err)
{
    static const char *const sides[L_COUNT][3] = {{"", "desno", "lijevo"}, {"", "right", "left"},
                                                  {"", "rechts", "links"}};
    const char *side = sides[lang][f->side >= 1 && f->side <= 2 ? f->side : 1];
    char s[256];
    const char *pct_s = strstr(fmt, "%s"), *pct_d = strstr(fmt, "%d");
    if (pct_d && pct_s)
        snprintf(s, sizeof s, fmt, f->size_mm, side);
    else if (pct_d)
        snprintf(s, sizeof s, fmt, f->size_mm);
    else
        snprintf(s, sizeof s, "%s", fmt);
    if (s[0] >= 'a' && s[0] <= 'z') /* "%d mm ..." starts with a digit; others capitalised */
        s[0] = (char)(s[0] - 32);
    return add_sentence(b, s, err);
}

/* Normal findings that do not deny the pathology, from a random start. */
static bool add_normals(Rng *r, Family fam, const ReportFacts *f, Lang lang, int k, RnBuf *b,
                        RnError **err)
{
    int start = rng_int(r, 0, NORMALS - 1);
    bool ok = true;
    for (int i = 0; ok && i < NORMALS && k > 0; i++) {
        const Normal *n = &normals[fam][(start + i) % NORMALS];
        bool denies = f->path != P_NONE && (n->negates == f->path || n->negates == P_COUNT);
        if (denies)
            continue;
        ok = add_sentence(b, lang == L_HR ? n->hr : lang == L_DE ? n->de : n->en, err);
        k--;
    }
    return ok;
}

/* What the report says about metal in the images, per Implant. */
static const char *const implant_en[IMP_COUNT] = {
    "", "Status post osteosynthesis, hardware intact.",
    "Cardiac pacemaker in the left chest wall, lead tip in the right ventricle.",
    "Total hip arthroplasty, components in good position, no loosening.",
    "Total knee arthroplasty, components in good position.",
    "Status post posterior spinal fusion, pedicle screws and rods intact."};
static const char *const implant_hr[IMP_COUNT] = {
    "", "Stanje nakon osteosinteze, metalni materijal u dobrom položaju.",
    "Elektrostimulator srca u lijevoj strani prsnog koša, vrh elektrode u desnom ventrikulu.",
    "Totalna endoproteza kuka, komponente u dobrom položaju, bez znakova razlabavljenja.",
    "Totalna endoproteza koljena, komponente u dobrom položaju.",
    "Stanje nakon stražnje spondilodeze, transpedikularni vijci i šipke intaktni."};

bool text_report(Rng *r, const ReportFacts *f, Lang lang, RnBuf parts[REPORT_MAX_PARTS],
                 int *nparts, RnError **err)
{
    Family fam = region_family(f->mod, f->region);
    if (lang == L_DE && normals[fam][0].de == NULL)
        lang = L_EN;
    const Abnormal *ab = f->path == P_NONE ? NULL : abnormal_of(fam, f->path);
    bool telegraphic = rng_chance(r, 0.3);
    /* Only a report with a conclusion is split into findings and conclusion
     * rows: a telegraphic one has nothing for the second row. */
    bool split = !telegraphic && rng_chance(r, 0.2);
    RnBuf *body = &parts[0];
    bool ok = true;
    static const char *const side_sentence[L_COUNT][2] = {
        {"Desna strana.", "Lijeva strana."}, {"Right side.", "Left side."},
        {"Rechte Seite.", "Linke Seite."}};
    const char *technique = f->coronary >= 1 && f->coronary <= 3
                                ? technique_coronary[lang][f->coronary - 1]
                            : fam == F_HEART && technique_heart[lang][f->mod]
                                ? technique_heart[lang][f->mod]
                            : lang == L_HR ? technique_hr[f->mod]
                                           : technique_en[f->mod];
    if (!telegraphic)
        ok = add_sentence(body, technique, err);
    if (ok && f->side && !telegraphic)
        ok = add_sentence(body, side_sentence[lang][f->side == 1 ? 0 : 1], err);
    if (ok && ab)
        ok = add_abnormal(body, lang == L_HR ? ab->find_hr : lang == L_DE ? ab->find_de : ab->find_en,
                          f, lang, err);
    if (ok && f->implant != IMP_NONE)
        ok = add_sentence(body, lang == L_HR ? implant_hr[f->implant] : implant_en[f->implant], err);
    ok = ok && add_normals(r, fam, f, lang, rng_int(r, 1, 3), body, err);
    RnBuf *concl = split ? &parts[1] : body;
    if (ok && !telegraphic) {
        static const char *const head[L_COUNT] = {"Zaključak:", "Conclusion:", "Beurteilung:"},
                          *const normal[L_COUNT] = {"Uredan nalaz.", "Normal study.",
                                                    "Unauffälliger Befund."};
        const char *text = ab ? (lang == L_HR ? ab->concl_hr : lang == L_DE ? ab->concl_de
                                                                            : ab->concl_en)
                         : fam == F_BREAST ? "BI-RADS 1."
                                           : normal[lang];
        ok = add_sentence(concl, head[lang], err) && add_sentence(concl, text, err);
    }
    *nparts = split ? 2 : 1;
    if (ok && split && rng_chance(r, 0.3)) { /* an addendum row */
        static const char *const addendum[L_COUNT] = {
            "Dodatak: uspoređeno s prethodnim nalazom.", "Addendum: compared with prior study.",
            "Nachtrag: mit der Voruntersuchung verglichen."};
        ok = add_sentence(&parts[2], addendum[lang], err);
        *nparts = 3;
    }
    for (int i = 0; ok && i < *nparts; i++) {
        if (lang == L_HR && rng_chance(r, 0.3))
            strip_diacritics(&parts[i]);
        typos(r, &parts[i], 0.004);
        ok = rn_buf_terminate(&parts[i], err);
    }
    return ok;
}
