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
 * "bazalno" (the lung bases).
 *
 * Beyond single words (issue 11, "lexicon"): the DICOM BodyPartExamined
 * defined terms (PS3.16 Annex L), a compound naming each of its regions
 * ("abdomenpelvis": ABDOMEN and PELVIS); phrases of two to four tokens
 * ("ac joint", "os calcis", "skull base to thigh"); a spine level next to a
 * spine word ("c spine", "l s spine", "c spne", "spine lumbar": that level,
 * not the bare SPINE); and header words,
 * abbreviations of order codes that only the descriptive tags read ("abdo",
 * "kub", "tib", "ruq", "sinuses": in a report "sinus" is costophrenic). A
 * phrase's tokens are not looked up singly.
 *
 * Checked against a second hospital's naming (bench/fusion_restyle.py
 * --style central): German and Croatian RIS words and abbreviations
 * ("Oberbauch", "potkolj.", "ruč. zgl.", "cijelog tijela"), Croatian
 * "kralj." as a spine word with its levels, German written without
 * umlauts ("Schaedel": ae, oe, ue read as ä, ö, ü where the token names
 * nothing as written), and the modality deciding between head and skull
 * in the tags (below). */
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

/* Words and phrases: folded lower case, a trailing '*' matching a prefix
 * (in a phrase, of each token); regions: one, or several separated by
 * spaces (a compound names each). */
typedef struct AnatomyWord {
    const char *word;
    const char *regions;
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
    /* DICOM BodyPartExamined defined terms not read above (PS3.16 Annex L),
     * compounds naming each region; sacrum and coccyx are PELVIS here */
    {"cspine", "CSPINE"}, {"tspine", "TSPINE"}, {"lspine", "LSPINE"}, {"sspine", "PELVIS"},
    {"lsspine", "LSPINE"}, {"ctspine", "CSPINE TSPINE"}, {"tlspine", "TSPINE LSPINE"},
    {"wholespine", "SPINE"}, {"abdomenpelvis", "ABDOMEN PELVIS"},
    {"chestabdomen", "CHEST ABDOMEN"}, {"chestabdpelvis", "CHEST ABDOMEN PELVIS"},
    {"headneck", "HEAD NECK"}, {"neckchest", "NECK CHEST"},
    {"neckchestabdomen", "NECK CHEST ABDOMEN"}, {"neckchestabdpelv", "NECK CHEST ABDOMEN PELVIS"},
    {"lowerextremity", "LEG"}, {"upperextremity", "ARM"}, {"lowerlimb", "LEG"},
    {"upperlimb", "ARM"}, {"tmj", "SKULL"}, {"iac", "HEAD"}, {"zygoma", "SKULL"},
    {"acjoint", "SHOULDER"}, {"radiusulna", "ARM"}, {"tibiafibula", "LEG"},
    {"uprurtract", "URINARYTRACT"}, {"circleofwillis", "HEAD"}, {"scrot*", "PELVIS"},
    {"testis", "PELVIS"}, {"testic*", "PELVIS"}, {"appendix", "ABDOMEN"},
    /* English order words */
    {"thigh*", "LEG"}, {"mandible*", "SKULL"}, {"maxillofacial", "SKULL"}, {"ivp", "URINARYTRACT"},
    {"ugi", "GITRACT"}, {"enema", "GITRACT"}, {"mrcp", "ABDOMEN"}, {"transvaginal", "PELVIS"},
    {"transrectal", "PELVIS"}, {"vcug", "URINARYTRACT"}, {"cystogr*", "URINARYTRACT"},
    {"ctpa", "CHEST"}, {"echocardio*", "CHEST"},
    /* German compounds and spellings of the Latin words (z for c) */
    {"zerebr*", "HEAD"}, {"intrakran*", "HEAD"}, {"endokran*", "HEAD"}, {"endocran*", "HEAD"},
    {"kleinhirn*", "HEAD"}, {"grosshirn*", "HEAD"}, {"nasennebenhohl*", "HEAD"},
    {"nasenbein*", "SKULL"}, {"felsenbein*", "SKULL"}, {"jochbein*", "SKULL"},
    {"jochbog*", "SKULL"}, {"halsweichteil*", "NECK"}, {"zervikal*", "CSPINE"},
    {"halsgefa*", "CAROTID"}, {"linksherz*", "CHEST"}, {"rechtsherz*", "CHEST"},
    {"oberbauch*", "ABDOMEN"}, {"unterbauch*", "PELVIS"}, {"kreuzbein*", "PELVIS"},
    {"steissbein*", "PELVIS"}, {"iliosakral*", "PELVIS"}, {"radiuskopf*", "ELBOW"},
    {"skaphoid*", "WRIST"}, {"handskelett*", "HAND"}, {"vorfuss*", "FOOT"},
    {"mittelfuss*", "FOOT"}, {"ruckfuss*", "FOOT"}, {"bein", "LEG"}, {"beine", "LEG"},
    {"beinvene*", "LEG"}, {"beinarterie*", "LEG"}, {"knochenszint*", "WHOLEBODY"},
    {"miktion*", "URINARYTRACT"}, {"zystogra*", "URINARYTRACT"},
    {"zystoureth*", "URINARYTRACT"}, {"schluck*", "GITRACT"}, {"defakogra*", "GITRACT"},
    {"defekogra*", "GITRACT"}, {"defecogra*", "GITRACT"}, {"enterogra*", "GITRACT"},
    {"enterokli*", "GITRACT"}, {"enterocly*", "GITRACT"}, {"sellink", "GITRACT"},
    /* Croatian: abbreviations of RIS orders ("potkolj.") and words the
     * first table lacks */
    {"potkolj*", "LEG"}, {"natkolj*", "LEG"}, {"mamograf*", "BREAST"},
    {"mikcij*", "URINARYTRACT"}, {"slabinsk*", "LSPINE"},
};
#define N_LEXICON (sizeof lexicon / sizeof *lexicon)

/* Read in the descriptive tags only: order-code abbreviations and words
 * that name another place in a report. Left out: "abd" alone (also an
 * ultrasound preset's name on an exam of any region, and abduction in a
 * report; the phrase "abd pelvis" is read), "echo" (MR sequence names:
 * "SAG PD FAST SPIN ECHO" of a knee; "tte", "tee" and "echocardio*" name
 * the heart) and "wb" (weight-bearing as often as whole body: "XR KNEES
 * BILAT WB"). */
static const AnatomyWord header_words[] = {
    {"abdo", "ABDOMEN"}, {"ruq", "ABDOMEN"}, {"luq", "ABDOMEN"},
    {"rlq", "ABDOMEN"}, {"llq", "ABDOMEN"}, {"kub", "ABDOMEN URINARYTRACT"}, {"cxr", "CHEST"},
    {"tte", "CHEST"}, {"tee", "CHEST"}, {"sinus", "HEAD"}, {"sinuses", "HEAD"}, {"tib", "LEG"}, {"fib", "LEG"},
    {"tibfib", "LEG"}, {"le", "LEG"}, {"rle", "LEG"}, {"lle", "LEG"}, {"ble", "LEG"},
    {"ue", "ARM"}, {"rue", "ARM"}, {"lue", "ARM"}, {"bue", "ARM"},
    {"swallow", "GITRACT"},
    /* German and Croatian order abbreviations: cranial CT, the upper ankle
     * joint, the sacroiliac joints, the paranasal sinuses, the dens axis,
     * cardiac catheter and angioplasty, renal tracers and voiding
     * cystourethrography, the panoramic dental film. Left out: "usg" (the
     * lower ankle joint in German, ultrasonography in many other RIS),
     * "mdp" (the "Magen-Darm-Passage", and the bone-scan tracer) */
    {"cct", "HEAD"}, {"osg", "ANKLE"}, {"isg", "PELVIS"}, {"nnh", "HEAD"},
    {"dens", "CSPINE"}, {"hku", "CHEST"}, {"ptca", "CHEST"},
    {"dmsa", "URINARYTRACT"}, {"mag3", "URINARYTRACT"}, {"mcu", "URINARYTRACT"},
    {"mcug", "URINARYTRACT"}, {"opg", "SKULL"},
};
#define N_HEADER (sizeof header_words / sizeof *header_words)

/* Phrases (at most PHRASE_TOKENS tokens) read as one name. */
static const AnatomyWord phrases[] = {
    {"ac joint*", "SHOULDER"}, {"si joint*", "PELVIS"}, {"os calcis", "HEEL"},
    {"nasal bone*", "SKULL"}, {"lower extremit*", "LEG"}, {"upper extremit*", "ARM"},
    {"lower limb*", "LEG"}, {"upper limb*", "ARM"}, {"whole body", "WHOLEBODY"},
    {"circle of willis", "HEAD"}, {"lower ext", "LEG"}, {"upper ext", "ARM"},
    {"skull base to thigh*", "WHOLEBODY"}, {"eyes to thigh*", "WHOLEBODY"},
    {"vertex to thigh*", "WHOLEBODY"}, {"abd pelv*", "ABDOMEN PELVIS"},
    {"abd pel", "ABDOMEN PELVIS"}, {"bone scan*", "WHOLEBODY"},
    {"scint* kost*", "WHOLEBODY"}, {"cijel* tijel*", "WHOLEBODY"}, {"si zgl*", "PELVIS"}, {"ruc zgl*", "WRIST"},
    {"skoc zgl*", "ANKLE"}, {"tm zgl*", "SKULL"}, {"donj* ekstr*", "LEG"},
    {"gornj* ekstr*", "ARM"}, {"nosn* kost*", "SKULL"},
};
#define N_PHRASES (sizeof phrases / sizeof *phrases)

/* A spine level (at most PHRASE_TOKENS - 1 tokens) right before a spine
 * word names that level instead of the bare SPINE. "ct" is left out: it is
 * the modality ("CT SPINE"). */
static const AnatomyWord spine_levels[] = {
    {"c", "CSPINE"}, {"cervical", "CSPINE"}, {"t", "TSPINE"}, {"thoracic", "TSPINE"},
    {"dorsal", "TSPINE"}, {"l", "LSPINE"}, {"lumbar", "LSPINE"}, {"ls", "LSPINE"},
    {"l s", "LSPINE"}, {"lumbosacral", "LSPINE"}, {"c t", "CSPINE TSPINE"},
    {"cervicothoracic", "CSPINE TSPINE"}, {"tl", "TSPINE LSPINE"}, {"t l", "TSPINE LSPINE"},
    {"thoracolumbar", "TSPINE LSPINE"}, {"s", "PELVIS"}, {"sacral", "PELVIS"},
    {"whole", "SPINE"}, {"total", "SPINE"}, {"entire", "SPINE"},
    {"th", "TSPINE"}, {"vratn*", "CSPINE"}, {"cervikaln*", "CSPINE"},
    {"torakaln*", "TSPINE"}, {"prsn*", "TSPINE"}, {"dorzaln*", "TSPINE"},
    {"lumbaln*", "LSPINE"}, {"lumbosakraln*", "LSPINE"}, {"slabinsk*", "LSPINE"},
    {"sakraln*", "PELVIS"},
};
#define N_LEVELS (sizeof spine_levels / sizeof *spine_levels)
static const char *const spine_words[] = {"spine", "spines", "spne"};
#define N_SPINE_WORDS (sizeof spine_words / sizeof *spine_words)
/* Croatian "kralježnica" and its RIS abbreviation "kralj.": a spine word
 * whose level is read beside SPINE ("LS KRALJ." LSPINE and SPINE), as the
 * lexicon reads the written-out "vratna kralježnica" (CSPINE, SPINE); with
 * the level alone, D5 lost 0.003 H reg at k = 50 (bench/RESULTS.md). */
static const char *const spine_words_beside[] = {"kralj*"};
#define N_SPINE_BESIDE (sizeof spine_words_beside / sizeof *spine_words_beside)
/* The same right after a spine word, as order lists write it ("SPINE
 * LUMBAR"); words only, a letter there is a side ("SPINE L"). */
static const AnatomyWord spine_levels_after[] = {
    {"cervical", "CSPINE"}, {"thoracic", "TSPINE"}, {"dorsal", "TSPINE"}, {"lumbar", "LSPINE"},
    {"lumbosacral", "LSPINE"}, {"cervicothoracic", "CSPINE TSPINE"},
    {"thoracolumbar", "TSPINE LSPINE"}, {"sacral", "PELVIS"}, {"whole", "SPINE"},
    {"hws", "CSPINE"}, {"bws", "TSPINE"}, {"lws", "LSPINE"},
};
#define N_LEVELS_AFTER (sizeof spine_levels_after / sizeof *spine_levels_after)
#define PHRASE_TOKENS 4u

/* The modality decides between the head and the skull, in the tags: a
 * projection radiograph of the head images the skull (SPEC §5's "CR & HEAD
 * → SKULL"), and a sectional exam "of the skull" (German "CT Schädel", "MRT
 * Schädel", Croatian "CT lubanje") is of the head: its words naming the
 * whole skull read HEAD there. Face bones (orbit, mandible, ...) stay SKULL. */
static const char *const projection_modalities[] = {"CR", "DX"};
#define N_PROJECTION (sizeof projection_modalities / sizeof *projection_modalities)
static const char *const sectional_modalities[] = {"CT", "MR", "PT", "NM", "XA"};
#define N_SECTIONAL (sizeof sectional_modalities / sizeof *sectional_modalities)
static const char *const whole_skull_words[] = {"schadel*", "schaedel*", "lubanj*", "skull*",
                                                "cranium", "kranij*"};
#define N_WHOLE_SKULL (sizeof whole_skull_words / sizeof *whole_skull_words)

/* Longest token looked up (longer ones name no body part of the table). */
#define ANATOMY_MAX_TOKEN 64u

_Static_assert(sizeof(uint32_t) * 8 >= N_REGIONS, "a region set is one uint32_t");

/* A word of the single-token tables and the set of regions it names. */
typedef struct AnatomyEntry {
    const char *word;
    uint32_t regions;
} AnatomyEntry;

/* The model: the words it reads (the lexicon, and for the tags the header
 * words) sorted (a token's candidates are one run of words sharing its
 * first letter), and the region sets of the phrases and spine levels. */
typedef struct AnatomyState {
    RnItemTextFn text;
    bool header;  /* the tags' reader: header words and the modality rule */
    size_t n_words;
    AnatomyEntry word[N_LEXICON + N_HEADER];
    size_t first[257];  /* word[first[c] .. first[c + 1]) begin with byte c */
    uint32_t phrase[N_PHRASES];
    uint32_t level[N_LEVELS];
    uint32_t level_after[N_LEVELS_AFTER];
    uint32_t spine, head, skull;  /* the sets {SPINE}, {HEAD}, {SKULL} */
} AnatomyState;

/* One token of a normalised text. */
typedef struct Token {
    const char *p;
    size_t n;
} Token;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const AnatomyEntry *)a)->word, ((const AnatomyEntry *)b)->word);
}

/* The set of regions a space-separated list names; false for an unknown
 * region or an empty list. */
static bool region_set(const char *names, uint32_t *set)
{
    *set = 0;
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, " ");
        size_t r = 0;
        while (r < N_REGIONS && !(strlen(regions[r]) == n && memcmp(regions[r], p, n) == 0))
            r++;
        if (r == N_REGIONS)
            return false;
        *set |= 1u << r;
        p += n + (p[n] == ' ');
    }
    return *set != 0;
}

/* The number of space-separated tokens of a phrase. */
static size_t token_count(const char *phrase)
{
    size_t k = 1;
    for (const char *p = phrase; *p; p++)
        k += *p == ' ';
    return k;
}

/* Fills sets[0..n) with the region sets of table[0..n), whose phrases have
 * at most max_tokens tokens; an error names the faulty entry. */
static bool table_sets(const AnatomyWord *table, size_t n, size_t max_tokens, uint32_t *sets,
                       RnError **err)
{
    for (size_t i = 0; i < n; i++)
        if (!region_set(table[i].regions, &sets[i]) || token_count(table[i].word) > max_tokens) {
            rn_error_set(err, RN_ERROR_INTERNAL, "anatomy lexicon: bad entry %s (%s)",
                         table[i].word, table[i].regions);
            return false;
        }
    return true;
}

static bool add_words(AnatomyState *s, const AnatomyWord *table, size_t n, RnError **err)
{
    uint32_t sets[N_LEXICON > N_HEADER ? N_LEXICON : N_HEADER];
    if (!table_sets(table, n, 1, sets, err))
        return false;
    for (size_t i = 0; i < n; i++)
        s->word[s->n_words++] = (AnatomyEntry){table[i].word, sets[i]};
    return true;
}

static AnatomyState *state_new(RnItemTextFn text, bool header, size_t *dim, RnError **err)
{
    AnatomyState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->text = text;
    s->header = header;
    if (!add_words(s, lexicon, N_LEXICON, err) ||
        (header && !add_words(s, header_words, N_HEADER, err)) ||
        !table_sets(phrases, N_PHRASES, PHRASE_TOKENS, s->phrase, err) ||
        !table_sets(spine_levels, N_LEVELS, PHRASE_TOKENS - 1, s->level, err) ||
        !table_sets(spine_levels_after, N_LEVELS_AFTER, 1, s->level_after, err) ||
        !region_set("SPINE", &s->spine) || !region_set("HEAD", &s->head) ||
        !region_set("SKULL", &s->skull)) {
        free(s);
        return NULL;
    }
    qsort(s->word, s->n_words, sizeof *s->word, cmp_entry);
    for (size_t i = 0, c = 0; c < 257; c++) {
        while (i < s->n_words && (unsigned char)s->word[i].word[0] < c)
            i++;
        s->first[c] = i;
    }
    *dim = N_REGIONS + 1;
    return s;
}

/* Whether pattern w[0..wn) (a trailing '*': a prefix) matches token t[0..n). */
static bool pattern_matches(const char *w, size_t wn, const char *t, size_t n)
{
    if (wn > 0 && w[wn - 1] == '*')
        return n >= wn - 1 && memcmp(w, t, wn - 1) == 0;
    return n == wn && memcmp(w, t, n) == 0;
}

/* The regions token t[0..n) names: the union over every word it matches (a
 * token may match a word and a longer prefix of it, "pijelo*" and
 * "pijelon*"; each region counts once per token). */
static uint32_t token_regions_exact(const AnatomyState *s, const char *t, size_t n)
{
    unsigned char c = (unsigned char)t[0];
    uint32_t set = 0;
    for (size_t i = s->first[c]; i < s->first[c + 1]; i++) {
        const char *w = s->word[i].word;
        if (pattern_matches(w, strlen(w), t, n))
            set |= s->word[i].regions;
    }
    return set;
}

/* German written without umlauts spells ä ö ü as ae oe ue ("Schaedel",
 * "Huefte", "Ganzkoerper"); the lexicon has them folded (a, o, u). A token
 * that names nothing is looked up again with each "ae", "oe", "ue" as the
 * folded vowel (t[0..n) is at most ANATOMY_MAX_TOKEN bytes). */
static uint32_t token_regions(const AnatomyState *s, const char *t, size_t n)
{
    uint32_t set = token_regions_exact(s, t, n);
    if (set != 0)
        return set;
    char folded[ANATOMY_MAX_TOKEN];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        folded[k++] = t[i];
        if (i + 1 < n && t[i + 1] == 'e' && (t[i] == 'a' || t[i] == 'o' || t[i] == 'u'))
            i++;
    }
    return k < n ? token_regions_exact(s, folded, k) : 0;
}

/* How many of the tokens t[0..k) phrase ph covers from the first, 0 when
 * it does not match. */
static size_t phrase_matches(const char *ph, const Token *t, size_t k)
{
    if (ph[0] != t[0].p[0])
        return 0;
    size_t i = 0;
    for (const char *p = ph; *p; i++) {
        size_t n = strcspn(p, " ");
        if (i == k || !pattern_matches(p, n, t[i].p, t[i].n))
            return 0;
        p += n + (p[n] == ' ');
    }
    return i;
}

static bool matches_any(const char *const *words, size_t n, const Token *t)
{
    for (size_t i = 0; i < n; i++)
        if (pattern_matches(words[i], strlen(words[i]), t->p, t->n))
            return true;
    return false;
}

/* Whether t is a spine word; *beside |= the regions it adds beside the
 * level (SPINE for the words of spine_words_beside). */
static bool is_spine_word(const AnatomyState *s, const Token *t, uint32_t *beside)
{
    if (matches_any(spine_words, N_SPINE_WORDS, t))
        return true;
    if (!matches_any(spine_words_beside, N_SPINE_BESIDE, t))
        return false;
    *beside |= s->spine;
    return true;
}

static bool modality_in(const char *modality, const char *const *list, size_t n)
{
    for (size_t i = 0; modality && i < n; i++)
        if (strcmp(modality, list[i]) == 0)
            return true;
    return false;
}

/* The longest phrase, spine level + spine word or spine word + level at
 * the start of t[0..k): the number of tokens it covers (0: none) and its
 * regions in *set. */
static size_t match_phrase(const AnatomyState *s, const Token *t, size_t k, uint32_t *set)
{
    size_t best = 0;
    for (size_t i = 0; i < N_PHRASES; i++) {
        size_t used = phrase_matches(phrases[i].word, t, k);
        if (used > best) {
            best = used;
            *set = s->phrase[i];
        }
    }
    for (size_t i = 0; i < N_LEVELS; i++) {
        size_t used = phrase_matches(spine_levels[i].word, t, k);
        uint32_t beside = 0;
        if (used > 0 && used < k && used + 1 > best && is_spine_word(s, &t[used], &beside)) {
            best = used + 1;
            *set = s->level[i] | beside;
        }
    }
    for (size_t i = 0; best < 2 && k >= 2 && i < N_LEVELS_AFTER; i++) {
        uint32_t beside = 0;
        if (phrase_matches(spine_levels_after[i].word, &t[1], 1) == 1 &&
            is_spine_word(s, &t[0], &beside)) {
            best = 2;
            *set = s->level_after[i] | beside;
        }
    }
    return best;
}

/* Up to max tokens of the normalised text from p, within its line; their
 * number. */
static size_t read_tokens(const char *p, Token *t, size_t max)
{
    size_t k = 0;
    while (k < max && *p && *p != '\n') {
        size_t n = strcspn(p, " \n");
        if (n > 0)
            t[k++] = (Token){p, n};
        p += n + (p[n] == ' ');
    }
    return k;
}

/* Region counts of one normalised text of an item of this modality, unit
 * length; the last column 1 when nothing matched. */
static void describe(const AnatomyState *s, const char *text, const char *modality, float *out)
{
    bool projection = s->header && modality_in(modality, projection_modalities, N_PROJECTION);
    bool sectional = s->header && modality_in(modality, sectional_modalities, N_SECTIONAL);
    double row[N_REGIONS] = {0};
    Token t[PHRASE_TOKENS];
    for (const char *p = text ? text : ""; *p;) {
        if (*p == ' ' || *p == '\n') { /* a line break ends every phrase */
            p++;
            continue;
        }
        size_t k = read_tokens(p, t, PHRASE_TOKENS);
        uint32_t set = 0;
        size_t used = match_phrase(s, t, k, &set);
        if (used == 0) {
            used = 1;
            set = t[0].n <= ANATOMY_MAX_TOKEN ? token_regions(s, t[0].p, t[0].n) : 0;
            if (sectional && (set & s->skull) &&
                matches_any(whole_skull_words, N_WHOLE_SKULL, &t[0]))
                set = (set & ~s->skull) | s->head;
        }
        if (projection && (set & s->head))
            set = (set & ~s->head) | s->skull;
        for (size_t r = 0; r < N_REGIONS; r++)
            row[r] += (set >> r) & 1u;
        p = t[used - 1].p + t[used - 1].n;
    }
    double sq = 0;
    for (size_t r = 0; r < N_REGIONS; r++)
        sq += row[r] * row[r];
    for (size_t r = 0; r < N_REGIONS; r++)
        out[r] = sq > 0 ? (float)(row[r] / sqrt(sq)) : 0.0f;
    out[N_REGIONS] = sq > 0 ? 0.0f : 1.0f;
}

static const RnTextOptions anatomy_text = {.fold_diacritics = true};

void *eb_anatomy_fit(RnItemTextFn text, bool header, const RnEmbedParams *p, size_t *dim,
                     RnError **err)
{
    if (p && p->options && p->options[0]) {
        rn_error_set(err, RN_ERROR_INVALID, "anatomy methods take no options (%s)", p->options);
        return NULL;
    }
    return state_new(text, header, dim, err);
}

bool eb_anatomy_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                          RnError **err)
{
    const AnatomyState *s = state;
    char **docs = rn_text_items(s->text, &anatomy_text, items, n, err);
    if (docs == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        describe(s, docs[i], items[i].modality, out + i * (N_REGIONS + 1));
    rn_text_items_free(docs, n);
    return true;
}

/* Entries of every table (the model records it with the checksum). */
#define N_WORDS                                                                            \
    (N_LEXICON + N_HEADER + N_PHRASES + N_LEVELS + N_SPINE_WORDS + N_SPINE_BESIDE +          \
     N_LEVELS_AFTER + N_PROJECTION + N_SECTIONAL + N_WHOLE_SKULL)

static uint32_t list_crc(uint32_t crc, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = rn_crc32(crc, list[i], strlen(list[i]) + 1);
    return crc;
}

static uint32_t table_crc(uint32_t crc, const AnatomyWord *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc = rn_crc32(crc, table[i].word, strlen(table[i].word) + 1);
        crc = rn_crc32(crc, table[i].regions, strlen(table[i].regions) + 1);
    }
    return crc;
}

/* How the tags reach the tables (meta_anatomy.c): part of the checksum, so
 * models and embeddings of another reading are refused or redone like those
 * of other tables. */
static const char tags_reading[] = "a line per tag, CamelCase split";

/* CRC-32 of the tags' reading, the regions and every entry of every table
 * in table order (both methods read the same checksum): a model saved
 * under another lexicon of the same size is refused too. */
static uint32_t lexicon_crc(void)
{
    uint32_t crc = rn_crc32(0, tags_reading, sizeof tags_reading);
    for (size_t i = 0; i < N_REGIONS; i++)
        crc = rn_crc32(crc, regions[i], strlen(regions[i]) + 1);
    crc = table_crc(crc, lexicon, N_LEXICON);
    crc = table_crc(crc, header_words, N_HEADER);
    crc = table_crc(crc, phrases, N_PHRASES);
    crc = table_crc(crc, spine_levels, N_LEVELS);
    crc = list_crc(crc, spine_words, N_SPINE_WORDS);
    crc = list_crc(crc, spine_words_beside, N_SPINE_BESIDE);
    crc = table_crc(crc, spine_levels_after, N_LEVELS_AFTER);
    crc = list_crc(crc, projection_modalities, N_PROJECTION);
    crc = list_crc(crc, sectional_modalities, N_SECTIONAL);
    return list_crc(crc, whole_skull_words, N_WHOLE_SKULL);
}

size_t rn_embed_anatomy_regions(void)
{
    return N_REGIONS;
}

const char *rn_embed_anatomy_region(size_t c)
{
    return c < N_REGIONS ? regions[c] : NULL;
}

uint32_t eb_anatomy_revision(void)
{
    return lexicon_crc();
}

bool eb_anatomy_save(const void *state, RnBuf *out, RnError **err)
{
    (void)state;
    return eb_put_u64(out, N_REGIONS, err) && eb_put_u64(out, N_WORDS, err) &&
           eb_put_u64(out, lexicon_crc(), err);
}

void *eb_anatomy_load(RnItemTextFn text, bool header, const uint8_t *payload, size_t n,
                      size_t *dim, RnError **err)
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
    return state_new(text, header, dim, err);
}

void eb_anatomy_free(void *state)
{
    free(state);
}
