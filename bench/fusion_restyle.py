#!/usr/bin/python3
"""Rewrite a `radnet synth` archive's descriptive tags in another hospital's
naming (issue 11, "lexicon"): US/UK order-code English derived from each
file's Modality and true region (DIR/truth.csv), for bench/fusion_prep.sh
--restyle. Deterministic for a seed.

Per study (a hash of StudyInstanceUID): a study description such as
"XR L-SPINE 2V", "CT ABD/PELVIS W CON", "MRI BRAIN WO", "US RUQ",
"MAMMO SCREEN BILAT" (modality prefix, one of several names of the region,
laterality, view count or contrast), the same in RequestedProcedure-,
PerformedProcedureStep- and ScheduledProcedureStepDescription (also inside
sequences), a protocol name in the same vocabulary or a site code; per
series: a series description of the acquisition ("AX T2 FLAIR", "PA",
"L MLO", "PORTAL VENOUS 5MM") and BodyPartExamined as a DICOM defined term
of the region (PS3.16 Annex L, several per region, some coarse such as
EXTREMITY) or removed (45 % of the series).
The vocabulary is written from radiology order practice, region by region;
it includes names the anatomy lexicon does not read ("CTPA", "FOREFOOT",
"BONE AGE", "RUNOFF"), as another hospital's would.
--style central (a second hospital, written by another engineer without
reading the anatomy lexicon's tables): a German-speaking RIS ("Thorax p.a. +
seitl.", "HWS in 2 Ebenen", "CT Abdomen/Becken mit KM", "Sono Oberbauch"), a
Croatian RIS ("RTG PLUCA PA", "MR LS KRALJ.", "UZV ABDOMENA", "RTG L.
KOLJENA"), half the studies each; vendor console series and protocol names
("t2_tse_sag_384", "Ax T2 FRFSE", "sT2W_TSE", "Topogram 0.6 T20s",
"Thorax 1.0 B70f", "Head^Routine_Adult"), in 8 % of CT/MR studies as the
study description too; BodyPartExamined in local spellings (KOPF, HWS,
PLUCA, KOLJENO, ...) or a DICOM term, removed in 30 % and wrong in 15 % of
the series (a neighbour's, or the room's default). Umlauts and Croatian
letters where the file's character set holds them, else transliterated.
Files the truth does not list, or pydicom cannot read, are left as they are.
usage: fusion_restyle.py DIR SEED [--style us|central]"""
import csv, os, sys
import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fusion_degrade import read_synth_file, unit  # noqa: E402

STUDY_TAGS = (0x00081030, 0x00321060, 0x00400254, 0x00400007)
SERIES_TAG, PROTOCOL_TAG, BODY_PART_TAG = 0x0008103E, 0x00181030, 0x00180015

# Modality → order-code prefixes.
PREFIX = {
    "CR": ["XR", "X-RAY", "DX", "XR"], "DX": ["XR", "X-RAY", "DX", "XR"], "CT": ["CT", "CT"],
    "MR": ["MRI", "MR", "MRI"], "US": ["US", "ULTRASOUND", "US"], "NM": ["NM", "NUC MED"],
    "PT": ["PET/CT", "PET"], "MG": ["MAMMO", "MG"], "XA": ["IR", "ANGIO", "XA"],
    "RF": ["FL", "FLUORO", "RF"], "SR": ["", "DOSE"],
}

# Region → names an order uses; a modality's own list where practice differs.
NAMES = {
    "HEAD": {"*": ["HEAD", "BRAIN", "BRAIN W/WO", "HEAD TRAUMA", "STROKE PROTOCOL"],
             "MR": ["BRAIN", "BRAIN W/WO", "BRAIN WO", "IAC", "PITUITARY", "MS PROTOCOL"],
             "XA": ["CEREBRAL ANGIO", "4 VESSEL ANGIO", "NEURO ANGIO"],
             "PT": ["BRAIN FDG", "BRAIN"]},
    "SKULL": {"*": ["SKULL", "FACIAL BONES", "MANDIBLE", "ORBITS", "NASAL BONES", "PANOREX",
                    "TMJ", "ZYGOMATIC ARCH"]},
    "NECK": {"*": ["NECK", "SOFT TISSUE NECK", "NECK W CON", "LARYNX"],
             "US": ["THYROID", "NECK", "PAROTID", "THYROID NODULE"]},
    "CSPINE": {"*": ["C-SPINE", "C SPINE", "CERVICAL SPINE", "SPINE CERVICAL", "C-SPINE FLEX/EXT"]},
    "TSPINE": {"*": ["T-SPINE", "T SPINE", "THORACIC SPINE", "SPINE THORACIC", "DORSAL SPINE"]},
    "LSPINE": {"*": ["L-SPINE", "L SPINE", "LUMBAR SPINE", "LS SPINE", "L-S SPINE",
                     "LUMBOSACRAL SPINE", "SPINE LUMBAR"]},
    "CHEST": {"*": ["CHEST", "CHEST PA/LAT", "CHEST 1V", "CHEST PORTABLE", "THORAX"],
              "CR": ["CHEST PA/LAT", "CHEST 1V PORTABLE", "CXR", "CHEST 2V", "RIBS"],
              "DX": ["CHEST PA/LAT", "CHEST 1V PORTABLE", "CXR", "CHEST 2V", "STERNUM"],
              "CT": ["CHEST", "CHEST W CON", "CHEST PE", "HRCT CHEST", "CTPA", "LDCT LUNG SCREEN",
                     "CORONARY CALCIUM SCORE", "THORAX"],
              "MR": ["CARDIAC", "HEART FUNCTION", "CHEST"],
              "US": ["ECHO", "ECHOCARDIOGRAM", "CHEST", "PLEURAL EFFUSION"],
              "XA": ["CORONARY ANGIO", "CARDIAC CATH", "LEFT HEART CATH", "PCI"],
              "NM": ["MYOCARDIAL PERFUSION", "LUNG V/Q", "MPI STRESS/REST"],
              "RF": ["CHEST FLUORO", "DIAPHRAGM SNIFF TEST"]},
    "BREAST": {"*": ["BREAST", "BREAST LT", "BREAST RT"],
               "MG": ["SCREEN BILAT", "SCREENING BILATERAL", "DIAG BILAT", "DIAGNOSTIC LT",
                      "TOMO SCREEN", "DBT BILATERAL"]},
    "ABDOMEN": {"*": ["ABDOMEN", "ABD", "ABD/PELVIS", "ABDOMEN PELVIS", "ABDO", "LIVER", "PANCREAS"],
                "US": ["ABD COMPLETE", "RUQ", "ABD LIMITED", "LIVER", "GALLBLADDER", "APPENDIX"],
                "CR": ["ABD 1V", "KUB", "ACUTE ABD SERIES", "ABDOMEN SUPINE"],
                "DX": ["ABD 1V", "KUB", "ACUTE ABD SERIES", "ABDOMEN 2V"],
                "MR": ["ABDOMEN W/WO", "MRCP", "LIVER", "PANCREAS PROTOCOL"]},
    "GITRACT": {"*": ["UGI", "UPPER GI", "BARIUM SWALLOW", "ESOPHAGRAM", "SBFT", "BA ENEMA",
                      "SMALL BOWEL FOLLOW THROUGH", "CONTRAST ENEMA"],
                "CT": ["COLONOGRAPHY", "ENTEROGRAPHY"]},
    "URINARYTRACT": {"*": ["RENAL", "KIDNEYS", "RENAL/BLADDER", "KUB", "STONE PROTOCOL", "UROGRAM"],
                     "RF": ["VCUG", "RETROGRADE PYELOGRAM", "IVP", "CYSTOGRAM"],
                     "NM": ["RENAL SCAN", "MAG3 RENOGRAM", "DMSA"],
                     "XA": ["RENAL ANGIO", "NEPHROSTOMY"]},
    "PELVIS": {"*": ["PELVIS", "PELVIS AP", "SI JOINTS", "SACRUM", "COCCYX"],
               "US": ["PELVIS TRANSVAGINAL", "TRANSVAGINAL", "PELVIC", "SCROTUM", "PELVIS COMPLETE"],
               "MR": ["PELVIS", "PROSTATE", "RECTUM STAGING", "PELVIS W/WO"],
               "CT": ["PELVIS", "PELVIS W CON", "ABD/PELVIS"]},
    "HIP": {"*": ["HIP", "HIP 2V", "HIP UNILAT", "HIPS BILAT", "HIP ARTHROGRAM"]},
    "SHOULDER": {"*": ["SHOULDER", "SHOULDER 3V", "SHOULDER ARTHROGRAM", "AC JOINT", "SCAPULA",
                       "ROTATOR CUFF"]},
    "CLAVICLE": {"*": ["CLAVICLE", "CLAVICLE 2V", "STERNOCLAVICULAR JOINT"]},
    "ARM": {"*": ["HUMERUS", "FOREARM", "RADIUS/ULNA", "UPPER ARM", "UPPER EXTREMITY"],
            "US": ["UE VENOUS DOPPLER", "LUE VENOUS", "RUE VENOUS", "UPPER EXT ARTERIAL"]},
    "ELBOW": {"*": ["ELBOW", "ELBOW 3V", "ELBOW 2V"]},
    "WRIST": {"*": ["WRIST", "WRIST 3V", "SCAPHOID", "WRIST 4V"]},
    "HAND": {"*": ["HAND", "HAND 3V", "HANDS BILAT", "BONE AGE"]},
    "FINGER": {"*": ["FINGER", "FINGERS 3V", "THUMB", "DIGIT", "2ND DIGIT"]},
    "LEG": {"*": ["TIB/FIB", "TIBIA/FIBULA", "FEMUR", "LOWER LEG", "LOWER EXTREMITY"],
            "US": ["LE VENOUS DOPPLER", "DVT LOWER EXT", "LOWER EXT ARTERIAL", "RLE VENOUS",
                   "LLE VENOUS"],
            "XA": ["RUNOFF", "LOWER EXT ANGIO", "FEMORAL ANGIO"]},
    "KNEE": {"*": ["KNEE", "KNEE 3V", "KNEE 4V STANDING", "KNEES BILAT", "PATELLA", "KNEE WO"]},
    "ANKLE": {"*": ["ANKLE", "ANKLE 3V", "ANKLE WO", "ANKLE 2V"]},
    "FOOT": {"*": ["FOOT", "FOOT 3V", "FOREFOOT", "TOES", "GREAT TOE"]},
    "HEEL": {"*": ["CALCANEUS", "OS CALCIS", "HEEL", "CALCANEUS 2V"]},
    "CAROTID": {"*": ["CAROTID", "CAROTID DUPLEX", "CAROTID DOPPLER BILAT", "CAROTIDS"]},
    "WHOLEBODY": {"*": ["WHOLE BODY", "SKELETAL SURVEY"],
                  "NM": ["BONE SCAN WB", "WHOLE BODY BONE", "BONE SCAN"],
                  "PT": ["SKULL BASE TO THIGH", "WHOLE BODY", "TUMOR IMAGING", "FDG ONCO"]},
}

# Region → BodyPartExamined defined terms a site may set (coarse ones too).
BODY_PART = {
    "HEAD": ["HEAD", "BRAIN"], "SKULL": ["SKULL", "JAW", "ORBIT", "TMJ"], "NECK": ["NECK", "THYROID"],
    "CSPINE": ["CSPINE", "SPINE"], "TSPINE": ["TSPINE", "SPINE"], "LSPINE": ["LSPINE", "LSSPINE"],
    "CHEST": ["CHEST", "HEART", "LUNG"], "BREAST": ["BREAST"],
    "ABDOMEN": ["ABDOMEN", "ABDOMENPELVIS", "LIVER"], "GITRACT": ["STOMACH", "COLON", "ESOPHAGUS"],
    "URINARYTRACT": ["KIDNEY", "BLADDER", "ABDOMEN"], "PELVIS": ["PELVIS", "ABDOMENPELVIS", "PROSTATE"],
    "HIP": ["HIP"], "SHOULDER": ["SHOULDER"], "CLAVICLE": ["CLAVICLE"],
    "ARM": ["ARM", "HUMERUS", "FOREARM", "EXTREMITY"], "ELBOW": ["ELBOW", "EXTREMITY"],
    "WRIST": ["WRIST", "EXTREMITY"], "HAND": ["HAND", "EXTREMITY"], "FINGER": ["FINGER", "HAND"],
    "LEG": ["LEG", "FEMUR", "TIBIA", "EXTREMITY"], "KNEE": ["KNEE", "EXTREMITY"],
    "ANKLE": ["ANKLE", "EXTREMITY"], "FOOT": ["FOOT", "EXTREMITY"], "HEEL": ["CALCANEUS", "FOOT"],
    "CAROTID": ["CAROTID", "NECK"], "WHOLEBODY": ["WHOLEBODY"],
}

LIMBS = {"SHOULDER", "CLAVICLE", "ARM", "ELBOW", "WRIST", "HAND", "FINGER", "HIP", "LEG", "KNEE",
         "ANKLE", "FOOT", "HEEL", "BREAST"}
SIDES = ["RT", "LT", "RIGHT", "LEFT", "BILAT"]
VIEWS = ["2V", "3V", "1 VIEW", "MIN 3 VIEWS", "2 VIEWS"]
CONTRAST = ["W CON", "WO CON", "W/WO", "W IV CONTRAST", "WITHOUT CONTRAST", "NON CON"]
# Words of a name that already say the side or the contrast (none added then).
SIDE_WORDS = {"RT", "LT", "RIGHT", "LEFT", "BILAT", "BILATERAL", "RLE", "LLE", "LUE", "RUE"}
CONTRAST_WORDS = {"W", "WO", "CON", "NON"}

# Modality → series descriptions (the acquisition, mostly without anatomy).
SERIES = {
    "CR": ["PA", "AP", "LAT", "OBL", "LATERAL", "AP SUPINE"],
    "DX": ["PA", "AP", "LAT", "OBL", "LATERAL", "AP ERECT"],
    "CT": ["AX 5MM", "AXIAL 2.5 STD", "COR REFORMAT", "SAG MPR", "SCOUT", "ART PHASE",
           "PORTAL VENOUS 5MM", "THIN 1.25", "BONE WINDOW"],
    "MR": ["AX T2", "SAG T1", "COR STIR", "AX FLAIR", "DWI", "AX T1 POST", "3PLANE LOC", "SAG PD FS"],
    "US": ["", "TRANSVERSE", "LONG", "COLOR DOPPLER", "CINE"],
    "MG": ["L CC", "R CC", "L MLO", "R MLO"],
    "NM": ["ANT", "POST", "ANT/POST", "SPECT", "DYNAMIC"],
    "PT": ["PET AC", "PET NAC", "CTAC 3.75", "MIP"],
    "XA": ["RAO 30", "LAO 45", "AP", "DSA", "ROADMAP"],
    "RF": ["SPOT", "FLUORO STORE", "AP", "OBL"],
    "SR": ["DOSE REPORT", "RADIATION DOSE"],
}


def pick(seed, key, options):
    return options[int(unit(seed, key) * len(options))]


def study_description(seed, study, modality, region):
    names = NAMES.get(region, {"*": [region]})
    name = pick(seed, "name:" + study, names.get(modality, names["*"]))
    words = [pick(seed, "prefix:" + study, PREFIX.get(modality, [modality])), name]
    extra, said = unit(seed, "extra:" + study), set(name.replace("/", " ").split())
    if region in LIMBS and extra < 0.7 and not said & SIDE_WORDS:
        words.append(pick(seed, "side:" + study, SIDES))
    elif modality in ("CT", "MR") and extra < 0.6 and not said & CONTRAST_WORDS:
        words.append(pick(seed, "con:" + study, CONTRAST))
    elif modality in ("CR", "DX") and extra < 0.5 and not any(w[0].isdigit() or w == "PORTABLE" for w in said):
        words.append(pick(seed, "views:" + study, VIEWS))
    return " ".join(w for w in words if w)


def protocol_name(seed, study, description):
    u = unit(seed, "protocol:" + study)
    if u < 0.4:
        return description
    if u < 0.7:
        return f"{int(u * 1000) % 97 + 1}.{int(u * 10000) % 9} {description.split(' ', 1)[-1]} ROUTINE"
    return f"PROT{int(u * 100000) % 900 + 100}"


def restyle(ds, seed, modality, region):
    study = str(ds.get("StudyInstanceUID", ""))
    series = str(ds.get("SeriesInstanceUID", ""))
    description = study_description(seed, study, modality, region)
    values = {SERIES_TAG: pick(seed, "series:" + series, SERIES.get(modality, [""])),
              PROTOCOL_TAG: protocol_name(seed, study, description)}
    values.update({t: description for t in STUDY_TAGS})
    body_part = None
    if unit(seed, "bodypart:" + series) >= 0.45:
        body_part = pick(seed, "term:" + series, BODY_PART.get(region, [""]))
    return write_values(ds, values, body_part)


def write_values(ds, values, body_part):
    """Each tag of values (also inside sequences) and BodyPartExamined (None:
    removed) written; the number of tags written."""
    changed = 0
    for elem in ds.iterall():
        if int(elem.tag) in values and elem.value not in (None, ""):
            elem.value = values[int(elem.tag)]
            changed += 1
    for tag in (0x00081030, SERIES_TAG, PROTOCOL_TAG):  # the top-level ones a site always sets
        if tag not in ds and values[tag]:
            ds.add_new(tag, "LO", values[tag])
            changed += 1
    if BODY_PART_TAG in ds:
        del ds[BODY_PART_TAG]
    if body_part:
        ds.add_new(BODY_PART_TAG, "CS", body_part)
        changed += 1
    return changed

# ---------------------------------------------------------------------------
# Style "central": a Central-European hospital pair and its modality vendors.
# A German-speaking RIS ("Thorax p.a. + seitl.", "HWS in 2 Ebenen", "CT
# Abdomen/Becken mit KM", "Sono Oberbauch"), a Croatian RIS with its
# abbreviations ("RTG PLUCA PA", "MR LS KRALJ.", "UZV ABDOMENA", "RTG L.
# KOLJENA"), each study from one of them; protocol and series names as the
# vendors' consoles write them ("t2_tse_sag_384", "Ax T2 FRFSE", "sT2W_TSE",
# "Topogram 0.6 T20s", "Head^Routine_Adult", "AbdPelv 5.0 B30f"), mostly with
# no or abbreviated anatomy; BodyPartExamined in local spellings, a DICOM
# term, removed, or wrong (about 15 %). Umlauts and Croatian letters are
# kept where the file's SpecificCharacterSet can hold them, else
# transliterated as an ASCII-only RIS does ("Schaedel", "PLUCA").

# Modality → German order prefixes ("" = the region alone, as the x-ray
# rooms write "Knie li. a.p./seitl.").
DE_PREFIX = {
    "CR": ["", "", "Rö", "Röntgen", "Rö."], "DX": ["", "", "Rö", "Röntgen", "DR"],
    "CT": ["CT", "CT", "MSCT", "CT"], "MR": ["MRT", "MRT", "MR", "Kernspin"],
    "US": ["Sono", "Sonographie", "US"], "NM": ["Szintigraphie", "Szinti"],
    "PT": ["PET/CT", "PET-CT"], "MG": ["Mammographie"], "XA": ["DSA", "Angiographie"],
    "RF": ["DL", "Durchleuchtung"], "SR": ["", "Dosisbericht"],
}

# Region → German names; a modality's own list where practice differs. Names
# that already hold the modality start with "!" (no prefix added).
DE_NAMES = {
    "HEAD": {"*": ["Schädel", "Kopf", "Neurocranium", "Hirn", "Schädel nativ"],
             "CT": ["!CCT", "!cCT nativ", "Schädel", "Kopf", "Schädel nativ", "Hirnschädel",
                    "Schlaganfall", "!Stroke-CT"],
             "MR": ["Schädel", "Kopf", "Hypophyse", "Schädel nativ", "Kleinhirnbrückenwinkel",
                    "!MR-Angio intrakraniell", "Neurocranium"],
             "XA": ["!Zerebrale Angiographie", "Hirngefäße", "!Angiographie zerebral", "Carotis interna"],
             "PT": ["Hirn", "Gehirn", "!FDG-PET Gehirn"]},
    "SKULL": {"*": ["Schädel 2 Ebenen", "Schädel a.p./seitl.", "Gesichtsschädel", "NNH",
                    "Nasennebenhöhlen", "Unterkiefer", "Orbita", "Jochbogen", "Nasenbein",
                    "!OPG", "!Orthopantomogramm", "Felsenbein nach Stenvers", "Kiefergelenk"]},
    "NECK": {"*": ["Hals", "Halsweichteile", "Hals mit KM", "Larynx"],
             "US": ["Schilddrüse", "Hals", "Halsweichteile", "Lymphknoten Hals"],
             "NM": ["Schilddrüse", "!Schilddrüsenszintigraphie"]},
    "CSPINE": {"*": ["HWS", "HWS in 2 Ebenen", "HWS a.p./seitl.", "Halswirbelsäule",
                     "HWS Funktionsaufnahmen", "Dens"]},
    "TSPINE": {"*": ["BWS", "BWS in 2 Ebenen", "BWS a.p./seitl.", "Brustwirbelsäule"]},
    "LSPINE": {"*": ["LWS", "LWS in 2 Ebenen", "LWS a.p./seitl.", "Lendenwirbelsäule",
                     "LWS stehend"]},
    "CHEST": {"*": ["Thorax", "Thorax nativ", "Thorax mit KM"],
              "CR": ["Thorax p.a. + seitl.", "Thorax p.a.", "Thorax liegend", "Thorax ap Bett",
                     "Thorax 2 Ebenen", "Rippen li.", "Lunge"],
              "DX": ["Thorax p.a. + seitl.", "Thorax p.a.", "Thorax im Stehen", "Thorax 2 Ebenen",
                     "Sternum seitl.", "Rippen re."],
              "CT": ["Thorax mit KM", "Thorax nativ", "!HR-CT Lunge", "Lungenembolie",
                     "!CT-Angio Pulmonalis", "Thorax", "Koronarkalk", "Lunge Low-Dose"],
              "MR": ["Herz", "!Kardio-MRT", "Herz Stress", "Herz Vitalität", "Thorax"],
              "US": ["!Echokardiographie", "!TTE", "!TEE", "Pleura", "Thorax", "Herz"],
              "XA": ["!Koronarangiographie", "!Linksherzkatheter", "!HKU", "!PTCA", "Koronarien"],
              "NM": ["!Myokardszintigraphie", "!Lungenszintigraphie", "!Myokard-SPECT",
                     "Lungenperfusion"],
              "RF": ["Thorax", "Zwerchfell"]},
    "BREAST": {"*": ["Mamma", "Mamma bds.", "Brust"],
               "MG": ["!Mammographie bds.", "!Mammographie re.", "!Mammographie li.",
                      "!Screening-Mammographie", "!Mammographie in 2 Ebenen bds.",
                      "!Tomosynthese bds."],
               "US": ["!Mammasono bds.", "Mamma li.", "Mamma re.", "Brust", "Mammae"]},
    "ABDOMEN": {"*": ["Abdomen", "Abdomen mit KM", "Abdomen/Becken mit KM", "Oberbauch", "Leber"],
                "CR": ["Abdomen Übersicht", "Abdomen leer", "Abdomen im Stehen", "Abdomen liegend"],
                "DX": ["Abdomen Übersicht", "Abdomen leer", "Abdomen in Linksseitenlage"],
                "US": ["Oberbauch", "Abdomen", "!Oberbauchsono", "Leber", "Gallenblase",
                       "Appendix", "Milz"],
                "MR": ["Leber", "Abdomen", "!MRCP", "Pankreas", "Oberbauch"]},
    "GITRACT": {"*": ["!Ösophagus-Breischluck", "!Magen-Darm-Passage", "!MDP",
                      "!Kolonkontrasteinlauf", "!Sellink", "!Gastrografinschluck",
                      "!Defäkographie", "Dünndarm"],
                "CT": ["!CT-Kolonographie", "Dünndarm"]},
    "URINARYTRACT": {"*": ["Nieren", "Nieren nativ", "Harnwege", "Steinsuche", "Urographie"],
                     "US": ["Nieren", "Nieren und Harnblase", "Harnwege", "Niere re.",
                            "Nierentransplantat"],
                     "RF": ["!Miktionszystourethrographie", "!MCU", "!i.v. Urogramm",
                            "!Retrograde Pyelographie", "!Zystographie"],
                     "NM": ["!Nierenszintigraphie", "!MAG3", "!DMSA-Szintigraphie"],
                     "XA": ["Nierenarterien", "!Nephrostomie"]},
    "PELVIS": {"*": ["Becken", "Becken a.p.", "Beckenübersicht", "ISG", "Kreuzbein", "Steißbein"],
               "US": ["Unterbauch", "!Transvaginalsono", "Skrotum", "Hoden", "Unterbauch gyn."],
               "MR": ["Becken", "Prostata", "Rektum", "Becken mit KM", "Uterus"],
               "CT": ["Becken", "Becken mit KM"]},
    "HIP": {"*": ["Hüfte li. a.p./axial", "Hüfte re. 2 Ebenen", "Hüftgelenk", "Hüfte bds.",
                  "Hüfte nach Lauenstein", "Hüfte"]},
    "SHOULDER": {"*": ["Schulter", "Schulter re. 2 Ebenen", "Schulter li. a.p./axial",
                       "Schultergelenk", "!Arthro-MRT Schulter", "Skapula", "AC-Gelenk",
                       "Schulter Y-Aufnahme"]},
    "CLAVICLE": {"*": ["Klavikula", "Schlüsselbein", "Clavicula", "SC-Gelenk"]},
    "ARM": {"*": ["Oberarm", "Humerus", "Unterarm", "Unterarm a.p./seitl.", "Vorderarm"]},
    "ELBOW": {"*": ["Ellenbogen", "Ellbogen", "Ellenbogengelenk", "Radiusköpfchen"]},
    "WRIST": {"*": ["Handgelenk", "Handgelenk d.p./seitl.", "!Skaphoid-Quartett", "Kahnbein"]},
    "HAND": {"*": ["Hand", "Hand d.p./schräg", "Handskelett", "Mittelhand", "Hand Skelettalter"]},
    "FINGER": {"*": ["Finger", "Finger D2", "Daumen", "Kleinfinger", "Langfinger"]},
    "LEG": {"*": ["Unterschenkel", "Oberschenkel", "Femur", "Tibia/Fibula"],
            "US": ["!Duplex Beinvenen", "Beinvenen", "!Kompressionssono Beinvenen",
                   "!Duplex Beinarterien", "Beinvenen li."],
            "XA": ["!Becken-Bein-Angiographie", "Beinarterien", "!PTA A. femoralis"]},
    "KNEE": {"*": ["Knie", "Knie a.p./seitl.", "Knie 2 Ebenen", "Kniegelenk", "Patella axial",
                   "Knie stehend", "Patella"]},
    "ANKLE": {"*": ["OSG", "Sprunggelenk", "OSG 2 Ebenen", "oberes Sprunggelenk",
                    "Sprunggelenk gehalten"]},
    "FOOT": {"*": ["Fuß", "Fuß d.p./schräg", "Vorfuß", "Fuß 2 Ebenen", "Großzehe", "Fuß belastet",
                   "Mittelfuß"]},
    "HEEL": {"*": ["Kalkaneus", "Calcaneus", "Fersenbein", "Kalkaneus axial"]},
    "CAROTID": {"*": ["!Duplex Karotiden", "Halsgefäße", "!FKDS Carotiden", "!Carotis-Duplex",
                      "extrakranielle Gefäße", "Karotiden"]},
    "WHOLEBODY": {"*": ["Ganzkörper", "Skelett"],
                  "NM": ["Skelett", "!Skelettszintigraphie GK", "!Ganzkörper-Knochenszintigraphie",
                         "!Knochenszintigraphie"],
                  "PT": ["Ganzkörper", "!FDG-PET/CT", "!PSMA-PET/CT", "Schädelbasis bis Oberschenkel",
                         "Staging"]},
}
DE_SIDES = ["li.", "re.", "bds.", "links", "rechts", "li", "re"]
DE_EXTRA = {"CR": ["2 Ebenen", "in 2 Ebenen", "a.p./seitl.", "a.p. + seitl.", "p.a.", "1 Ebene"],
            "DX": ["2 Ebenen", "in 2 Ebenen", "a.p./seitl.", "d.p./schräg", "seitl."],
            "CT": ["nativ", "mit KM", "+ KM", "nativ + KM", "i.v. KM", "ohne KM"],
            "MR": ["nativ", "mit KM", "+ KM", "nativ und KM", "ohne KM"]}
DE_SAID = ("li", "re", "bds", "links", "rechts", "nativ", "km", "ebenen", "ebene", "seitl",
           "a.p.", "p.a.", "axial")

# Modality → Croatian RIS prefixes.
HR_PREFIX = {
    "CR": ["RTG", "RTG", "RDG", "RTG SNIMKA"], "DX": ["RTG", "RTG", "RDG"],
    "CT": ["CT", "MSCT", "CT"], "MR": ["MR", "MR", "MRI", "MR"], "US": ["UZV", "UZV", "UZ"],
    "NM": ["SCINTIGRAFIJA", "SCINT."], "PT": ["PET/CT", "PET-CT"], "MG": ["MAMOGRAFIJA"],
    "XA": ["DSA", "ANGIOGRAFIJA"], "RF": ["DIJASKOPIJA", "RTG"], "SR": ["", "DOZA"],
}

# Region → Croatian RIS names (genitive, as an order reads "RTG ... of the").
HR_NAMES = {
    "HEAD": {"*": ["MOZGA", "GLAVE", "MOZGA NATIVNO", "GLAVE S KONTRASTOM", "MOZGA I KONTRAST",
                   "ENDOKRANIJA"],
             "XA": ["MOŽDANIH ARTERIJA", "CEREBRALNIH ARTERIJA", "!CEREBRALNA ANGIOGRAFIJA"],
             "PT": ["MOZGA", "GLAVE"]},
    "SKULL": {"*": ["LUBANJE", "LUBANJE PA/LAT", "SINUSA", "PARANAZALNIH SINUSA", "MANDIBULE",
                    "NOSNIH KOSTIJU", "ORBITA", "!ORTOPANTOMOGRAM", "!OPT", "TM ZGLOBOVA",
                    "PIRAMIDA PO STENVERSU", "ZIGOMATIČNE KOSTI"]},
    "NECK": {"*": ["VRATA", "MEKIH ČESTI VRATA", "VRATA S KONTRASTOM", "LARINKSA"],
             "US": ["ŠTITNJAČE", "VRATA", "LIMFNIH ČVOROVA VRATA", "ŠTITNE ŽLIJEZDE"],
             "NM": ["ŠTITNJAČE", "ŠTITNE ŽLIJEZDE"]},
    "CSPINE": {"*": ["VRATNE KRALJ.", "VRATNE KRALJEŽNICE", "C KRALJ.", "CERVIKALNE KRALJ.",
                     "VRATNE KRALJ. FUNKCIJSKE", "VRATNE KRALJEZNICE AP/LAT"]},
    "TSPINE": {"*": ["TORAKALNE KRALJ.", "TH KRALJ.", "PRSNE KRALJEŽNICE", "TORAKALNE KRALJEŽNICE",
                     "TH KRALJEZNICE"]},
    "LSPINE": {"*": ["LS KRALJ.", "LS KRALJEŽNICE", "LUMBALNE KRALJ.", "LUMBOSAKRALNE KRALJ.",
                     "L-S KRALJ.", "LS KRALJEZNICE AP/LAT", "SLABINSKE KRALJEŽNICE"]},
    "CHEST": {"*": ["TORAKSA", "PLUĆA", "TORAKSA S KONTRASTOM", "PRSNOG KOŠA"],
              "CR": ["PLUĆA PA", "PLUĆA I SRCA", "PLUĆA PA/LL", "TORAKSA", "PLUĆA U LEŽEĆEM",
                     "REBARA", "PLUCA SJEDECI"],
              "DX": ["PLUĆA PA", "PLUĆA I SRCA", "PLUĆA PA/LL", "TORAKSA", "STERNUMA", "REBARA"],
              "CT": ["TORAKSA", "PLUĆA", "TORAKSA S KONTRASTOM", "!CT PULMONALNA ANGIOGRAFIJA",
                     "!HRCT PLUĆA", "!CT KORONAROGRAFIJA", "PLUĆA LOW DOSE"],
              "MR": ["SRCA", "SRCA S KONTRASTOM", "!MR KARDIO"],
              "US": ["SRCA", "!EHOKARDIOGRAFIJA", "!EHO SRCA", "PLEURE", "!TEE"],
              "XA": ["!KORONAROGRAFIJA", "!KATETERIZACIJA SRCA", "!PCI", "KORONARNIH ARTERIJA"],
              "NM": ["MIOKARDA", "!PERFUZIJSKA SCINTIGRAFIJA PLUĆA", "PLUĆA", "!SPECT MIOKARDA"],
              "RF": ["PLUĆA", "OŠITA", "TORAKSA"]},
    "BREAST": {"*": ["DOJKI", "OBJE DOJKE", "DOJKE"],
               "MG": ["!MAMOGRAFIJA", "!MAMOGRAFIJA OBOSTRANO", "!MAMOGRAFIJA L. DOJKE",
                      "!MAMOGRAFIJA D. DOJKE", "!MAMOGRAFIJA BILAT.", "!TOMOSINTEZA DOJKI"],
               "US": ["DOJKI", "OBJE DOJKE", "L. DOJKE", "D. DOJKE", "DOJKI I AKSILA"]},
    "ABDOMEN": {"*": ["ABDOMENA", "ABDOMENA I ZDJELICE", "ABDOMENA S KONTRASTOM", "JETRE",
                      "GORNJEG ABDOMENA"],
                "CR": ["ABDOMENA NATIVNO", "!NATIVNA SNIMKA ABDOMENA", "ABDOMENA STOJEĆI"],
                "DX": ["ABDOMENA NATIVNO", "!NATIVNA SNIMKA ABDOMENA", "ABDOMENA U LEŽEĆEM"],
                "US": ["ABDOMENA", "GORNJEG ABDOMENA", "JETRE", "ŽUČNJAKA", "APENDIKSA",
                       "CIJELOG ABDOMENA", "SLEZENE"],
                "MR": ["JETRE", "ABDOMENA", "!MRCP", "GUŠTERAČE", "!MR KOLANGIOGRAFIJA"]},
    "GITRACT": {"*": ["!PASAŽA JEDNJAKA", "JEDNJAKA, ŽELUCA I DVANAESNIKA", "!IRIGOGRAFIJA",
                      "!ENTEROKLIZA", "!PASAŽA CRIJEVA", "ŽELUCA", "!GASTRODUODENOGRAFIJA"],
                "CT": ["!CT KOLONOGRAFIJA", "!CT ENTEROGRAFIJA"]},
    "URINARYTRACT": {"*": ["BUBREGA", "UROTRAKTA", "MOKRAĆNOG SUSTAVA", "BUBREGA NATIVNO"],
                     "CT": ["BUBREGA", "!CT UROGRAFIJA", "UROTRAKTA", "BUBREGA NATIVNO"],
                     "US": ["BUBREGA", "UROTRAKTA", "BUBREGA I MOKRAĆNOG MJEHURA", "PRESATKA BUBREGA"],
                     "RF": ["!MIKCIJSKA CISTOURETROGRAFIJA", "!MCUG", "!INTRAVENSKA UROGRAFIJA",
                            "!RETROGRADNA PIJELOGRAFIJA", "!CISTOGRAFIJA"],
                     "NM": ["BUBREGA", "!DINAMIČKA SCINTIGRAFIJA BUBREGA", "!DMSA", "!MAG3"],
                     "XA": ["RENALNIH ARTERIJA", "!NEFROSTOMA"]},
    "PELVIS": {"*": ["ZDJELICE", "ZDJELICE AP", "SI ZGLOBOVA", "SAKRUMA", "TRTICE"],
               "US": ["MALE ZDJELICE", "!TRANSVAGINALNI UZV", "TESTISA", "SKROTUMA", "PROSTATE"],
               "MR": ["ZDJELICE", "PROSTATE", "MALE ZDJELICE", "REKTUMA", "ZDJELICE S KONTRASTOM"],
               "CT": ["ZDJELICE", "ZDJELICE S KONTRASTOM"]},
    "HIP": {"*": ["KUKA", "D. KUKA", "L. KUKA", "OBA KUKA", "KUKOVA", "DESNOG KUKA", "LIJEVOG KUKA"]},
    "SHOULDER": {"*": ["RAMENA", "D. RAMENA", "L. RAMENA", "!MR ARTROGRAFIJA RAMENA", "LOPATICE",
                       "RAMENOG ZGLOBA", "AC ZGLOBA"]},
    "CLAVICLE": {"*": ["KLJUČNE KOSTI", "KLAVIKULE", "D. KLJUČNE KOSTI", "L. KLAVIKULE"]},
    "ARM": {"*": ["NADLAKTICE", "PODLAKTICE", "D. NADLAKTICE", "HUMERUSA", "L. PODLAKTICE"]},
    "ELBOW": {"*": ["LAKTA", "L. LAKTA", "D. LAKTA", "LAKATNOG ZGLOBA"]},
    "WRIST": {"*": ["RUČNOG ZGLOBA", "D. RUČ. ZGLOBA", "SKAFOIDNE KOSTI", "L. RUČNOG ZGL.",
                    "RUČNIH ZGLOBOVA"]},
    "HAND": {"*": ["ŠAKE", "D. ŠAKE", "OBJE ŠAKE", "L. ŠAKE", "ŠAKE ZA KOŠTANU DOB"]},
    "FINGER": {"*": ["PRSTA", "PALCA", "D. PRSTA ŠAKE", "PRSTIJU ŠAKE", "L. PALCA"]},
    "LEG": {"*": ["POTKOLJENICE", "NATKOLJENICE", "D. POTKOLJ.", "L. NATKOLJ.", "FEMURA"],
            "US": ["!CD VENA NOGU", "!COLOR DOPPLER ARTERIJA NOGU", "VENA DONJIH EKSTREMITETA",
                   "DUBOKIH VENA NOGU", "!CD VENA L. NOGE"],
            "XA": ["ARTERIJA NOGU", "!ANGIOGRAFIJA DONJIH EKSTR.", "FEMORALNE ARTERIJE"]},
    "KNEE": {"*": ["KOLJENA", "L. KOLJENA", "D. KOLJENA", "OBA KOLJENA", "PATELE",
                   "KOLJENA STOJEĆI"]},
    "ANKLE": {"*": ["SKOČNOG ZGLOBA", "L. SKOČ. ZGL.", "D. SKOČNOG ZGLOBA", "GLEŽNJA"]},
    "FOOT": {"*": ["STOPALA", "D. STOPALA", "L. STOPALA", "PRSTIJU STOPALA", "OBA STOPALA",
                   "STOPALA POD OPTEREĆENJEM"]},
    "HEEL": {"*": ["PETNE KOSTI", "KALKANEUSA", "L. PETNE KOSTI", "D. KALKANEUSA"]},
    "CAROTID": {"*": ["!CD KAROTIDA", "!COLOR DOPPLER KAROTIDA", "KAROTIDNIH ARTERIJA",
                      "!DOPLER VRATNIH KRVNIH ŽILA", "KAROTIDA"]},
    "WHOLEBODY": {"*": ["CIJELOG TIJELA"],
                  "NM": ["SKELETA", "KOSTIJU CIJELOG TIJELA", "!SCINTIGRAFIJA SKELETA",
                         "KOSTIJU"],
                  "PT": ["CIJELOG TIJELA", "!FDG PET/CT", "!PSMA PET/CT", "ONKOLOŠKI"]},
}
HR_EXTRA = {"CR": ["PA", "AP/LAT", "U 2 PROJEKCIJE", "AP I PROFIL", "LL"],
            "DX": ["PA", "AP/LAT", "U 2 SMJERA", "AP I PROFIL"],
            "CT": ["NATIVNO", "S KONTRASTOM", "+ KONTRAST", "IV KONTRAST"],
            "MR": ["NATIVNO", "S KONTRASTOM", "+ GD", "IV KONTRAST"]}

# Vendor consoles: series names per modality (none or abbreviated anatomy).
VENDOR_SERIES = {
    "SIEMENS": {"MR": ["localizer", "AAHead_Scout", "t2_tse_sag_384", "t1_tse_tra", "t2_tse_tra_p2",
                       "t2_tirm_cor_dark-fluid", "ep2d_diff_3scan_trace", "t1_mprage_sag_p2_iso",
                       "pd_tse_fs_cor", "t2_blade_tra", "t1_vibe_fs_tra_post", "t2_haste_cor"],
                "CT": ["Topogram 0.6 T20s", "{R} 1.0 B70f", "{R} 5.0 B30f", "{R} 3.0 Br40",
                       "Body 3.0 I31f", "Vol. 0.75 B26f", "Patient Protocol", "{R} 2.0 H60s"],
                "PT": ["PET WB", "PET AC", "CT 3.0 B19f", "Topogram 0.6 T20s", "PET NAC"],
                "XA": ["DSA 2 F/s", "Fluoro", "Cine 15 F/s", "Roadmap"],
                "NM": ["Static ANT", "WB ANT", "WB POST", "SPECT", "Dynamic"]},
    "GE": {"MR": ["3-plane loc", "3PL LOC", "Ax T2 FRFSE", "Sag T1 FLAIR", "Ax DWI 1000",
                  "Cor STIR", "ASSET Cal", "Ax T2 FSE FS", "Sag CUBE T2", "Ax T1 SE +C",
                  "Sag PD FS", "Cor T1"],
           "CT": ["SCOUT", "Scout", "5mm Std", "1.25mm Bone", "Axial 2.5 Lung", "COR 3mm",
                  "SAG 3mm", "Recon 2: LUNG", "Dose Report", "Routine 5.0"],
           "PT": ["PET WB", "CTAC 3.75", "MIP", "WB 3D MAC"],
           "XA": ["DSA", "Fluoro", "RAO 30 CAUD 20", "LAO 45 CRAN 20"],
           "NM": ["ANT", "POST", "WB", "SPECT Recon", "Dynamic"]},
    "PHILIPS": {"MR": ["SURVEY", "sT2W_TSE", "T1W_TSE_SAG", "PD_SPAIR_cor", "DWI_b1000",
                       "T2W_FFE", "3D_T1W_TFE", "sT1W_3D_FFE", "T2W_TSE_tra", "Ref_SENSE",
                       "mDIXON_W", "T2_FLAIR_tra"],
                "CT": ["Survey", "iDose 3 5mm", "Br 1mm", "Lung 1mm", "Soft 5mm", "Dose Info",
                       "iDose 4 2mm"],
                "PT": ["PET AC", "CTAC", "MIP"],
                "XA": ["DSA", "Fluoro", "Run 1", "3D-RA"],
                "NM": ["ANT", "POST", "SPECT", "Static"]},
}
# Siemens CT series start with the protocol's region word.
SIEMENS_REGION = {"HEAD": ["Kopf", "Head", "Schädel"], "SKULL": ["Kopf", "Sinus", "Head"],
                  "NECK": ["Hals", "Neck"], "CSPINE": ["HWS", "WS", "Spine"],
                  "TSPINE": ["BWS", "WS", "Spine"], "LSPINE": ["LWS", "WS", "Spine"],
                  "CHEST": ["Thorax", "Lunge", "Thorax"], "ABDOMEN": ["Abdomen", "AbdPelv", "Abd"],
                  "URINARYTRACT": ["Abdomen", "AbdPelv", "Niere"], "PELVIS": ["Becken", "AbdPelv", "Pelvis"],
                  "GITRACT": ["Abdomen", "Colon"], "KNEE": ["Knie", "Extremity", "Ext"],
                  "SHOULDER": ["Schulter", "Extremity", "Ext"], "HIP": ["Becken", "Hip", "Ext"]}
OTHER_SERIES = {
    "CR": ["p.a.", "seitl.", "a.p.", "ap", "lat", "schräg", "axial", "PA", "LL", "AP", "KOSA",
           "PROFIL", "AP LIEGEND", "Bild 1"],
    "DX": ["p.a.", "seitl.", "a.p.", "PA", "LAT", "AP", "LL", "KOSA", "Stehend", "Aufnahme 1"],
    "US": ["", "", "B-Mode", "CFM", "PW Doppler", "Cine", "SonoCT", "Doppler", "Abd", "Gen"],
    "MG": ["L CC", "R CC", "L MLO", "R MLO", "LCC", "RMLO", "Tomo L CC", "C-View R MLO"],
    "RF": ["DL Serie", "Spot", "Durchleuchtung", "Fluoro Loop", "Bild 1", "SERIJA 1"],
    "SR": ["Dosisbericht", "Dose Report", "Patient Protocol", "Radiation Dose"],
}
# Vendor protocol names ('^'-separated as Siemens writes them, or plain).
VENDOR_PROTOCOL = {"HEAD": ["Head^Routine_Adult", "Kopf^Routine", "HEAD^ROUTINE", "Neuro^Head",
                            "NeuroHead", "BRAIN ROUTINE", "Brain_Standard"],
                   "SKULL": ["Head^Sinus", "SINUS ROUTINE", "Felsenbein", "Skull", "Face^Orbita"],
                   "NECK": ["Neck^Routine", "Hals^Standard", "NECK SOFT TISSUE", "Thyroid"],
                   "CSPINE": ["Spine^HWS", "C-SPINE ROUTINE", "Spine^C-Spine", "CSpine_Standard"],
                   "TSPINE": ["Spine^BWS", "T-SPINE ROUTINE", "Spine^T-Spine", "TSpine_Standard"],
                   "LSPINE": ["Spine^LWS", "L-SPINE ROUTINE", "Spine^L-Spine", "LSpine_Standard"],
                   "CHEST": ["Thorax^Routine", "CHEST ROUTINE", "Thorax^Lungenembolie", "Chest_PE",
                             "Cardiac^CaScore", "HEART ROUTINE"],
                   "ABDOMEN": ["AbdPelv^Routine", "Abdomen^Routine_KM", "ABDOMEN ROUTINE", "Liver^3Phase",
                               "ABD PEL"],
                   "URINARYTRACT": ["Abdomen^Niere", "Urology^Stone", "KIDNEY STONE", "Uro"],
                   "PELVIS": ["Becken^Routine", "PELVIS ROUTINE", "Prostate", "Pelvis_Female"],
                   "GITRACT": ["Colon^Colonography", "Abdomen^Enterography"],
                   "KNEE": ["KNEE^ROUTINE", "Knee^Standard", "Knie", "KNEE ROUTINE", "Extremity^Knee"],
                   "SHOULDER": ["SHOULDER^ROUTINE", "Shoulder", "Extremity^Schulter", "SHOULDER ROUTINE"],
                   "HIP": ["HIP ROUTINE", "Hip^Standard", "Extremity^Hip", "Hüfte"],
                   "ANKLE": ["ANKLE ROUTINE", "Foot^Ankle", "OSG"]}
GENERIC_PROTOCOL = ["Routine", "Standard", "ROUTINE 5.0", "Protokoll 1", "default", "Clinical"]

# Region → BodyPartExamined as local sites set it: German and Croatian
# spellings in CS form, and the DICOM term.
LOCAL_BODY_PART = {
    "HEAD": ["KOPF", "SCHAEDEL", "GLAVA", "HEAD", "MOZAK"], "SKULL": ["SCHAEDEL", "LUBANJA", "SKULL", "NNH"],
    "NECK": ["HALS", "VRAT", "NECK"], "CSPINE": ["HWS", "VRATNA KRALJ", "CSPINE", "SPINE"],
    "TSPINE": ["BWS", "TORAKALNA KRALJ", "TSPINE", "SPINE"],
    "LSPINE": ["LWS", "LS KRALJ", "LSPINE", "L SPINE"],
    "CHEST": ["THORAX", "PLUCA", "TORAKS", "CHEST", "HERZ", "SRCE", "LUNGE"],
    "BREAST": ["MAMMA", "DOJKA", "BREAST"], "ABDOMEN": ["ABDOMEN", "OBERBAUCH", "ABDOMEN", "LEBER"],
    "GITRACT": ["MAGEN", "OESOPHAGUS", "KOLON", "ZELUDAC", "JEDNJAK"],
    "URINARYTRACT": ["NIERE", "NIEREN", "BUBREG", "KIDNEY", "BLASE"],
    "PELVIS": ["BECKEN", "ZDJELICA", "PELVIS"], "HIP": ["HUEFTE", "KUK", "HIP"],
    "SHOULDER": ["SCHULTER", "RAME", "SHOULDER"], "CLAVICLE": ["KLAVIKULA", "KLJUCNA KOST", "CLAVICLE"],
    "ARM": ["OBERARM", "UNTERARM", "NADLAKTICA", "PODLAKTICA", "EXTREMITY"],
    "ELBOW": ["ELLENBOGEN", "LAKAT", "ELBOW"], "WRIST": ["HANDGELENK", "RUCNI ZGLOB", "WRIST"],
    "HAND": ["HAND", "SAKA"], "FINGER": ["FINGER", "PRST", "DAUMEN"],
    "LEG": ["UNTERSCHENKEL", "OBERSCHENKEL", "POTKOLJENICA", "NATKOLJENICA", "EXTREMITY"],
    "KNEE": ["KNIE", "KOLJENO", "KNEE"], "ANKLE": ["OSG", "SPRUNGGELENK", "SKOCNI ZGLOB", "ANKLE"],
    "FOOT": ["FUSS", "STOPALO", "FOOT"], "HEEL": ["FERSE", "PETA", "KALKANEUS"],
    "CAROTID": ["CAROTIS", "KAROTIDE", "HALSGEFAESSE", "NECK"], "WHOLEBODY": ["GANZKOERPER", "CIJELO TIJELO", "WB"],
}
# Region → the ones a wrong BodyPartExamined comes from: the neighbour, or
# the room's default left over from the previous exam.
CONFUSED = {"HEAD": ["NECK", "SKULL"], "SKULL": ["HEAD"], "NECK": ["HEAD", "CHEST", "CSPINE"],
            "CSPINE": ["NECK", "TSPINE"], "TSPINE": ["CHEST", "LSPINE"], "LSPINE": ["TSPINE", "PELVIS"],
            "CHEST": ["ABDOMEN", "TSPINE"], "BREAST": ["CHEST"], "ABDOMEN": ["CHEST", "PELVIS"],
            "GITRACT": ["ABDOMEN"], "URINARYTRACT": ["ABDOMEN", "PELVIS"], "PELVIS": ["ABDOMEN", "HIP"],
            "HIP": ["PELVIS", "LEG"], "SHOULDER": ["CHEST", "CLAVICLE"], "CLAVICLE": ["SHOULDER", "CHEST"],
            "ARM": ["ELBOW", "SHOULDER"], "ELBOW": ["ARM"], "WRIST": ["HAND"], "HAND": ["WRIST", "FINGER"],
            "FINGER": ["HAND"], "LEG": ["KNEE", "ANKLE"], "KNEE": ["LEG"], "ANKLE": ["FOOT", "LEG"],
            "FOOT": ["ANKLE"], "HEEL": ["FOOT", "ANKLE"], "CAROTID": ["NECK", "HEAD"],
            "WHOLEBODY": ["CHEST"]}
ROOM_DEFAULT = {"CR": "CHEST", "DX": "CHEST", "CT": "HEAD", "MR": "HEAD", "US": "ABDOMEN"}

TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "AE", "Ö": "OE", "Ü": "UE",
                          "ß": "ss", "č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj",
                          "Č": "C", "Ć": "C", "Š": "S", "Ž": "Z", "Đ": "DJ"})
CODECS = {"ISO_IR 100": "latin_1", "ISO_IR 101": "iso8859_2", "ISO_IR 192": "utf_8"}


def fit_charset(ds, text):
    """text as the file's character set can hold it (ASCII-only: transliterated)."""
    charset = ds.get("SpecificCharacterSet", "")
    charset = charset[-1] if isinstance(charset, (list, pydicom.multival.MultiValue)) else charset
    try:
        text.encode(CODECS.get(str(charset).strip(), "ascii"))
        return text
    except UnicodeEncodeError:
        return text.translate(TRANSLIT)


# Words of a projection radiograph's name (views, positions): not on a CT,
# MR or ultrasound order.
VIEW_MARKS = ("a.p.", "p.a.", "seitl.", "Ebenen", "axial", "schräg", "Aufnahme", "Lauenstein",
              "gehalten", "stehend", "belastet", "PA", "AP", "LL", "STOJEĆI", "OPTEREĆENJEM")


def names_for(table, modality, region):
    names = table.get(region, {"*": [region.lower()]})
    names = names.get(modality, names["*"])
    if modality in ("CR", "DX", "RF", "MG"):
        return names
    plain = [n for n in names if not has_view(n)]
    return plain or names


def has_view(name):
    tokens = name.replace("/", " ").split()
    return any(m in tokens or (m[0].islower() and m in name) for m in VIEW_MARKS)


def german_description(seed, study, modality, region):
    name = pick(seed, "de:" + study, names_for(DE_NAMES, modality, region))
    if name.startswith("!"):
        words = [name[1:]]
    else:
        words = [pick(seed, "deprefix:" + study, DE_PREFIX.get(modality, [modality])), name]
    said = {w.strip(".,+/").lower() for w in name.replace("/", " ").split()}
    extra = unit(seed, "deextra:" + study)
    if region in LIMBS and region != "BREAST" and extra < 0.75 and not said & set(DE_SAID):
        words.insert(2 if len(words) > 1 else 1, pick(seed, "deside:" + study, DE_SIDES))
        extra = unit(seed, "deextra2:" + study)
    if modality in DE_EXTRA and extra < 0.5 and not said & set(DE_SAID):
        words.append(pick(seed, "deadd:" + study, DE_EXTRA[modality]))
    return " ".join(w for w in words if w)


def croatian_description(seed, study, modality, region):
    name = pick(seed, "hr:" + study, names_for(HR_NAMES, modality, region))
    if name.startswith("!"):
        return name[1:]
    words = [pick(seed, "hrprefix:" + study, HR_PREFIX.get(modality, [modality])), name]
    if modality in HR_EXTRA and unit(seed, "hrextra:" + study) < 0.4 and "/" not in name:
        words.append(pick(seed, "hradd:" + study, HR_EXTRA[modality]))
    return " ".join(w for w in words if w)


def vendor_of(ds, seed, series):
    maker = str(ds.get("Manufacturer", "")).upper()
    for vendor in VENDOR_SERIES:
        if vendor in maker:
            return vendor
    return pick(seed, "vendor:" + series, sorted(VENDOR_SERIES))


def central_series(ds, seed, series, modality, region):
    vendor = vendor_of(ds, seed, series)
    options = VENDOR_SERIES[vendor].get(modality) or OTHER_SERIES.get(modality, [""])
    name = pick(seed, "cseries:" + series, options)
    if "{R}" in name:
        word = pick(seed, "cregion:" + series, SIEMENS_REGION.get(region, ["Body"]))
        name = name.replace("{R}", word)
    return name


def central_protocol(seed, study, series, modality, region, series_name, description):
    u = unit(seed, "cprotocol:" + series)
    if modality == "MR" and u < 0.6:
        return series_name  # MR consoles name the protocol step after the sequence
    if u < 0.75 and region in VENDOR_PROTOCOL:
        return pick(seed, "cvp:" + study, VENDOR_PROTOCOL[region])
    if u < 0.85:
        return description
    return pick(seed, "cgen:" + study, GENERIC_PROTOCOL)


def central_body_part(seed, series, modality, region):
    u = unit(seed, "cbody:" + series)
    if u < 0.30:
        return None
    if u < 0.45:  # wrong: a neighbour's term or the room's default
        wrong = ROOM_DEFAULT.get(modality) if unit(seed, "cwrong:" + series) < 0.4 else None
        if wrong is None or wrong == region:
            wrong = pick(seed, "cneigh:" + series, CONFUSED.get(region, ["CHEST"]))
        return pick(seed, "cterm:" + series, LOCAL_BODY_PART[wrong])
    return pick(seed, "cterm:" + series, LOCAL_BODY_PART.get(region, [region]))


def central_restyle(ds, seed, modality, region):
    study = str(ds.get("StudyInstanceUID", ""))
    series = str(ds.get("SeriesInstanceUID", ""))
    u = unit(seed, "csite:" + study)
    if u < 0.5:
        description = german_description(seed, study, modality, region)
    else:
        description = croatian_description(seed, study, modality, region)
    w = unit(seed, "cdesc:" + study)
    if w < 0.08 and region in VENDOR_PROTOCOL and modality in ("CT", "MR"):
        description = pick(seed, "cvp:" + study, VENDOR_PROTOCOL[region])  # the console's name
    series_name = central_series(ds, seed, series, modality, region)
    protocol = central_protocol(seed, study, series, modality, region, series_name, description)
    values = {SERIES_TAG: fit_charset(ds, series_name), PROTOCOL_TAG: fit_charset(ds, protocol)}
    values.update({t: fit_charset(ds, description) for t in STUDY_TAGS})
    return write_values(ds, values, central_body_part(seed, series, modality, region))


STYLES = {"us": restyle, "central": central_restyle}


def main():
    args, style = sys.argv[1:], "us"
    if len(args) == 4 and args[2] == "--style" and args[3] in STYLES:
        args, style = args[:2], args[3]
    if len(args) != 2:
        sys.exit(__doc__)
    root, seed = args[0], int(args[1])
    with open(os.path.join(root, "truth.csv"), newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    files, tags, unread, studies = 0, 0, 0, set()
    for row in truth:
        path = os.path.join(root, row["Path"])
        ds = read_synth_file(path)
        if ds is None:
            unread += 1
            continue
        tags += STYLES[style](ds, seed, row["Modality"], row["Region"])
        try:
            ds.save_as(path)
        except Exception:
            unread += 1
            continue
        studies.add(row["StudyInstanceUID"])
        files += 1
    print(f"restyle ({style}): {len(studies)} studies, {files} files, {tags} tags written ({unread} files unreadable, left)")


main()
