#!/usr/bin/python3
"""Damage a `radnet synth` archive the way real archives are damaged, for the
held-out stress archives of bench/fusion_prep.sh (deterministic for a seed).

  --drop-reports P  remove the reports of a fraction P of the exams from
                    DIR/reports.csv (the exams chosen by a hash of ExamID)
  --codes F         in a fraction F of the *studies* (chosen by a hash of
                    StudyInstanceUID), replace every descriptive tag
                    (StudyDescription, SeriesDescription, ProtocolName,
                    RequestedProcedureDescription, PerformedProcedureStep-
                    Description, also inside sequences) by a vendor-style
                    code with no anatomy word ("CT1034", "PROT 7", "SE 3"),
                    as many hospitals' protocol names are
BodyPartExamined is erased by the caller (dcmodify -ea "(0018,0015)").
The recoded files are rewritten by pydicom: in the few whose text synth
wrote in a broken character set, pydicom's replacement characters replace
the bytes it could not decode (it warns); no other file is touched.
usage: fusion_degrade.py DIR SEED [--drop-reports P] [--codes F]"""
import csv, hashlib, os, sys
import pydicom

CODE_TAGS = {
    0x00081030: "study",      # StudyDescription
    0x0008103E: "series",     # SeriesDescription
    0x00181030: "protocol",   # ProtocolName
    0x00321060: "study",      # RequestedProcedureDescription
    0x00400254: "series",     # PerformedProcedureStepDescription
}


def unit(seed, key):
    """A uniform number in [0, 1) from (seed, key): the same choice on every run."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def read_synth_file(path):
    """The data set of one archive file, None for the files synth writes
    without a preamble or broken on purpose that pydicom cannot read."""
    try:
        ds = pydicom.dcmread(path, force=True)
        ds.get("StudyInstanceUID")
        return ds
    except Exception:
        return None


def code_for(kind, seed, study, series, modality):
    n = int(unit(seed, f"n:{study}:{series if kind != 'study' else ''}") * 9000) + 1000
    if kind == "study":
        return f"{modality}{n}"
    if kind == "protocol":
        return f"PROT {n % 23 + 1}"
    return f"SE {n % 9 + 1}"


def recode(ds, seed, study, series, modality):
    changed = 0
    for elem in ds.iterall():
        kind = CODE_TAGS.get(int(elem.tag))
        if kind and elem.value not in (None, ""):
            elem.value = code_for(kind, seed, study, series, modality)
            changed += 1
    return changed


def codes(root, seed, frac):
    studies, files, tags, unread = set(), 0, 0, 0
    for base, _, names in os.walk(os.path.join(root, "dicom")):
        for name in sorted(names):
            path = os.path.join(base, name)
            ds = read_synth_file(path)
            if ds is None:
                unread += 1
                continue
            study = str(ds.get("StudyInstanceUID", ""))
            if unit(seed, "codes:" + study) >= frac:
                continue
            series = str(ds.get("SeriesInstanceUID", ""))
            tags += recode(ds, seed, study, series, str(ds.get("Modality", "")))
            ds.save_as(path)
            studies.add(study)
            files += 1
    print(f"codes: {len(studies)} studies, {files} files, {tags} tags recoded ({unread} files unreadable, left)")


def drop_reports(root, seed, frac):
    path = os.path.join(root, "reports.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    keep = [r for r in body if unit(seed, "report:" + r[0]) >= frac]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([head] + keep)
    print(f"reports: {len(keep)} of {len(body)} kept")


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    root, seed, rest = args[0], int(args[1]), args[2:]
    opts = dict(zip(rest[::2], rest[1::2]))
    unknown = set(opts) - {"--drop-reports", "--codes"}
    if unknown or len(rest) % 2:
        sys.exit(__doc__)
    if "--codes" in opts:
        codes(root, seed, float(opts["--codes"]))
    if "--drop-reports" in opts:
        drop_reports(root, seed, float(opts["--drop-reports"]))


if __name__ == "__main__":
    main()
