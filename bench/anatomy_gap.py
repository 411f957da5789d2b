#!/usr/bin/python3
"""What meta-anatomy reads from header terms of another naming style (issue 11,
"lexicon"): DICOM BodyPartExamined defined terms (PS3.16 Annex L / PS3.3
C.7.3.1) and US/UK radiology order codes, each with the SPEC §5 regions a
radiologist reads in it. The terms are written from the standard and from
order vocabulary, not from any generator. Each term is one item's
StudyDescription; embtxt_tool (tests/embed) embeds it with meta-anatomy and
the script prints a Markdown table (term, expected, read, ok) and the hit count.

  usage: anatomy_gap.py EMBTXT_TOOL [--misses]
A term is read right when the regions with a nonzero column are exactly the
expected ones (equal weights are not checked here; the unit tests do).

  usage: anatomy_gap.py --rows TRUTH.csv WS...
On archives: per workspace, the rows of WS/embeddings/meta-anatomy.npy with
an anatomy word, those whose strongest regions include the true one
(TRUTH.csv's Region), and those that name only other regions."""
import csv, json, os, subprocess, sys, tempfile
import numpy as np

REGIONS = ["HEAD", "SKULL", "NECK", "CSPINE", "TSPINE", "LSPINE", "SPINE", "CHEST", "BREAST",
           "ABDOMEN", "GITRACT", "URINARYTRACT", "PELVIS", "HIP", "SHOULDER", "CLAVICLE", "ARM",
           "ELBOW", "WRIST", "HAND", "FINGER", "LEG", "KNEE", "ANKLE", "FOOT", "HEEL", "CAROTID",
           "WHOLEBODY"]

# (term, expected regions): BodyPartExamined defined terms, then order codes.
TERMS = [
    ("CSPINE", "CSPINE"), ("TSPINE", "TSPINE"), ("LSPINE", "LSPINE"), ("SSPINE", "PELVIS"),
    ("WHOLESPINE", "SPINE"), ("CTSPINE", "CSPINE TSPINE"), ("TLSPINE", "TSPINE LSPINE"),
    ("LSSPINE", "LSPINE"), ("ABDOMENPELVIS", "ABDOMEN PELVIS"), ("CHESTABDOMEN", "CHEST ABDOMEN"),
    ("CHESTABDPELVIS", "CHEST ABDOMEN PELVIS"), ("HEADNECK", "HEAD NECK"),
    ("NECKCHEST", "NECK CHEST"), ("NECKCHESTABDOMEN", "NECK CHEST ABDOMEN"),
    ("LOWEREXTREMITY", "LEG"), ("UPPEREXTREMITY", "ARM"), ("LOWER EXTREMITY", "LEG"),
    ("UPPER EXTREMITY", "ARM"), ("TMJ", "SKULL"), ("IAC", "HEAD"), ("SELLA", "HEAD"),
    ("ZYGOMA", "SKULL"), ("COCCYX", "PELVIS"), ("ACJOINT", "SHOULDER"), ("TIBIAFIBULA", "LEG"),
    ("RADIUSULNA", "ARM"), ("THIGH", "LEG"), ("CALCANEUS", "HEEL"), ("PATELLA", "KNEE"),
    ("BRAIN", "HEAD"), ("HEART", "CHEST"), ("KIDNEY", "URINARYTRACT"), ("BLADDER", "URINARYTRACT"),
    ("UPRURTRACT", "URINARYTRACT"), ("ESOPHAGUS", "GITRACT"), ("STOMACH", "GITRACT"),
    ("SCAPULA", "SHOULDER"), ("HUMERUS", "ARM"), ("FOREARM", "ARM"), ("FEMUR", "LEG"),
    ("TOE", "FOOT"), ("THUMB", "FINGER"), ("ORBIT", "SKULL"), ("THYROID", "NECK"),
    ("LARYNX", "NECK"), ("SACRUM", "PELVIS"), ("WHOLEBODY", "WHOLEBODY"), ("CAROTID", "CAROTID"),
    ("XR L-SPINE 2V", "LSPINE"), ("C SPINE", "CSPINE"), ("L-S SPINE", "LSPINE"),
    ("XR T SPINE AP LAT", "TSPINE"), ("MRI LS SPINE WO", "LSPINE"), ("C_SPNE", "CSPINE"),
    ("THORACIC SPINE", "TSPINE"), ("CT ABD/PELVIS W CON", "ABDOMEN PELVIS"),
    ("CT ABDO PELVIS", "ABDOMEN PELVIS"), ("CTA HEAD/NECK", "HEAD NECK"), ("MRI BRAIN WO", "HEAD"),
    ("CXR", "CHEST"), ("XR CHEST PA/LAT", "CHEST"), ("KUB", "ABDOMEN URINARYTRACT"),
    ("US RUQ", "ABDOMEN"), ("MAMMO SCREEN BILAT", "BREAST"), ("XR TIB/FIB", "LEG"),
    ("XR HUMERUS", "ARM"), ("SI JOINTS", "PELVIS"), ("AC JOINT", "SHOULDER"),
    ("CT SINUSES", "HEAD"), ("CT ORBITS", "SKULL"), ("LE VENOUS DOPPLER", "LEG"),
    ("ECHO", "CHEST"), ("XR FOREARM", "ARM"), ("XR FEMUR", "LEG"), ("XR HIP UNILAT", "HIP"),
    ("XR PELVIS AP", "PELVIS"), ("MRI KNEE WO RT", "KNEE"), ("XR ANKLE 3V LT", "ANKLE"),
    ("XR FOOT 3V", "FOOT"), ("XR HAND 3V", "HAND"), ("XR WRIST 3V", "WRIST"),
    ("XR FINGER 2V", "FINGER"), ("XR ELBOW 2V", "ELBOW"), ("XR SHOULDER 3V", "SHOULDER"),
    ("XR CLAVICLE", "CLAVICLE"), ("XR CALCANEUS", "HEEL"), ("XR OS CALCIS", "HEEL"),
    ("XR SKULL", "SKULL"), ("XR FACIAL BONES", "SKULL"), ("CT MAXILLOFACIAL", "SKULL"),
    ("US CAROTID DUPLEX", "CAROTID"), ("US THYROID", "NECK"), ("CT SOFT TISSUE NECK", "NECK"),
    ("CT CHEST W CON", "CHEST"), ("CTA CHEST PE", "CHEST"), ("CT CORONARY CALCIUM", "CHEST"),
    ("US RENAL", "URINARYTRACT"), ("CT KUB", "ABDOMEN URINARYTRACT"), ("IVP", "URINARYTRACT"),
    ("FL UGI", "GITRACT"), ("FL BARIUM SWALLOW", "GITRACT"), ("FL BA ENEMA", "GITRACT"),
    ("US PELVIS TRANSVAGINAL", "PELVIS"), ("US SCROTUM", "PELVIS"), ("MRI PROSTATE", "PELVIS"),
    ("NM BONE SCAN WB", "WHOLEBODY"),
    ("NM WHOLE BODY", "WHOLEBODY"), ("US BREAST LT", "BREAST"), ("MRI IAC", "HEAD"),
    ("MRI PITUITARY", "HEAD"), ("MRI ORBITS", "SKULL"), ("US APPENDIX", "ABDOMEN"),
    ("XR ABD 1V", "ABDOMEN"), ("XR ABDOMEN SUPINE", "ABDOMEN"), ("XR RIBS LT", "CHEST"),
    ("XR STERNUM", "CHEST"), ("XR TOES", "FOOT"), ("XR THUMB", "FINGER"),
    ("XR SCAPULA", "SHOULDER"), ("XR KNEE BILAT STANDING", "KNEE"), ("XR TIBIA FIBULA", "LEG"),
    ("US RLE VENOUS", "LEG"), ("US LUE VENOUS", "ARM"), ("XR COCCYX", "PELVIS"),
    ("XR SACRUM", "PELVIS"), ("MRI TMJ BILAT", "SKULL"), ("XR MANDIBLE", "SKULL"),
    ("XR NASAL BONES", "SKULL"), ("XR SOFT TISSUE NECK", "NECK"), ("CT HEAD WO", "HEAD"),
]


def row_counts(truth_path, workspaces):
    with open(truth_path, newline="", encoding="utf-8") as f:
        truth = {r["SOPInstanceUID"]: r["Region"] for r in csv.DictReader(f)}
    print("| workspace | rows | with a tag word | true region among the strongest | only other regions |")
    print("|---|---|---|---|---|")
    for ws in workspaces:
        with open(os.path.join(ws, "embeddings", "rows.csv"), newline="") as f:
            sops = [r["sop_instance_uid"] for r in csv.DictReader(f)]
        x = np.load(os.path.join(ws, "embeddings", "meta-anatomy.npy"))
        word, right, wrong = 0, 0, 0
        for sop, row in zip(sops, x):
            if row[-1] != 0:
                continue
            word += 1
            top = {REGIONS[j] for j in range(len(REGIONS)) if row[j] >= row[:-1].max() - 1e-6}
            named = {REGIONS[j] for j in range(len(REGIONS)) if row[j] > 1e-6}
            right += truth.get(sop) in top
            wrong += truth.get(sop) not in named
        print(f"| {ws} | {len(sops)} | {word} | {right} | {wrong} |")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--rows" and len(sys.argv) > 3:
        return row_counts(sys.argv[2], sys.argv[3:])
    tool, misses_only = sys.argv[1], "--misses" in sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        items = os.path.join(tmp, "items.jsonl")
        with open(items, "w") as f:
            for term, _ in TERMS:
                e = json.dumps({"StudyDescription": ["LO", term]})
                f.write(json.dumps({"e": e, "r": None}) + "\n")
        out = os.path.join(tmp, "out.npy")
        subprocess.run([tool, "embed", "meta", "anatomy", items, out, "0", "", "0", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        rows = np.load(out)
    hits = 0
    print("| term | expected | meta-anatomy reads | ok |\n|---|---|---|---|")
    for (term, want), row in zip(TERMS, rows):
        got = " ".join(REGIONS[j] for j in range(len(REGIONS)) if row[j] > 1e-6) or "–"
        ok = set(got.split()) == set(want.split())
        hits += ok
        if not (ok and misses_only):
            print(f"| {term} | {want} | {got} | {'yes' if ok else 'no'} |")
    print(f"\n{hits} of {len(TERMS)} read right")


main()
