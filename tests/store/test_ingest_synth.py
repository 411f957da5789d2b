#!/usr/bin/python3
"""Ingest of a `radnet synth` archive checked against its truth.csv: every
image catalogued with the right Modality, geometry, transfer syntax, UIDs and
raw BodyPartExamined; the SPEC 5 region agrees with the true region wherever
the synthetic BodyPartExamined is not deliberately wrong; non-DICOM files
counted; every report row joined (CSV by the first key, JSONL by ExamID
alone) and concatenated per exam in file order; thumbnails; --no-pixels.
usage: test_ingest_synth.py [small|tiny]   (synth's --size; default small;
tiny also checks every matrix side <= 64 and every cine <= 4 frames)
"""
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, failed, finish  # noqa: E402

N_FILES = 300
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def main():
    radnet = os.environ.get("RADNET_BIN")
    check(radnet and os.path.exists(radnet), "RADNET_BIN missing")
    if failed():
        return finish()
    tmp = tempfile.mkdtemp(prefix="rn_synth_ingest_")
    arch = os.path.join(tmp, "archive")
    r = run(radnet, "--quiet", "synth", "--out", arch, "-n", str(N_FILES), "--seed", "11",
            "--size", SIZE, "-j", "2")
    check(r.returncode == 0, "synth failed: %s" % r.stderr)
    if failed():
        return finish()
    truth = {row["SOPInstanceUID"]: row for row in csv.DictReader(open(os.path.join(arch, "truth.csv")))}
    all_rows = list(csv.DictReader(open(os.path.join(arch, "reports.csv"), encoding="utf-8")))
    exams = {t["ExamID"] for t in truth.values()}  # synth also writes orphan rows of no exam
    report_rows = [r for r in all_rows if r["ReportText"].strip() and r["ExamID"] in exams]
    on_disk = [os.path.join(d, f) for d, _, fs in os.walk(arch) for f in fs]

    ws = os.path.join(tmp, "ws")
    r = run(radnet, "--quiet", "ingest", arch, "-w", ws, "-j", "2", "--reports",
            os.path.join(arch, "reports.csv"))
    check(r.returncode == 0, "ingest exit %d: %s" % (r.returncode, r.stderr))
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    q = lambda sql, *a: db.execute(sql, a).fetchall()

    check(q("SELECT count(*) FROM files")[0][0] == len(on_disk), "files_seen == files on disk")
    check(q("SELECT count(*) FROM files WHERE status = 'notdicom'")[0][0] == len(on_disk) - len(truth),
          "non-DICOM files counted")
    check(len(truth) == N_FILES, "truth rows")
    sr = {k for k, t in truth.items() if t["Modality"] == "SR"}

    rows = q("SELECT i.sop_uid, i.modality, i.rows, i.columns, i.frames, i.transfer_syntax, "
             "i.body_part_raw, i.region, t.study_uid, s.series_uid, t.accession, f.path, "
             "i.thumb_index, i.drop_reason, i.window_source FROM images i "
             "JOIN files f ON f.id = i.file_id JOIN studies t ON t.id = i.study_id "
             "JOIN series s ON s.id = i.series_id")
    check(len(rows) == len(truth), "images %d vs truth %d" % (len(rows), len(truth)))
    agree = trusted = 0
    for (sop, mod, nr, nc, nf, ts, bp, region, st, se, acc, path, thumb, drop, win) in rows:
        t = truth.get(sop)
        check(t is not None, "%s not in truth" % sop)
        if t is None:
            continue
        check(path == os.path.realpath(os.path.join(arch, t["Path"])), "%s: path" % sop)
        check(mod == t["Modality"], "%s: Modality" % sop)
        if sop in sr:
            check(thumb is None and nr is None, "%s: SR has no pixels" % sop)
            continue
        check((nr, nc, nf) == (int(t["Rows"]), int(t["Columns"]), int(t["Frames"])), "%s: geometry" % sop)
        if SIZE == "tiny":
            check(max(nr, nc) <= 64 and nf <= 4, "%s: tiny geometry %dx%dx%d" % (sop, nr, nc, nf))
        check(ts == t["TransferSyntaxUID"], "%s: transfer syntax %s vs %s" % (sop, ts, t["TransferSyntaxUID"]))
        check((bp or "") == t["BodyPartExamined"], "%s: BodyPartExamined %r vs %r" % (sop, bp, t["BodyPartExamined"]))
        check((st, se) == (t["StudyInstanceUID"], t["SeriesInstanceUID"]), "%s: study/series" % sop)
        check(acc in (None, t["AccessionNumber"]), "%s: accession" % sop)  # synth blanks some
        check(thumb is not None and win in ("header", "robust"), "%s: thumbnail" % sop)
        if t["BodyPartStatus"] != "wrong":
            trusted += 1
            agree += region == t["Region"]
    print("region agrees with truth on %d of %d images with a trustworthy BodyPartExamined"
          % (agree, trusted), file=sys.stderr)
    check(trusted > 0 and agree >= 0.95 * trusted, "region agreement %d/%d" % (agree, trusted))

    # Reports: every row joined; per exam, rows concatenated in file order.
    study_of_exam = {t["ExamID"]: t["StudyInstanceUID"] for t in truth.values()}
    per_exam = {}
    for row in report_rows:  # some rows carry only ExamID and AccessionNumber
        per_exam.setdefault(study_of_exam[row["ExamID"]], []).append(row["ReportText"])
    check(q("SELECT count(*) FROM reports WHERE study_id IS NOT NULL AND file_id IS NULL")[0][0]
          == len(report_rows),
          "all %d report rows matched" % len(report_rows))
    for uid, texts in per_exam.items():
        got = q("SELECT sr.text FROM study_reports sr JOIN studies s ON s.id = sr.study_id "
                "WHERE s.study_uid = ?", uid)
        check(len(got) == 1 and got[0][0].startswith("\n".join(texts)), "study %s: report text" % uid)
    for sop in sr:  # SR text follows the file's rows of the same exam
        got = q("SELECT sr.text, r.text FROM study_reports sr JOIN images i ON i.study_id = sr.study_id "
                "JOIN reports r ON r.file_id = i.file_id WHERE i.sop_uid = ?", sop)
        check(len(got) == 1 and got[0][0].endswith("\n" + got[0][1]) and len(got[0][1]) > 10,
              "%s: SR text in study_reports" % sop)

    thumbs = np.load(os.path.join(ws, "thumbs.npy"))
    check(thumbs.shape == (len(truth) - len(sr), 128, 128), "thumbs shape %s" % (thumbs.shape,))
    check(all(thumbs[i].max() > 0 for i in range(len(thumbs))), "no blank thumbnail")

    # JSONL keyed by ExamID only, metadata-only ingest: same joins, no thumbnails.
    jsonl = os.path.join(tmp, "reports.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for row in report_rows:
            f.write(json.dumps({"ExamID": row["ExamID"], "text": row["ReportText"]}, ensure_ascii=False) + "\n")
    ws2 = os.path.join(tmp, "ws_meta")
    r = run(radnet, "--quiet", "ingest", arch, "-w", ws2, "-j", "2", "--no-pixels", "--reports", jsonl)
    check(r.returncode == 0, "metadata-only ingest exit %d: %s" % (r.returncode, r.stderr))
    db2 = sqlite3.connect(os.path.join(ws2, "catalog.sqlite"))
    q2 = lambda sql, *a: db2.execute(sql, a).fetchall()
    file_texts = ("SELECT s.study_uid, group_concat(r.text, char(10)) FROM (SELECT * FROM reports "
                  "WHERE file_id IS NULL AND study_id IS NOT NULL ORDER BY study_id, line) r "
                  "JOIN studies s ON s.id = r.study_id GROUP BY 1 ORDER BY 1")
    texts1, texts2 = q(file_texts), q2(file_texts)
    # Synth writes ScheduledProcedureStepID (= ExamID) into some studies only.
    with_exam = {u for (u,) in q2("SELECT study_uid FROM studies WHERE exam_id IS NOT NULL")}
    want2 = [(u, t) for u, t in texts1 if u in with_exam]
    check(len(with_exam) > 0 and texts2 == want2, "ExamID JSONL join == CSV join (%d studies)" % len(with_exam))
    check(q2("SELECT count(*), sum(has_pixels), count(thumb_index) FROM images")[0] == (len(truth), len(truth) - len(sr), 0),
          "metadata-only: every image, no thumbnails")
    meta1 = q("SELECT sop_uid, modality, region, rows, columns FROM images ORDER BY 1")
    meta2 = q2("SELECT sop_uid, modality, region, rows, columns FROM images ORDER BY 1")
    check(meta1 == meta2, "metadata-only catalogue == full catalogue")
    e1 = q("SELECT i.sop_uid, e.json FROM elements e JOIN images i ON i.id = e.image_id ORDER BY 1")
    e2 = q2("SELECT i.sop_uid, e.json FROM elements e JOIN images i ON i.id = e.image_id ORDER BY 1")
    check(e1 == e2, "elements identical with and without pixels")

    # The rule table is data: a custom one changes the regions.
    rules = os.path.join(tmp, "regions.tsv")
    with open(rules, "w") as f:
        f.write("# test table\nrename\tABDOM\tTUMMY\nrule\tBRAINISH\tglav|head\t''\nfinal\tCR\tTUMMY\tCR-TUMMY\n")
    ws3 = os.path.join(tmp, "ws_rules")
    r = run(radnet, "--quiet", "ingest", arch, "-w", ws3, "--no-pixels", "--regions", rules)
    check(r.returncode == 0, "custom regions ingest: %s" % r.stderr)
    db3 = sqlite3.connect(os.path.join(ws3, "catalog.sqlite"))
    for bp, mod, region in db3.execute("SELECT coalesce(body_part_raw, ''), modality, region FROM images"):
        want = {"ABDOM": "CR-TUMMY" if mod == "CR" else "TUMMY"}.get(bp, bp)
        if bp == "" and region == "BRAINISH":
            continue
        check(region == want, "custom rules: %r/%s -> %r, want %r" % (bp, mod, region, want))
    check(db3.execute("SELECT count(*) FROM images WHERE region = 'BRAINISH'").fetchone()[0] > 0,
          "custom rule applied")
    bad = os.path.join(tmp, "bad.tsv")
    open(bad, "w").write("rule\tX\t(unclosed\t''\n")
    r = run(radnet, "--quiet", "ingest", arch, "-w", os.path.join(tmp, "ws_bad"), "--regions", bad)
    check(r.returncode == 2 and "bad regex" in r.stderr, "bad rule table refused: %d %s" % (r.returncode, r.stderr))

    s = json.loads(run(radnet, "stats", "-w", ws, "--json").stdout)
    check(s["images"] == len(truth) - len(sr) and s["quarantined"] == 0 and s["duplicates"] == 0,
          "stats images/quarantined/duplicates")
    mods = {}
    for t in truth.values():
        if t["Modality"] != "SR":
            mods[t["Modality"]] = mods.get(t["Modality"], 0) + 1
    check(s["by_modality"] == mods, "stats by_modality %s vs %s" % (s["by_modality"], mods))
    check(s["reports_matched"] == len(report_rows) + len(sr), "stats reports_matched")
    check(s["report_rows_skipped"] == sum(not r["ReportText"].strip() for r in all_rows),
          "stats report_rows_skipped")
    if not failed():
        subprocess.run(["rm", "-rf", tmp])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
