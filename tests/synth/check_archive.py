#!/usr/bin/python3
"""Generates a synthetic archive with $RADNET_BIN and checks it against
independent readers: dcmtk (dcmdump, dcmftest), gdcm (gdcmconv + gdcmraw
decode every image; lossless pixels must match truth.csv's PixelCRC32),
pydicom (every file and its native/RLE pixels), plus determinism across
thread counts, modality shares, the BodyPartExamined noise rate (systematic:
per station and protocol), reports.csv (RFC 4180, UTF-8; most exams reported,
orphan rows join nothing; reports name the pathology truth.csv gives), views
and planes that agree with ImageOrientationPatient / ViewPosition, the
answer key outside the DICOM folder, and character sets.
Usage: check_archive.py [--n N] [--full] [--seed S]"""
import argparse
import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

import pydicom

FAILURES = []
CHECKS = [0]


def check(cond, msg):
    CHECKS[0] += 1
    if not cond:
        FAILURES.append(msg)
        if len(FAILURES) <= 40:
            print("FAIL:", msg, file=sys.stderr)


def crc(data):
    return "%08x" % (zlib.crc32(data) & 0xFFFFFFFF)


def synth(out, n, seed, threads, size):
    cmd = [os.environ["RADNET_BIN"], "--quiet", "synth", "--out", out, "-n", str(n),
           "--seed", str(seed), "-j", str(threads), "--size", size]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "synth exit %d: %s" % (r.returncode, r.stderr[-500:]))


def tree_digest(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def batches(items, k):
    for i in range(0, len(items), k):
        yield items[i:i + k]


def check_dcmtk(root, rows):
    paths = [os.path.join(root, r["Path"]) for r in rows]
    for b in batches(paths, 64):
        r = subprocess.run(["dcmdump", "-q", "-dc"] + b, capture_output=True, text=True,
                           errors="replace")
        check(r.returncode == 0 and "E:" not in r.stderr and "W:" not in r.stderr,
              "dcmdump: " + r.stderr[:300])
        r = subprocess.run(["dcmftest"] + b, capture_output=True, text=True)
        lines = r.stdout.splitlines()
        check(len(lines) == len(b) and all(l.startswith("yes:") for l in lines),
              "dcmftest: " + "; ".join(l for l in lines if not l.startswith("yes:"))[:300])
    r = subprocess.run(["dcmftest", os.path.join(root, "README.txt")], capture_output=True,
                       text=True)
    check(r.stdout.startswith("no:"), "README.txt must not look like DICOM")


def frame_bytes(row):
    return (int(row["Rows"]) * int(row["Columns"]) * int(row["Frames"]) *
            int(row["SamplesPerPixel"]) * int(row["BitsAllocated"]) // 8)


def check_gdcm(root, rows, tmp):
    conv, raw = os.path.join(tmp, "c.dcm"), os.path.join(tmp, "r.raw")
    lossless = 0
    for row in rows:
        if row["Modality"] == "SR":
            continue
        p = os.path.join(root, row["Path"])
        r1 = subprocess.run(["gdcmconv", "--raw", p, conv], capture_output=True)
        r2 = subprocess.run(["gdcmraw", "-i", conv, "-o", raw], capture_output=True)
        ok = r1.returncode == 0 and r2.returncode == 0
        check(ok, "gdcm cannot decode %s (%s)" % (row["Path"], row["TransferSyntaxUID"]))
        if not ok:
            continue
        with open(raw, "rb") as fh:
            data = fh.read()
        n = frame_bytes(row)
        check(len(data) in (n, n + (n & 1)), "gdcm size %d != %d for %s" % (len(data), n, row["Path"]))
        if row["Lossy"] == "0" and not row["PhotometricInterpretation"].startswith("YBR"):
            lossless += 1
            check(crc(data[:n]) == row["PixelCRC32"],
                  "gdcm pixels differ from intended: %s %s" % (row["Path"], row["TransferSyntaxUID"]))
    check(lossless > len(rows) // 2, "too few lossless images checked: %d" % lossless)


# SPEC §5 region rules (row order matters), to check that the procedure
# wording gives the rules something to work with.
RULES = [
 ("WRIST", r"wrist|rucni", [""]),
 ("FINGER", r"finger|prst", [""]),
 ("ARM", r"forearm|upper extrem|gornj(i|ih|eg) ekstrem|nadlaktic|podlaktic|humerus|ruk(a|e|u)", [""]),
 ("HAND", r"saka|sake|hand", [""]),
 ("ELBOW", r"lakat|elbow", [""]),
 ("ARM", r"forearm|upper extrem|gornj(i|ih|eg) ekstrem|nadlaktic|podlaktic|humerus|ruk(a|e|u)", ["EXTREMITY"]),
 ("SKULL", r"stenvers|tm zglob", [""]),
 ("SKULL", r"mandible", [""]),
 ("SKULL", r"orbita", [""]),
 ("SKULL", r"skull|schädel", [""]),
 ("HEAD", r"glav(a|e)|sinus|nasal|head|moz(ga|ak)", ["", "SPINE"]),
 ("GITRACT", r"ercp|gastro|jednjak|kolonografija", ["ABDOMEN", ""]),
 ("HEEL", r"calcaneus|heel|petn(a|e)|peta", [""]),
 ("ANKLE", r"glezanj|gleznja|ankle|skocni", [""]),
 ("KNEE", r"knee|koljen", ["", "EXTREMITY"]),
 ("FOOT", r"stopal|foot", ["", "EXTREMITY"]),
 ("LEG", r"natkoljenica|potkoljenica|lower (leg|limb|extrem)|nog(a|e|u)|femoral(|ne) art|do(|lj)nj(i|ih|eg) ekstrem", ["", "EXTREMITY"]),
 ("URINARYTRACT", r"urotract|urotrakt|urinarytract|urografija|cistograf|cystograph|anterogradna urog|uretrografija|urogram", [""]),
 ("CAROTID", r"(k|c)arotid", [""]),
 ("URINARYTRACT", r"kemoemboliza|kemoembolizacija|liver|kolangiografija", [""]),
 ("URINARYTRACT", r"renal|kidney|bubre(g|zn)", [""]),
 ("CSPINE", r"vratna_kra|vratna kra|c-spine|cervikalne kralj", ["WHOLESPINE", "SPINE", "NECK", ""]),
 ("LSPINE", r"lumbaln(a|e)|l-spine|ls_kralj", ["", "WHOLESPINE", "SPINE"]),
 ("TSPINE", r"torakaln(a|e) kralj|t-spine", ["", "WHOLESPINE", "SPINE"]),
 ("SHOULDER", r"shoulder|rame", [""]),
 ("CLAVICLE", r"kljucna kost|clavicle", [""]),
 ("BREAST", r"dojka|dojke|grudna", [""]),
 ("CHEST", r"thorax|lung|torax|toraks|src(a|e)|sternum|ribs|rebra|pluc(a|na)|myocardial|cardiac|subklavij|pulmonary|pulmonal|heart", ["", "NECK"]),
 ("HIP", r"femur sa kukom|femur with hip joint|(desni|lijevi|rtg|rdg) kuk", [""]),
 ("PELVIS", r"pelvis|zdjelic|ilijak|iliac|sacrum|si zglob", ["", "ABDOMEN"]),
 ("NECK", r"neck|vrat", [""]),
 ("ABDOMEN", r"abdom(en|inal)", [""]),
 ("WHOLEBODY", r"cijelo tijelo|cijelog tijela|whole body|wholebody|total body", [""]),
 ("TEST", r"constancy", [""]),
]
RULES = [(r, re.compile(x, re.I), set(f)) for r, x, f in RULES]

def region_from_text(modality, texts, current=""):
    for region, rx, frm in RULES:
        if current in frm and any(rx.search(t or "") for t in texts):
            current = region
    if modality == "CR" and current == "NECK":
        current = "CSPINE"
    if modality == "CR" and current == "HEAD":
        current = "SKULL"
    return current


RENAMES = {"EXTREM": "EXTREMITY", "EXTREMITIES": "EXTREMITY", "UP_EXM": "ARM", "LOW_EXM": "LEG",
           "ABDOM": "ABDOMEN", "C_SPNE": "CSPINE", "L_SPNE": "LSPINE", "T_SPNE": "TSPINE",
           "LUMBAR SPNE": "LSPINE", "Schulter": "SHOULDER", "THORAX": "CHEST", "HEART": "CHEST",
           "KIDNEY": "URINARYTRACT", "LIVER": "URINARYTRACT", "PLUCA SJEDECI": "CHEST"}
NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
          "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5"}
CROATIAN = set("čćđšžČĆĐŠŽ")


def study_texts(ds):
    texts = [str(ds.get(k, "")) for k in ("StudyDescription", "ProtocolName",
                                           "RequestedProcedureDescription")]
    for item in ds.get("RequestAttributesSequence", []):
        texts.append(str(item.get("RequestedProcedureDescription", "")))
    return texts


def check_pydicom(root, rows):
    bpe_bad = images = 0
    habits = {}
    stacks = {}
    letters = set()
    by_text = {}
    for row in rows:
        ds = pydicom.dcmread(os.path.join(root, row["Path"]))
        if row["Modality"] != "SR":
            guess = region_from_text(row["Modality"], study_texts(ds))
            by_text[row["StudyInstanceUID"]] = guess == row["Region"]
        check(ds.SOPInstanceUID == row["SOPInstanceUID"], "SOP UID differs " + row["Path"])
        check(ds.Modality == row["Modality"], "Modality differs " + row["Path"])
        check(ds.StudyInstanceUID == row["StudyInstanceUID"], "Study UID differs")
        check(ds.file_meta.TransferSyntaxUID == row["TransferSyntaxUID"], "syntax differs")
        name = str(ds.PatientName)
        cs = ds.get("SpecificCharacterSet", "")
        if row["CharsetStatus"] == "undeclared":  # bytes of another set, none declared
            check(cs == "", "undeclared character set written: %r" % cs)
            continue
        letters |= set(name) & CROATIAN
        if cs in ("", "ISO_IR 100"):
            check(all(ord(c) < 128 for c in name), "non-ASCII name in %r: %r" % (cs, name))
        else:
            check(all(c.isalpha() or c in "^- " for c in name), "garbled name %r (%s)" % (name, cs))
        if row["Modality"] == "SR":
            check("ContentSequence" in ds and len(ds.ContentSequence[0].TextValue) > 10,
                  "SR without text")
            continue
        images += 1
        bpe = ds.get("BodyPartExamined", None)
        written = "" if bpe is None else str(bpe)
        check(written == row["BodyPartExamined"], "BodyPartExamined %r vs truth %r" %
              (written, row["BodyPartExamined"]))
        bpe_bad += RENAMES.get(written, written) != row["Region"]
        habits.setdefault((str(ds.get("StationName", "")), row["Modality"], row["Region"]),
                          set()).add(row["BodyPartStatus"])
        check((RENAMES.get(written, written) == row["Region"]) == (row["BodyPartStatus"] == "ok"),
              "BodyPartStatus %s does not fit %r / %s" % (row["BodyPartStatus"], written, row["Region"]))
        check(ds.Rows == int(row["Rows"]) and ds.Columns == int(row["Columns"]), "matrix differs")
        check_view(ds, row)
        if row["Modality"] == "XA" and row["Organ"] == "HEART":  # the arteries its runs inject
            desc = str(ds.get("SeriesDescription", ""))
            trees = CORONARY_RUNS.setdefault(row["ExamID"], set())
            trees |= {t for t, words in (("L", ("LCA", "Left", "lijeva")),
                                         ("R", ("RCA", "Right", "desna")))
                      if any(w in desc for w in words)}
        if row["Modality"] in ("CT", "MR", "PT") and row["View"] in NORMALS:
            stacks.setdefault(row["SeriesInstanceUID"], []).append(slice_position(ds))
        if row["TransferSyntaxUID"] in NATIVE:
            arr = ds.pixel_array
            check(arr.size * arr.itemsize == frame_bytes(row), "pydicom pixel size " + row["Path"])
            le = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
            check(crc(le) == row["PixelCRC32"], "pydicom pixels differ: %s %s %s" %
                  (row["Path"], row["TransferSyntaxUID"], row["PhotometricInterpretation"]))
    check_stacks(stacks)
    recovered = sum(by_text.values()) / max(len(by_text), 1)
    print("studies whose region the SPEC rules find from the wording alone: %.3f" % recovered)
    # Real RIS wording often names the region in Croatian, sometimes not at all.
    check(0.2 <= recovered <= 0.8, "procedure wording recovers %.3f of regions" % recovered)
    # Errors follow the station's protocol: most (station, modality, region)
    # groups are consistently right or consistently wrong.
    mixed = sum(len(v) > 1 for v in habits.values())
    print("BodyPartExamined: %d of %d station protocols mixed" % (mixed, len(habits)))
    check(mixed <= 0.2 * len(habits), "BodyPartExamined errors look random: %d of %d mixed" %
          (mixed, len(habits)))
    rate = bpe_bad / max(images, 1)
    print("BodyPartExamined missing or wrong: %.3f of %d images" % (rate, images))
    check(0.05 <= rate <= 0.30, "BodyPartExamined noise rate %.3f outside [0.05, 0.30]" % rate)
    return letters


NORMALS = {"AX": (0, 0, 1), "SAG": (1, 0, 0), "COR": (0, 1, 0)}


def unit(v):
    n = sum(x * x for x in v) ** 0.5
    return tuple(x / n for x in v)


def heart_axes():
    """The heart's long axis u, e1 towards the right ventricle, e2 = u x e1
    (as src/synth/body3d.c builds and frames it)."""
    u = unit((0.61, -0.61, -0.5))
    r = (-1, -0.35, 0)
    along = sum(a * b for a, b in zip(r, u))
    e1 = unit(tuple(a - along * b for a, b in zip(r, u)))
    e2 = (u[1] * e1[2] - u[2] * e1[1], u[2] * e1[0] - u[0] * e1[2], u[0] * e1[1] - u[1] * e1[0])
    return u, e1, e2


# Cardiac planes: the normal of the short axis is the long axis; the
# four-chamber plane holds u and e1, the two-chamber one u and e2.
HEART_NORMALS = dict(zip(("SA", "4CH", "2CH"), heart_axes()[0:1] + heart_axes()[2:3] +
                         heart_axes()[1:2]))
VIEW_POSITION = {"PA": "PA", "AP": "AP", "LAT": "LL", "CC": "CC", "MLO": "MLO", "OBL": ""}


def slice_position(ds):
    """(InstanceNumber, ImagePositionPatient along the plane's normal)."""
    r = [float(v) for v in ds.ImageOrientationPatient]
    n = (r[1] * r[5] - r[2] * r[4], r[2] * r[3] - r[0] * r[5], r[0] * r[4] - r[1] * r[3])
    ipp = [float(v) for v in ds.ImagePositionPatient]
    return int(ds.InstanceNumber), sum(a * b for a, b in zip(n, ipp))


def check_stacks(stacks):
    """A series' slices step through the body: one position per image,
    ordered as the instances are."""
    multi = 0
    for uid, pos in stacks.items():
        if len(pos) < 2:
            continue
        multi += 1
        pos.sort()
        steps = [b[1] - a[1] for a, b in zip(pos, pos[1:])]
        check(all(s > 0.1 for s in steps) or all(s < -0.1 for s in steps),
              "series %s: slice positions do not step: %s" % (uid, [round(p[1], 1) for p in pos]))
    check(multi > 0, "no cross-sectional series with several slices")


def check_view(ds, row):
    """The plane or view in truth.csv is the one the header states."""
    view = row["View"]
    if view == "CAPTURE":  # a dose report page: secondary capture, no geometry
        check(ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7", "capture SOP class " + row["Path"])
    elif view == "LOCALIZER":
        check("LOCALIZER" in list(ds.ImageType), "localizer ImageType " + row["Path"])
    elif row["Modality"] in ("CT", "MR") and view in HEART_NORMALS:
        check(row["Organ"] == "HEART", "%s: a cardiac plane outside a cardiac exam" % row["Path"])
        iop = [float(v) for v in ds.ImageOrientationPatient]
        n = (iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
             iop[0] * iop[4] - iop[1] * iop[3])
        check(abs(sum(a * b for a, b in zip(n, HEART_NORMALS[view]))) > 0.999,
              "%s: cardiac plane %s vs orientation %s" % (row["Path"], view, iop))
    elif row["Modality"] in ("CT", "MR", "PT"):
        iop = [float(v) for v in ds.ImageOrientationPatient]
        n = (abs(iop[1] * iop[5] - iop[2] * iop[4]), abs(iop[2] * iop[3] - iop[0] * iop[5]),
             abs(iop[0] * iop[4] - iop[1] * iop[3]))
        check(NORMALS.get(view) == tuple(round(x) for x in n),
              "%s: plane %s vs orientation %s" % (row["Path"], view, iop))
    elif row["Modality"] in ("CR", "DX", "MG"):
        check(str(ds.get("ViewPosition", "")) == VIEW_POSITION.get(view, "?"),
              "%s: view %s vs ViewPosition %r" % (row["Path"], view, ds.get("ViewPosition")))
    if row["Modality"] == "RF":  # the rows run across the patient (AP), front to back
        rows_run = str(ds.PatientOrientation[0])  # (LAT) or obliquely (OBL)
        want = {"AP": ("L", "R"), "LAT": ("A", "P")}.get(view)
        check(len(rows_run) == 2 if view == "OBL" else rows_run in (want or ()),
              "%s: RF view %s vs PatientOrientation %s" % (row["Path"], view,
                                                           list(ds.PatientOrientation)))
    if row["Modality"] == "XA" and view in ("LAO", "RAO", "AP") and row["Organ"] == "HEART":
        primary = float(ds.PositionerPrimaryAngle)  # + LAO, - RAO
        check({"LAO": primary >= 10, "RAO": primary <= -10, "AP": abs(primary) < 10}[view],
              "%s: coronary view %s vs primary angle %.1f" % (row["Path"], view, primary))


def check_shares(rows, n, full):
    counts = {}
    for r in rows:
        counts[r["Modality"]] = counts.get(r["Modality"], 0) + 1
    share = {k: v / n for k, v in counts.items()}
    print("modality shares:", " ".join("%s %.3f" % kv for kv in sorted(share.items())))
    # CT and MR studies hold 10-100 images each, so a few thousand files are
    # a few dozen studies per modality: shares are noisy here. The planner's
    # shares are held tightly over 200 000 files in test_synth_unit.
    tol = 0.12 if n < 1000 else 0.15 if full else 0.06
    groups = {"CR+DX": (("CR", "DX"), 0.35), "CT": (("CT",), 0.25), "MR": (("MR",), 0.20),
              "other": (("US", "XA", "RF", "MG", "NM", "PT"), 0.20)}
    for name, (mods, target) in groups.items():
        s = sum(share.get(m, 0) for m in mods)
        check(abs(s - target) <= tol, "%s share %.3f vs %.2f" % (name, s, target))
    want = 7 if n < 1000 else 10
    present = len([m for m in counts if m != "SR"])
    check(present >= want, "only %d modalities present" % present)


CORONARY_RUNS = {}  # ExamID -> {"L", "R"}: the coronary trees its series descriptions name
CORONARY_TECHNIQUE = (("LR", "lijeve i desne|left and right|linken und rechten"),
                      ("L", "lijeve koronarne|left coronary artery|linken Koronar"),
                      ("R", "desne koronarne|right coronary artery|rechten Koronar"))


def check_coronary_reports(text_of):
    """A coronary angiogram's report names the arteries its runs injected."""
    stated = 0
    for exam, trees in CORONARY_RUNS.items():
        text = text_of.get(exam, "")
        said = next((set(t) for t, pat in CORONARY_TECHNIQUE if re.search(pat, text)), None)
        if said is not None:
            stated += 1
            check(said == trees, "exam %s: report names %s, runs inject %s" % (exam, said, trees))
    print("coronary reports naming the arteries injected: %d of %d exams" %
          (stated, len(CORONARY_RUNS)))
    return stated


def check_reports(root, rows):
    with open(os.path.join(root, "reports.csv"), "rb") as fh:
        raw = fh.read()
    text = raw.decode("utf-8")  # strict: must be valid UTF-8
    reports = list(csv.DictReader(text.splitlines(keepends=True)))
    check(reports and list(reports[0].keys()) ==
          ["ExamID", "AccessionNumber", "StudyInstanceUID", "ReportText"], "reports.csv header")
    studies = {(r["ExamID"]) for r in rows}
    by_uid = {r["StudyInstanceUID"]: r["ExamID"] for r in rows}
    by_acc = {r["AccessionNumber"]: r["ExamID"] for r in rows}
    path_of = {r["ExamID"]: r["Pathology"] for r in rows}
    joined, text_of, orphans = set(), {}, 0
    for rep in reports:
        check(rep["ReportText"].strip() != "", "empty report")
        exam = (by_uid.get(rep["StudyInstanceUID"]) or by_acc.get(rep["AccessionNumber"]))
        if rep["ExamID"] not in studies:  # an orphan: its keys join nothing
            orphans += 1
            check(exam is None, "orphan report row joins %s" % exam)
            continue
        check(exam == rep["ExamID"], "report row does not join: %s" % rep["ExamID"])
        joined.add(rep["ExamID"])
        text_of[exam] = text_of.get(exam, "") + " " + rep["ReportText"]
    share = len(joined) / max(len(studies), 1)
    print("studies with a report: %.3f; orphan report rows: %d" % (share, orphans))
    check(0.7 <= share < 1.0, "share of reported studies %.3f" % share)
    check_coronary_reports(text_of)
    multi = len(reports) - orphans - len(joined)
    check(multi > 0, "no exam with several report rows")
    words = {"fracture": "fraktur|fracture", "nodule": "nodus|čvor|cvor|nodule",
             "effusion": "izljev|effusion|tekućin|tekucin|fluid|erguss",
             "mass": "tvorba|lezija|nakupljanja|mass|lesion|uptake"}
    abnormal = [e for e in joined if path_of[e] != "none"]
    named = sum(bool(re.search(words[path_of[e]], text_of[e], re.I)) for e in abnormal)
    print("reports naming their exam's pathology: %d of %d" % (named, len(abnormal)))
    check(abnormal and named >= 0.85 * len(abnormal), "reports name the pathology in %d of %d" %
          (named, len(abnormal)))
    implants = {"OSTEOSYNTHESIS": "osteosynth|osteosinte", "PACEMAKER": "pacemaker|elektrostimulator",
                "HIP_PROSTHESIS": "arthroplasty|endoproteza", "KNEE_PROSTHESIS": "arthroplasty|endoproteza",
                "SPINAL_FIXATION": "spinal fusion|spondilodez"}
    implant_of = {r["ExamID"]: r["Implant"] for r in rows}
    metal = [e for e in joined if implant_of[e]]
    named = sum(bool(re.search(implants[implant_of[e]], text_of[e], re.I)) for e in metal)
    print("reports naming their exam's implant: %d of %d" % (named, len(metal)))
    # Typos (0.4 % of letters) may hit the word now and then.
    check(named >= 0.8 * len(metal), "reports name the implant in %d of %d" % (named, len(metal)))
    return set(text) & CROATIAN


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()
    size = "full" if a.full else "small"
    tmp = tempfile.mkdtemp(prefix="rn_synth_")
    try:
        A, B, C = (os.path.join(tmp, x) for x in "ABC")
        synth(A, a.n, a.seed, 2, size)
        synth(B, a.n, a.seed, 1, size)
        da, db = tree_digest(A), tree_digest(B)
        check(da == db, "-j2 and -j1 archives differ in %d files" %
              len(set(da.items()) ^ set(db.items())))
        synth(C, min(a.n, 20), a.seed + 1, 2, size)
        dc = tree_digest(C)
        check(not (set(dc.values()) & set(v for k, v in da.items() if k.endswith("csv"))),
              "another seed gave the same CSVs")
        with open(os.path.join(A, "truth.csv"), encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        check(len(rows) == a.n, "truth.csv has %d rows, want %d" % (len(rows), a.n))
        check(len({r["SOPInstanceUID"] for r in rows}) == a.n, "SOP UIDs not unique")
        check(all(len(r["SOPInstanceUID"]) <= 64 for r in rows), "UID longer than 64")
        dicom_files = [k for k in da if k not in ("truth.csv", "reports.csv", "README.txt")
                       and not k.endswith("Thumbs.db")]
        check(all(k.startswith("dicom/") for k in dicom_files), "DICOM files outside dicom/")
        check(not any(k.endswith(".csv") for k in dicom_files), "answer key inside dicom/")
        check(sorted(dicom_files) == sorted(r["Path"] for r in rows), "files and truth.csv differ")
        # Syntaxes follow modality and vendor (mostly explicit LE, lossless
        # JPEG for radiographs, baseline JPEG for US/XA); rare ones need volume.
        want_ts = 8 if a.n >= 3000 else 6
        check(len({r["TransferSyntaxUID"] for r in rows}) >= want_ts,
              "fewer than %d transfer syntaxes" % want_ts)
        check_shares(rows, a.n, a.full)
        # Cardiac exams are chest exams to SPEC §5; truth says which they are.
        heart = [r for r in rows if r["Organ"] == "HEART"]
        check(all(r["Region"] == "CHEST" for r in heart), "a cardiac exam outside CHEST")
        check(all(r["Organ"] in ("", "HEART") for r in rows), "unknown Organ value")
        check(a.n < 1000 or len({r["Modality"] for r in heart}) >= 4,
              "cardiac exams in %s only" % {r["Modality"] for r in heart})
        check({r["View"] for r in rows if r["Modality"] == "MR"} >= {"AX", "SAG"} or a.n < 1000,
              "MR planes: %s" % {r["View"] for r in rows if r["Modality"] == "MR"})
        rf_views = {r["View"] for r in rows if r["Modality"] == "RF"}
        check(rf_views >= {"AP", "LAT", "OBL"} or a.n < 1000, "RF views: %s" % rf_views)
        coro = {r["View"] for r in rows if r["Modality"] == "XA" and r["Organ"] == "HEART"}
        check(coro >= {"LAO", "RAO"} or a.n < 1000, "coronary views: %s" % coro)
        check_dcmtk(A, rows)
        check_gdcm(A, rows, tmp)
        letters = check_pydicom(A, rows) | check_reports(A, rows)
        check({c.lower() for c in letters} >= set("čćđšž"), "missing Croatian letters: %s" %
              (set("čćđšž") - {c.lower() for c in letters}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed" % (CHECKS[0], len(FAILURES)))
    return 1 if FAILURES or CHECKS[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
