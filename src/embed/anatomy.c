/* The anatomy lexicon and its region block (contract: anatomy.h), shared by
 * text-anatomy (the report, text_anatomy.c) and meta-anatomy (the
 * descriptive tags, meta_anatomy.c).
 *
 * The lexicon is general radiological vocabulary in Croatian, English,
 * German and Latin, written from anatomy (SPEC §5's regexes as the seed),
 * not from any generator's word lists. A word ending in '*' matches every
 * token it begins (lakat, lakta, laktu: "lakt*"); the others match whole
 * tokens only (short words such as "arm", "saka" that begin unrelated
 * ones). Words common in other senses are left out: "sinus" (the
 * costophrenic sinuses of every chest report), "diskretno" (slight),
 * "bazalno" (the lung bases). */
#include "embed/anatomy.h"
#include "embed/blob.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const regions[] = {
    "HEAD", "SKULL", "NECK", "CSPINE", "TSPINE", "LSPINE", "SPINE", "CHEST", "BREAST",
    "ABDOMEN", "GITRACT", "URINARYTRACT", "PELVIS", "HIP", "SHOULDER", "CLAVICLE", "ARM",
    "ELBOW", "WRIST", "HAND", "FINGER", "LEG", "KNEE", "ANKLE", "FOOT", "HEEL", "CAROTID",
    "WHOLEBODY",
};
#define N_REGIONS (sizeof regions / sizeof *regions)

typedef struct AnatomyWord {
    const char *word;   /* folded lower case; a trailing '*' matches a prefix */
    const char *region;
} AnatomyWord;

static const AnatomyWord lexicon[] = {
    /* brain and head */
    {"mozak", "HEAD"}, {"mozg*", "HEAD"}, {"cerebr*", "HEAD"}, {"cerebel*", "HEAD"},
    {"encefal*", "HEAD"}, {"encephal*", "HEAD"}, {"intrakranij*", "HEAD"},
    {"intracranial*", "HEAD"}, {"hirn*", "HEAD"}, {"gehirn*", "HEAD"}, {"brain*", "HEAD"},
    {"glava", "HEAD"}, {"glave", "HEAD"}, {"glavu", "HEAD"}, {"head", "HEAD"},
    {"kopf*", "HEAD"}, {"paranaz*", "HEAD"}, {"maksilarn*", "HEAD"}, {"maxillary", "HEAD"}, {"paranas*", "HEAD"},
    {"nasal*", "HEAD"}, {"hipofiz*", "HEAD"}, {"hypophys*", "HEAD"}, {"pituitar*", "HEAD"},
    {"sella", "HEAD"}, {"neurokranij*", "HEAD"}, {"neurocran*", "HEAD"}, {"periventrikul*", "HEAD"}, {"periventricul*", "HEAD"},
    {"supratentor*", "HEAD"}, {"infratentor*", "HEAD"}, {"mozdan*", "HEAD"}, {"hemisfer*", "HEAD"},
    {"hemispher*", "HEAD"}, {"talamus*", "HEAD"}, {"thalam*", "HEAD"},
    /* skull and face bones */
    {"lubanj*", "SKULL"}, {"skull*", "SKULL"}, {"schadel*", "SKULL"}, {"cranium", "SKULL"},
    {"kranij*", "SKULL"}, {"kalvarij*", "SKULL"}, {"calvari*", "SKULL"},
    {"mandibul*", "SKULL"}, {"celjust*", "SKULL"}, {"kiefer*", "SKULL"},
    {"unterkiefer*", "SKULL"}, {"orbit*", "SKULL"}, {"stenvers*", "SKULL"},
    {"temporomandib*", "SKULL"}, {"petroz*", "SKULL"}, {"petros*", "SKULL"},
    {"zigomat*", "SKULL"}, {"zygomat*", "SKULL"}, {"maksil*", "SKULL"}, {"maxill*", "SKULL"},
    {"zub*", "SKULL"}, {"dental*", "SKULL"}, {"ortopan*", "SKULL"}, {"orthopan*", "SKULL"},
    {"jaw*", "SKULL"}, {"licn*", "SKULL"}, {"facial*", "SKULL"},
    /* neck soft tissue */
    {"vrat", "NECK"}, {"vrata", "NECK"}, {"vratu", "NECK"}, {"neck", "NECK"},
    {"hals", "NECK"}, {"stitnjac*", "NECK"}, {"stitn*", "NECK"}, {"thyroid*", "NECK"},
    {"schilddr*", "NECK"}, {"tireoid*", "NECK"}, {"larin*", "NECK"}, {"laryn*", "NECK"},
    {"farin*", "NECK"}, {"pharyn*", "NECK"}, {"submandibul*", "NECK"}, {"parotid*", "NECK"},
    {"paroti*", "NECK"},
    /* spine, by level where the word says it */
    {"vratn*", "CSPINE"}, {"cervikaln*", "CSPINE"}, {"cervical*", "CSPINE"},
    {"halswirbel*", "CSPINE"}, {"hws", "CSPINE"},
    {"torakaln*", "TSPINE"}, {"brustwirbel*", "TSPINE"}, {"bws", "TSPINE"},
    {"dorzaln*", "TSPINE"},
    {"lumbaln*", "LSPINE"}, {"lumbal*", "LSPINE"}, {"lumbar*", "LSPINE"},
    {"lumbosakral*", "LSPINE"}, {"lumbosacral*", "LSPINE"}, {"lendenwirbel*", "LSPINE"},
    {"lws", "LSPINE"},
    {"kraljes*", "SPINE"}, {"kraljez*", "SPINE"}, {"spine", "SPINE"}, {"spinal*", "SPINE"},
    {"vertebr*", "SPINE"}, {"wirbel*", "SPINE"}, {"intervertebr*", "SPINE"},
    {"disk", "SPINE"}, {"diska", "SPINE"}, {"disku", "SPINE"},
    {"diskus*", "SPINE"}, {"diskopat*", "SPINE"}, {"disc", "SPINE"}, {"discs", "SPINE"},
    {"discopath*", "SPINE"}, {"spondil*", "SPINE"}, {"spondyl*", "SPINE"},
    {"skolioz*", "SPINE"}, {"scolios*", "SPINE"}, {"kifoz*", "SPINE"}, {"kyphos*", "SPINE"},
    {"spinaln*", "SPINE"}, {"mijelon*", "SPINE"}, {"kralj", "SPINE"},
    /* chest: lungs, pleura, mediastinum, heart, ribs */
    {"chest", "CHEST"}, {"prsn*", "CHEST"}, {"pluc*", "CHEST"}, {"lung*", "CHEST"}, {"lunge*", "CHEST"}, {"thorax*", "CHEST"},
    {"toraks*", "CHEST"}, {"pulmon*", "CHEST"}, {"pleur*", "CHEST"}, {"medijastin*", "CHEST"},
    {"mediastin*", "CHEST"}, {"hil*", "CHEST"}, {"bronh*", "CHEST"}, {"bronch*", "CHEST"},
    {"srce", "CHEST"}, {"srca", "CHEST"}, {"srcu", "CHEST"}, {"srcan*", "CHEST"},
    {"heart", "CHEST"}, {"herz*", "CHEST"}, {"kardi*", "CHEST"}, {"cardi*", "CHEST"},
    {"miokard*", "CHEST"}, {"myocard*", "CHEST"}, {"koronar*", "CHEST"},
    {"coronar*", "CHEST"}, {"rebr*", "CHEST"}, {"rib", "CHEST"}, {"ribs", "CHEST"},
    {"rippe*", "CHEST"}, {"sternum", "CHEST"}, {"dijafragm*", "CHEST"},
    {"diaphragm*", "CHEST"}, {"zwerchfell*", "CHEST"}, {"pneumon*", "CHEST"},
    {"pneumotora*", "CHEST"}, {"pneumothora*", "CHEST"}, {"emfizem*", "CHEST"},
    {"emphysem*", "CHEST"}, {"atelekt*", "CHEST"}, {"kardiomegal*", "CHEST"},
    {"cardiomegal*", "CHEST"}, {"perikard*", "CHEST"}, {"pericard*", "CHEST"},
    {"plucn*", "CHEST"}, {"costa", "CHEST"}, {"costae", "CHEST"},
    {"kostofren*", "CHEST"}, {"costophren*", "CHEST"},
    /* breast */
    {"dojk*", "BREAST"}, {"breast*", "BREAST"}, {"mamm*", "BREAST"}, {"mamil*", "BREAST"},
    {"bradavic*", "BREAST"}, {"birads", "BREAST"}, {"fibroadenom*", "BREAST"},
    {"retroareol*", "BREAST"},
    /* abdomen: solid organs and cavity */
    {"abdom*", "ABDOMEN"}, {"trbu*", "ABDOMEN"}, {"bauch*", "ABDOMEN"}, {"jetr*", "ABDOMEN"},
    {"hepat*", "ABDOMEN"}, {"leber*", "ABDOMEN"}, {"liver*", "ABDOMEN"},
    {"slezen*", "ABDOMEN"}, {"splen*", "ABDOMEN"}, {"milz*", "ABDOMEN"},
    {"gusteric*", "ABDOMEN"}, {"gusterac*", "ABDOMEN"}, {"pankrea*", "ABDOMEN"},
    {"pancrea*", "ABDOMEN"}, {"zucn*", "ABDOMEN"}, {"stomach*", "GITRACT"}, {"intestin*", "GITRACT"}, {"gallbladder*", "ABDOMEN"},
    {"gallenblase*", "ABDOMEN"}, {"kolecist*", "ABDOMEN"}, {"cholecyst*", "ABDOMEN"},
    {"peritone*", "ABDOMEN"}, {"ascit*", "ABDOMEN"}, {"askit*", "ABDOMEN"},
    {"retroperitone*", "ABDOMEN"}, {"nadbubre*", "ABDOMEN"}, {"adrenal*", "ABDOMEN"},
    /* digestive tract */
    {"jednjak*", "GITRACT"}, {"ezofag*", "GITRACT"}, {"esophag*", "GITRACT"},
    {"oesophag*", "GITRACT"}, {"osophag*", "GITRACT"}, {"zelud*", "GITRACT"},
    {"gastr*", "GITRACT"}, {"magen*", "GITRACT"}, {"duoden*", "GITRACT"},
    {"crijev*", "GITRACT"}, {"colon*", "GITRACT"}, {"kolon*", "GITRACT"},
    {"darm*", "GITRACT"}, {"dickdarm*", "GITRACT"}, {"ileum", "GITRACT"},
    {"jejun*", "GITRACT"}, {"sigm*", "GITRACT"}, {"divertik*", "GITRACT"},
    {"ercp", "GITRACT"}, {"barij*", "GITRACT"}, {"barium", "GITRACT"},
    {"irigograf*", "GITRACT"}, {"irrigograf*", "GITRACT"}, {"bowel*", "GITRACT"},
    /* urinary tract */
    {"bubre*", "URINARYTRACT"}, {"kidney*", "URINARYTRACT"}, {"niere*", "URINARYTRACT"},
    {"renal*", "URINARYTRACT"}, {"nefr*", "URINARYTRACT"}, {"nephr*", "URINARYTRACT"},
    {"hidronefr*", "URINARYTRACT"}, {"hydronephr*", "URINARYTRACT"},
    {"ureter*", "URINARYTRACT"}, {"uretr*", "URINARYTRACT"}, {"urethr*", "URINARYTRACT"},
    {"mokrac*", "URINARYTRACT"}, {"urograf*", "URINARYTRACT"}, {"urogram*", "URINARYTRACT"},
    {"urotrakt*", "URINARYTRACT"}, {"cistograf*", "URINARYTRACT"},
    {"cystograph*", "URINARYTRACT"}, {"harnblase*", "URINARYTRACT"},
    {"harnleiter*", "URINARYTRACT"}, {"pijelon*", "URINARYTRACT"},
    {"pyelon*", "URINARYTRACT"}, {"pijelo*", "URINARYTRACT"}, {"pyelo*", "URINARYTRACT"},
    {"kalikopijel*", "URINARYTRACT"}, {"nefrolit*", "URINARYTRACT"}, {"bladder*", "URINARYTRACT"},
    {"urinar*", "URINARYTRACT"},
    /* pelvis */
    {"zdjelic*", "PELVIS"}, {"pelvis", "PELVIS"}, {"pelvic*", "PELVIS"}, {"becken*", "PELVIS"},
    {"ilijak*", "PELVIS"}, {"iliac*", "PELVIS"}, {"ilij*", "PELVIS"}, {"sakrum", "PELVIS"},
    {"sacrum", "PELVIS"}, {"sakral*", "PELVIS"}, {"sacral*", "PELVIS"},
    {"sakroilij*", "PELVIS"}, {"sacroiliac*", "PELVIS"}, {"prostat*", "PELVIS"},
    {"maternic*", "PELVIS"}, {"uterus", "PELVIS"}, {"uterin*", "PELVIS"},
    {"ovarij*", "PELVIS"}, {"ovar*", "PELVIS"}, {"adneks*", "PELVIS"}, {"adnex*", "PELVIS"},
    {"rektum*", "PELVIS"}, {"rectum*", "PELVIS"}, {"simfiz*", "PELVIS"},
    {"symphys*", "PELVIS"}, {"trtic*", "PELVIS"}, {"kokcig*", "PELVIS"},
    {"coccy*", "PELVIS"},
    /* hip */
    {"kuk", "HIP"}, {"kuka", "HIP"}, {"kuku", "HIP"}, {"kukova", "HIP"}, {"kukovima", "HIP"},
    {"hip", "HIP"}, {"hips", "HIP"}, {"huft*", "HIP"}, {"acetabul*", "HIP"},
    {"koksartr*", "HIP"}, {"coxarthr*", "HIP"}, {"trohanter*", "HIP"},
    {"trochanter*", "HIP"}, {"pertrohanter*", "HIP"}, {"pertrochanter*", "HIP"}, {"coxa", "HIP"},
    /* shoulder girdle */
    {"rame", "SHOULDER"}, {"ramena", "SHOULDER"}, {"ramenu", "SHOULDER"},
    {"ramen*", "SHOULDER"}, {"shoulder*", "SHOULDER"}, {"schulter*", "SHOULDER"},
    {"glenoid*", "SHOULDER"}, {"glenohum*", "SHOULDER"}, {"akromi*", "SHOULDER"},
    {"acromi*", "SHOULDER"}, {"rotator*", "SHOULDER"}, {"supraspinat*", "SHOULDER"}, {"skapul*", "SHOULDER"},
    {"scapul*", "SHOULDER"}, {"lopatic*", "SHOULDER"},
    {"kljucn*", "CLAVICLE"}, {"klavikul*", "CLAVICLE"}, {"clavic*", "CLAVICLE"},
    {"schlusselbein*", "CLAVICLE"},
    /* upper limb */
    {"nadlakt*", "ARM"}, {"podlakt*", "ARM"}, {"humerus*", "ARM"}, {"humeral*", "ARM"},
    {"ulna*", "ARM"}, {"forearm*", "ARM"}, {"unterarm*", "ARM"}, {"oberarm*", "ARM"},
    {"arm", "ARM"}, {"ruka", "ARM"}, {"ruke", "ARM"}, {"ruku", "ARM"}, {"brahijal*", "ARM"},
    {"brachial*", "ARM"}, {"antebrah*", "ARM"}, {"antebrach*", "ARM"},
    {"lakat", "ELBOW"}, {"lakt*", "ELBOW"}, {"elbow*", "ELBOW"}, {"ellenbogen*", "ELBOW"},
    {"ellbogen*", "ELBOW"}, {"olekran*", "ELBOW"}, {"olecran*", "ELBOW"},
    {"kubital*", "ELBOW"}, {"cubital*", "ELBOW"}, {"epikondil*", "ELBOW"},
    {"epicondyl*", "ELBOW"}, {"cubitus", "ELBOW"},
    {"rucn*", "WRIST"}, {"wrist*", "WRIST"}, {"handgelenk*", "WRIST"}, {"karpal*", "WRIST"},
    {"carpal*", "WRIST"}, {"karpus", "WRIST"}, {"carpus", "WRIST"}, {"skafoid*", "WRIST"},
    {"scaphoid*", "WRIST"}, {"kahnbein*", "WRIST"}, {"radiokarp*", "WRIST"},
    {"radiocarp*", "WRIST"},
    {"saka", "HAND"}, {"sake", "HAND"}, {"saci", "HAND"}, {"saku", "HAND"}, {"sakom", "HAND"},
    {"hand", "HAND"}, {"hands", "HAND"}, {"metakarp*", "HAND"}, {"metacarp*", "HAND"},
    {"mittelhand*", "HAND"}, {"manus", "HAND"},
    {"prst*", "FINGER"}, {"finger*", "FINGER"}, {"falang*", "FINGER"},
    {"phalan*", "FINGER"}, {"palac*", "FINGER"}, {"thumb*", "FINGER"}, {"daumen*", "FINGER"},
    /* lower limb */
    {"natkoljen*", "LEG"}, {"potkoljen*", "LEG"}, {"femur*", "LEG"}, {"femoral*", "LEG"},
    {"tibij*", "LEG"}, {"tibia*", "LEG"}, {"tibial*", "LEG"}, {"fibul*", "LEG"},
    {"goljen*", "LEG"}, {"leg", "LEG"}, {"legs", "LEG"}, {"noga", "LEG"}, {"noge", "LEG"},
    {"nogu", "LEG"}, {"unterschenkel*", "LEG"}, {"oberschenkel*", "LEG"}, {"crur*", "LEG"}, {"crus", "LEG"},
    {"koljen*", "KNEE"}, {"knee*", "KNEE"}, {"knie*", "KNEE"}, {"patel*", "KNEE"},
    {"menisk*", "KNEE"}, {"menisc*", "KNEE"}, {"ukrizen*", "KNEE"}, {"cruciat*", "KNEE"},
    {"kreuzband*", "KNEE"}, {"poplite*", "KNEE"}, {"genu", "KNEE"},
    {"gleznj*", "ANKLE"}, {"glezanj*", "ANKLE"}, {"ankle*", "ANKLE"},
    {"sprunggelenk*", "ANKLE"}, {"skocn*", "ANKLE"}, {"maleol*", "ANKLE"},
    {"malleol*", "ANKLE"}, {"talokrural*", "ANKLE"}, {"talocrural*", "ANKLE"},
    {"stopal*", "FOOT"}, {"foot", "FOOT"}, {"feet", "FOOT"}, {"fuss*", "FOOT"},
    {"metatarz*", "FOOT"}, {"metatars*", "FOOT"}, {"tarz*", "FOOT"}, {"tars*", "FOOT"},
    {"toe", "FOOT"}, {"toes", "FOOT"}, {"zeh*", "FOOT"}, {"haluks*", "FOOT"},
    {"hallux*", "FOOT"}, {"pes", "FOOT"},
    {"petn*", "HEEL"}, {"peta", "HEEL"}, {"pete", "HEEL"}, {"kalkane*", "HEEL"},
    {"calcane*", "HEEL"}, {"heel*", "HEEL"}, {"ferse*", "HEEL"}, {"fersenbein*", "HEEL"},
    {"ahil*", "HEEL"}, {"achill*", "HEEL"}, {"plantarn*", "HEEL"}, {"plantar*", "HEEL"},
    /* neck arteries */
    {"karotid*", "CAROTID"}, {"carotid*", "CAROTID"}, {"karotis*", "CAROTID"},
    {"carotis*", "CAROTID"}, {"bifurkacij*", "CAROTID"}, {"halsschlagader*", "CAROTID"},
    /* the whole body (bone scans, PET) */
    {"wholebody", "WHOLEBODY"}, {"ganzkorper*", "WHOLEBODY"}, {"skelet*", "WHOLEBODY"},
    {"skeleton*", "WHOLEBODY"}, {"cjelotjeles*", "WHOLEBODY"},
};
#define N_WORDS (sizeof lexicon / sizeof *lexicon)

/* Longest token looked up (longer ones name no body part of the table). */
#define ANATOMY_MAX_TOKEN 64u

/* The model: the lexicon sorted by word (a token's candidates are one run
 * of words sharing its first letter) and each word's column. */
typedef struct AnatomyState {
    RnItemTextFn text;
    const AnatomyWord *word[N_WORDS];
    size_t column[N_WORDS];
    size_t first[257];  /* word[first[c] .. first[c + 1]) begin with byte c */
} AnatomyState;

static int cmp_word(const void *a, const void *b)
{
    return strcmp((*(const AnatomyWord *const *)a)->word, (*(const AnatomyWord *const *)b)->word);
}

static size_t region_column(const char *region)
{
    for (size_t i = 0; i < N_REGIONS; i++)
        if (strcmp(regions[i], region) == 0)
            return i;
    return N_REGIONS; /* a lexicon entry names an unknown region: the test refuses it */
}

static AnatomyState *state_new(RnItemTextFn text, size_t *dim, RnError **err)
{
    AnatomyState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->text = text;
    for (size_t i = 0; i < N_WORDS; i++)
        s->word[i] = &lexicon[i];
    qsort(s->word, N_WORDS, sizeof *s->word, cmp_word);
    for (size_t i = 0, c = 0; c < 257; c++) {
        while (i < N_WORDS && (unsigned char)s->word[i]->word[0] < c)
            i++;
        s->first[c] = i;
    }
    for (size_t i = 0; i < N_WORDS; i++) {
        s->column[i] = region_column(s->word[i]->region);
        if (s->column[i] == N_REGIONS) {
            rn_error_set(err, RN_ERROR_INTERNAL, "anatomy lexicon: unknown region %s",
                         s->word[i]->region);
            free(s);
            return NULL;
        }
    }
    *dim = N_REGIONS + 1;
    return s;
}

/* Whether lexicon word w matches token t[0..n). */
static bool word_matches(const char *w, const char *t, size_t n)
{
    size_t len = strlen(w);
    if (len > 0 && w[len - 1] == '*')
        return n >= len - 1 && memcmp(w, t, len - 1) == 0;
    return n == len && memcmp(w, t, n) == 0;
}

/* Adds one to the column of every region token t[0..n) names (a token may
 * match a word and a longer prefix of it: "vratn*" and "vrat" do not both
 * match one token, but "pijelo*" and "pijelon*" do; each region counts
 * once per token). */
static void count_token(const AnatomyState *s, const char *t, size_t n, double *row)
{
    unsigned char c = (unsigned char)t[0];
    bool hit[N_REGIONS] = {false};
    for (size_t i = s->first[c]; i < s->first[c + 1]; i++)
        if (word_matches(s->word[i]->word, t, n))
            hit[s->column[i]] = true;
    for (size_t r = 0; r < N_REGIONS; r++)
        row[r] += hit[r];
}

/* Region counts of one normalised text, unit length; the last column 1
 * when nothing matched. */
static void describe(const AnatomyState *s, const char *text, float *out)
{
    double row[N_REGIONS] = {0};
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, " ");
        if (n > 0 && n <= ANATOMY_MAX_TOKEN)
            count_token(s, p, n, row);
        p += n + (p[n] == ' ');
    }
    double sq = 0;
    for (size_t r = 0; r < N_REGIONS; r++)
        sq += row[r] * row[r];
    for (size_t r = 0; r < N_REGIONS; r++)
        out[r] = sq > 0 ? (float)(row[r] / sqrt(sq)) : 0.0f;
    out[N_REGIONS] = sq > 0 ? 0.0f : 1.0f;
}

static const RnTextOptions anatomy_text = {.fold_diacritics = true};

void *eb_anatomy_fit(RnItemTextFn text, const RnEmbedParams *p, size_t *dim, RnError **err)
{
    if (p && p->options && p->options[0]) {
        rn_error_set(err, RN_ERROR_INVALID, "anatomy methods take no options (%s)", p->options);
        return NULL;
    }
    return state_new(text, dim, err);
}

bool eb_anatomy_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                          RnError **err)
{
    const AnatomyState *s = state;
    char **docs = rn_text_items(s->text, &anatomy_text, items, n, err);
    if (docs == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        describe(s, docs[i], out + i * (N_REGIONS + 1));
    rn_text_items_free(docs, n);
    return true;
}

/* CRC-32 of the regions and of every (word, region) entry in table order:
 * a model saved under another lexicon of the same size is refused too. */
static uint32_t lexicon_crc(void)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < N_REGIONS; i++)
        crc = rn_crc32(crc, regions[i], strlen(regions[i]) + 1);
    for (size_t i = 0; i < N_WORDS; i++) {
        crc = rn_crc32(crc, lexicon[i].word, strlen(lexicon[i].word) + 1);
        crc = rn_crc32(crc, lexicon[i].region, strlen(lexicon[i].region) + 1);
    }
    return crc;
}

bool eb_anatomy_save(const void *state, RnBuf *out, RnError **err)
{
    (void)state;
    return eb_put_u64(out, N_REGIONS, err) && eb_put_u64(out, N_WORDS, err) &&
           eb_put_u64(out, lexicon_crc(), err);
}

void *eb_anatomy_load(RnItemTextFn text, const uint8_t *payload, size_t n, size_t *dim,
                      RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    size_t regions_n, words_n, crc;
    if (!eb_get_size(&r, 0, SIZE_MAX, &regions_n, err) ||
        !eb_get_size(&r, 0, SIZE_MAX, &words_n, err) ||
        !eb_get_size(&r, 0, UINT32_MAX, &crc, err) || !eb_reader_done(&r, err))
        return NULL;
    if (regions_n != N_REGIONS || words_n != N_WORDS || crc != lexicon_crc()) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "anatomy model of another lexicon (%zu regions, %zu words, checksum "
                     "%08zx; this one has %zu, %zu, %08x)",
                     regions_n, words_n, crc, (size_t)N_REGIONS, (size_t)N_WORDS,
                     (unsigned)lexicon_crc());
        return NULL;
    }
    return state_new(text, dim, err);
}

void eb_anatomy_free(void *state)
{
    free(state);
}
