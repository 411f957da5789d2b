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
Files the truth does not list, or pydicom cannot read, are left as they are.
usage: fusion_restyle.py DIR SEED"""
import csv, hashlib, os, sys
import pydicom

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


def unit(seed, key):
    """A uniform number in [0, 1) from (seed, key): the same choice on every run."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


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
    if unit(seed, "bodypart:" + series) >= 0.45:
        ds.add_new(BODY_PART_TAG, "CS", pick(seed, "term:" + series, BODY_PART.get(region, [""])))
        changed += 1
    return changed


def main():
    args = sys.argv[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    root, seed = args[0], int(args[1])
    with open(os.path.join(root, "truth.csv"), newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    files, tags, unread, studies = 0, 0, 0, set()
    for row in truth:
        path = os.path.join(root, row["Path"])
        try:  # synth writes some files without a preamble, some broken on purpose
            ds = pydicom.dcmread(path, force=True)
            ds.get("StudyInstanceUID")
        except Exception:
            unread += 1
            continue
        tags += restyle(ds, seed, row["Modality"], row["Region"])
        try:
            ds.save_as(path)
        except Exception:
            unread += 1
            continue
        studies.add(row["StudyInstanceUID"])
        files += 1
    print(f"restyle: {len(studies)} studies, {files} files, {tags} tags written ({unread} files unreadable, left)")


main()
