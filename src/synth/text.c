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

bool text_procedure(Rng *r, Mod m, Region g, int side, RnBuf *out, RnError **err)
{
    const ModalityInfo *mi = &synth_modalities[m];
    const RegionInfo *ri = &synth_regions[g];
    int np = 0;
    while (np < MAX_PHRASES && ri->phrases[np])
        np++;
    const char *phrase = ri->phrases[rng_int(r, 0, np - 1)];
    const char *prefix = mi->prefixes[rng_int(r, 0, 3)];
    static const char *const right[] = {"desno", "desni", "dex.", "right"};
    static const char *const left[] = {"lijevo", "lijevi", "sin.", "left"};
    bool ok = rn_buf_printf(out, err, "%s %s", prefix, phrase);
    if (ok && side && !strstr(phrase, "desn") && !strstr(phrase, "lijev") && rng_chance(r, 0.6))
        ok = rn_buf_printf(out, err, " %s", side == 1 ? RNG_PICK(r, right) : RNG_PICK(r, left));
    if (ok && rng_chance(r, 0.35)) { /* many modalities type in capitals */
        for (size_t i = 0; i < out->len; i++)
            if (out->data[i] >= 'a' && out->data[i] <= 'z')
                out->data[i] = (uint8_t)(out->data[i] - 32);
    }
    return ok && rn_buf_terminate(out, err);
}

/* ---- reports --------------------------------------------------------------- */

typedef enum Family {
    F_CHEST, F_HEAD, F_SPINE, F_JOINT, F_ABDOMEN, F_NECK, F_BREAST, F_BODY, F_VESSEL, F_COUNT
} Family;

typedef struct Vocab {
    const char *normal_hr[6], *abnormal_hr[6], *normal_en[4], *abnormal_en[4];
} Vocab;

static const Vocab vocab[F_COUNT] = {
    [F_CHEST] = {{"Plućni parenhim bez svježih infiltrativnih promjena.",
                  "Srce uredne veličine i oblika.", "Kostofrenični sinusi slobodni.",
                  "Hilusi uredni.", "Nema znakova pneumotoraksa.", "Srce i pluća b.o."},
                 {"Infiltrat u donjem desnom plućnom polju, suspektno pneumonija.",
                  "Manji pleuralni izljev lijevo.", "Kardiomegalija.",
                  "Okrugla sjena promjera 2 cm u gornjem režnju, preporuča se CT.",
                  "Fibrozne promjene apikalno obostrano.", "Zastojne promjene u plućima."},
                 {"Lungs are clear.", "Normal heart size.", "No pleural effusion.",
                  "No pneumothorax."},
                 {"Right lower lobe consolidation, likely pneumonia.", "Small left pleural effusion.",
                  "Cardiomegaly.", "Pulmonary nodule 2 cm, CT advised."}},
    [F_HEAD] = {{"Nema znakova intrakranijalnog krvarenja.",
                 "Ventrikularni sustav uredne širine, središnje položen.",
                 "Bez znakova svježe ishemije.", "Paranazalni sinusi prozračni.",
                 "Koštane strukture neurokranija bez traumatskih lezija.",
                 "Središnje strukture nisu pomaknute."},
                {"Hipodenzna zona frontalno lijevo, u sklopu subakutne ishemije.",
                 "Manji subduralni hematom desno.",
                 "Ekspanzivna tvorba temporalno, potrebna daljnja obrada.",
                 "Periventrikularne leukoaraiotične promjene.",
                 "Zadebljana sluznica maksilarnih sinusa.", "Linija frakture okcipitalno."},
                {"No intracranial haemorrhage.", "Ventricles normal in size.",
                 "No acute infarct.", "Sinuses clear."},
                {"Subacute infarct in the left frontal lobe.", "Small right subdural haematoma.",
                 "Temporal mass lesion, further work-up advised.", "Chronic small vessel disease."}},
    [F_SPINE] = {{"Kralješci uredne visine i strukture.", "Intervertebralni prostori očuvani.",
                  "Bez znakova frakture.", "Fiziološka lordoza očuvana.",
                  "Spinalni kanal normalne širine.", "Nema patoloških promjena."},
                 {"Degenerativne promjene s osteofitima.",
                  "Protruzija diska L4-L5 s kompresijom korijena.",
                  "Snižen intervertebralni prostor C5-C6.", "Kompresivna fraktura Th12 kralješka.",
                  "Skolioza konveksno desno.", "Spondilolisteza L5 I. stupnja."},
                 {"Vertebral bodies of normal height.", "Disc spaces preserved.",
                  "No fracture.", "Normal alignment."},
                 {"Degenerative changes with osteophytes.", "L4-L5 disc protrusion.",
                  "Compression fracture of T12.", "Reduced C5-C6 disc space."}},
    [F_JOINT] = {{"Bez znakova frakture.", "Zglobna pukotina uredne širine.",
                  "Koštana struktura uredna.", "Nema patoloških promjena mekih tkiva.",
                  "Zglobne plohe glatke.", "Ne vidi se luksacija."},
                 {"Fraktura distalne metafize bez pomaka ulomaka.",
                  "Degenerativne promjene, suženje zglobne pukotine.", "Izljev u zglobu.",
                  "Ruptura prednjeg križnog ligamenta.", "Osteopenija.",
                  "Kalcifikat uz hvatište tetive."},
                 {"No fracture.", "Joint space preserved.", "Normal bone density.",
                  "No dislocation."},
                 {"Undisplaced distal metaphyseal fracture.", "Joint space narrowing, arthrosis.",
                  "Joint effusion.", "Anterior cruciate ligament tear."}},
    [F_ABDOMEN] = {{"Jetra uredne veličine, homogene strukture.", "Žučnjak bez konkremenata.",
                    "Gušterača i slezena uredne.", "Bubrezi uredne veličine, bez opstrukcije.",
                    "Ne vidi se slobodna tekućina.", "Mokraćni mjehur glatkih stijenki."},
                   {"Hepatomegalija sa steatozom.", "Konkrement u žučnjaku promjera 12 mm.",
                    "Hidronefroza II. stupnja desno.", "Cista lijevog bubrega 3 cm.",
                    "Distendirane vijuge s razinama, ileus.", "Divertikuli sigme."},
                   {"Liver normal in size.", "No gallstones.", "Kidneys unremarkable.",
                    "No free fluid."},
                   {"Hepatomegaly with steatosis.", "Gallstone 12 mm.", "Right hydronephrosis.",
                    "Left renal cyst 3 cm."}},
    [F_NECK] = {{"Štitnjača uredne veličine i ehostrukture.",
                 "Bez patološki povećanih limfnih čvorova.",
                 "Karotidne arterije prohodne, bez stenoza.", "Meka tkiva vrata uredna.",
                 "Traheja u središnjoj liniji.", "Nema patoloških promjena."},
                {"Čvor u desnom režnju štitnjače 15 mm.",
                 "Aterosklerotski plak na bifurkaciji, stenoza oko 50 %.",
                 "Povećani limfni čvorovi lijevo.", "Difuzno povećana štitnjača.",
                 "Hladni čvor u lijevom režnju.", "Okluzija unutarnje karotide desno."},
                {"Thyroid normal.", "No enlarged lymph nodes.", "Carotids patent.",
                 "Unremarkable soft tissues."},
                {"Right thyroid nodule 15 mm.", "Carotid bifurcation plaque, 50 % stenosis.",
                 "Enlarged left cervical nodes.", "Goitre."}},
    [F_BREAST] = {{"Obostrano fibroglandularni parenhim bez suspektnih masa.",
                   "Nema suspektnih mikrokalcifikata.", "BI-RADS 1.",
                   "Koža i bradavice uredne.", "Aksile bez povećanih limfnih čvorova.",
                   "Involutivne promjene."},
                  {"Spikulirana tvorba u gornjem vanjskom kvadrantu, BI-RADS 4.",
                   "Grupirani mikrokalcifikati, preporuča se biopsija.",
                   "Jednostavna cista, BI-RADS 2.", "Fibroadenom, BI-RADS 3.",
                   "Asimetrična gustoća, kontrola za 6 mjeseci.", "Povećan aksilarni čvor."},
                  {"No suspicious mass.", "No microcalcifications.", "BI-RADS 1.",
                   "Scattered fibroglandular tissue."},
                  {"Spiculated mass upper outer quadrant, BI-RADS 4.",
                   "Grouped microcalcifications, biopsy advised.", "Simple cyst, BI-RADS 2.",
                   "Fibroadenoma, BI-RADS 3."}},
    [F_BODY] = {{"Fiziološka distribucija radiofarmaka.",
                 "Bez žarišta patološkog nakupljanja.", "Simetričan prikaz skeleta.",
                 "Nema znakova metastatske bolesti.", "Uredna funkcija bubrega.",
                 "Fiziološko nakupljanje u mozgu i miokardu."},
                {"Žarište pojačanog nakupljanja u rebrima, suspektno metastaze.",
                 "Hipermetabolička lezija u plućima, SUVmax 8.",
                 "Multipla žarišta u kralješnici.", "Smanjena perfuzija inferiornog zida.",
                 "Hipermetabolični limfni čvorovi medijastinuma.", "Usporena drenaža lijevo."},
                {"Physiological tracer distribution.", "No abnormal uptake.",
                 "No evidence of metastases.", "Normal renal function."},
                {"Focal uptake in ribs, suspicious for metastases.",
                 "Hypermetabolic lung lesion, SUVmax 8.", "Multiple spinal foci.",
                 "Inferior wall perfusion defect."}},
    [F_VESSEL] = {{"Uredan prikaz krvnih žila.", "Bez hemodinamski značajnih stenoza.",
                   "Koronarne arterije bez značajnih suženja.", "Uredan protok kontrasta.",
                   "Ne prikazuje se aneurizma.", "Nema znakova disekcije."},
                  {"Stenoza 70 % proksimalnog segmenta LAD.", "Okluzija desne koronarne arterije.",
                   "Aneurizma srednje moždane arterije 5 mm.",
                   "Stenoza femoralne arterije, učinjena PTA.",
                   "Stenoza renalne arterije.", "Kolateralna cirkulacija."},
                  {"Vessels patent.", "No significant stenosis.", "No aneurysm.",
                   "Normal contrast flow."},
                  {"70 % proximal LAD stenosis.", "Occluded right coronary artery.",
                   "5 mm MCA aneurysm.", "Femoral artery stenosis, PTA performed."}},
};

static Family region_family(Mod m, Region g)
{
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

static const char *const negations[] = {
    "Bez znakova frakture.", "Nema patoloških promjena.", "Ne vidi se slobodna tekućina.",
    "Bez svježih patoloških promjena.", "Ne prikazuju se patološke tvorbe.",
    "Nema znakova upale.", "Bez značajnije progresije u odnosu na prethodni nalaz."};

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

static bool findings(Rng *r, const Vocab *v, bool english, bool abnormal, RnBuf *b,
                     RnError **err)
{
    const char *const *norm = english ? v->normal_en : v->normal_hr;
    const char *const *abn = english ? v->abnormal_en : v->abnormal_hr;
    int nn = english ? 4 : 6, na = english ? 4 : 6;
    int k = rng_int(r, 1, 3), start = rng_int(r, 0, nn - 1);
    bool ok = true;
    if (abnormal)
        ok = add_sentence(b, abn[rng_int(r, 0, na - 1)], err);
    for (int i = 0; ok && i < k; i++)
        ok = add_sentence(b, norm[(start + i) % nn], err);
    if (ok && !english && rng_chance(r, 0.5))
        ok = add_sentence(b, RNG_PICK(r, negations), err);
    return ok;
}

bool text_report(Rng *r, Mod m, Region g, int side, bool english,
                 RnBuf parts[REPORT_MAX_PARTS], int *nparts, RnError **err)
{
    const Vocab *v = &vocab[region_family(m, g)];
    bool abnormal = rng_chance(r, 0.45), telegraphic = rng_chance(r, 0.3);
    /* Only a report with a conclusion is split into findings and conclusion
     * rows: a telegraphic one has nothing for the second row. */
    bool split = !telegraphic && rng_chance(r, 0.2);
    RnBuf *body = &parts[0];
    bool ok = true;
    if (!telegraphic)
        ok = add_sentence(body, english ? technique_en[m] : technique_hr[m], err);
    if (ok && side)
        ok = add_sentence(body, english ? (side == 1 ? "Right side." : "Left side.")
                                        : (side == 1 ? "Desna strana." : "Lijeva strana."),
                          err);
    ok = ok && findings(r, v, english, abnormal, body, err);
    RnBuf *concl = split ? &parts[1] : body;
    if (ok && !telegraphic) {
        const char *head = english ? "Conclusion:" : "Zaključak:";
        const char *text = abnormal ? (english ? v->abnormal_en[0] : v->abnormal_hr[rng_int(r, 0, 5)])
                                    : (english ? "Normal study." : "Uredan nalaz.");
        ok = add_sentence(concl, head, err) && add_sentence(concl, text, err);
    }
    *nparts = split ? 2 : 1;
    if (ok && split && rng_chance(r, 0.3)) { /* an addendum row */
        ok = add_sentence(&parts[2], english ? "Addendum: compared with prior study."
                                             : "Dodatak: uspoređeno s prethodnim nalazom.", err);
        *nparts = 3;
    }
    for (int i = 0; ok && i < *nparts; i++) {
        if (!english && rng_chance(r, 0.3))
            strip_diacritics(&parts[i]);
        typos(r, &parts[i], 0.004);
        ok = rn_buf_terminate(&parts[i], err);
    }
    return ok;
}
