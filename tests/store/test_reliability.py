#!/usr/bin/python3
"""Reliability of the workspace under the attacks of issue 7. Each case
failed before the fix:

1. concurrent ingests (two and three, staggered, --wait) leave the workspace
   equal to the same ingests run one after another: thumbnails by SOP UID,
   reports by study; a second writer without --wait is refused with a clear
   message while readers (stats) work beside the writer;
2. a report's study does not depend on the order of ingests (ExamIDs repeat
   across sources; the study its StudyInstanceUID names arrives later);
3. replacing one of two identical files keeps the image the other holds;
4. a file quarantined for an I/O error is read again on the next run;
5. a UTF-8 reports file with a Latin-2 row is decoded row by row; an
   unclosed quote is refused with its line; the same file under a new name
   adds nothing;
6. linked folders are followed, a link loop is reported, not followed; an
   object without SOPInstanceUID is quarantined, not catalogued;
7. stats reads a read-only workspace; ingest into it, or onto a full disk,
   fails naming the workspace file (no SQL text), and a rerun with room
   finishes the job.
"""
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
import pydicom

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, failed, finish  # noqa: E402


def run(*args):
    return subprocess.run([BIN, "--quiet"] + list(args), capture_output=True, text=True)


def start(*args):
    return subprocess.Popen([BIN, "--quiet"] + list(args), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def ingest(ws, *args):
    r = run("ingest", *args, "-w", ws, "-j", "1")
    check(r.returncode in (0, 3), "ingest %s: exit %d: %s" % (args, r.returncode, r.stderr))
    return r


def query(ws, sql, *params):
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    rows = db.execute(sql, params).fetchall()
    db.close()
    return rows


def state(ws):
    """What the stages see: each image's thumbnail by SOP UID, and each
    study's report rows."""
    thumbs = np.load(os.path.join(ws, "thumbs.npy"), mmap_mode="r")
    images = {}
    for sop, idx, drop in query(ws, "SELECT sop_uid, thumb_index, drop_reason FROM images"):
        if idx is None or idx >= thumbs.shape[0]:
            digest = None if idx is None else "row %d past the end of thumbs.npy" % idx
        else:
            digest = hashlib.sha1(bytes(thumbs[idx])).hexdigest()
        images[sop] = (digest, drop)
    reports = {}
    for uid, text in query(ws, "SELECT s.study_uid, r.text FROM reports r "
                               "LEFT JOIN studies s ON s.id = r.study_id"):
        reports.setdefault(uid, []).append(text)
    return images, {k: sorted(v) for k, v in reports.items()}


def same_state(a, b, what):
    ia, ra = a
    ib, rb = b
    check(len(ia) > 0, "%s: images catalogued" % what)
    check(ia == ib, "%s: thumbnails by SOP UID differ (%d vs %d images, %d differ)" %
          (what, len(ia), len(ib), sum(1 for k in ia if ia.get(k) != ib.get(k))))
    check(ra == rb, "%s: reports by study differ (%d vs %d studies)" % (what, len(ra), len(rb)))


def synth(out, seed):
    r = run("synth", "--out", out, "-n", "150", "--seed", str(seed), "--size", "small",
            "-j", "1")
    check(r.returncode == 0, "synth: %s" % r.stderr)


# ---- 1. one writer at a time; readers beside it ---------------------------

def test_concurrent(tmp, a, b):
    refs = {}
    for srcs in ((a,), (a, b)):
        ref = os.path.join(tmp, "ref" if len(srcs) == 2 else "ref_a")
        for src in srcs:
            ingest(ref, src, "--reports", os.path.join(src, "reports.csv"))
        refs[srcs] = state(ref)
    # (sources in start order, seconds between starts): at once, staggered,
    # the same source twice at once.
    cases = [((a, b), 0.0), ((a, b, a), 0.1), ((a, b), 0.3), ((a, a), 0.0)]
    for n, (jobs, stagger) in enumerate(cases):
        ws = os.path.join(tmp, "concurrent%d" % n)
        what = "%d ingests %.1f s apart%s" % (len(jobs), stagger,
                                              " (same source)" if len(set(jobs)) == 1 else "")
        procs = []
        for src in jobs:
            # A commit per file: many commits, so unlocked writers interleave.
            procs.append(start("ingest", src, "-w", ws, "-j", "1", "--wait", "300",
                               "--batch", "1", "--reports", os.path.join(src, "reports.csv")))
            time.sleep(stagger)
        for p in procs:
            err = p.communicate()[1]
            check(p.returncode in (0, 3), "%s: exit %d: %s" % (what, p.returncode, err))
        same_state(state(ws), refs[tuple(sorted(set(jobs)))], what)
        # The catalogue agrees with thumbs.npy: every row it names exists.
        rows = np.load(os.path.join(ws, "thumbs.npy"), mmap_mode="r").shape[0]
        top = query(ws, "SELECT coalesce(max(thumb_index), -1) FROM images")[0][0]
        committed = int(query(ws, "SELECT value FROM meta WHERE key = 'thumbs_committed'")[0][0])
        check(top < rows and committed == rows, "thumbs.npy rows %d, catalogue %d/%d" %
              (rows, top, committed))
        dup_rows = query(ws, "SELECT count(*) FROM (SELECT thumb_index FROM images WHERE "
                             "thumb_index IS NOT NULL GROUP BY 1 HAVING count(*) > 1)")[0][0]
        check(dup_rows == 0, "%d thumbnail rows shared by several images" % dup_rows)


def test_lock_refusal(tmp, a):
    ws = os.path.join(tmp, "locked")
    ingest(ws, a)
    with open(os.path.join(ws, "writer.lock"), "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # another writer holds the workspace
        r = run("ingest", a, "-w", ws, "-j", "1")
        check(r.returncode == 2 and "another radnet process" in r.stderr and ws in r.stderr,
              "second writer refused clearly: %d %s" % (r.returncode, r.stderr))
        r = run("ingest", a, "-w", ws, "-j", "1", "--wait", "1")
        check(r.returncode == 2, "second writer gives up after --wait: %d" % r.returncode)
        r = run("stats", "-w", ws, "--json")
        check(r.returncode == 0 and '"images"' in r.stdout, "stats beside a writer: %s" % r.stderr)
        fcntl.flock(f, fcntl.LOCK_UN)
    r = run("ingest", a, "-w", ws, "-j", "1")
    check(r.returncode in (0, 3), "writer after the lock is free: %s" % r.stderr)


# ---- 2. report joins do not depend on the order of ingests ---------------

def test_report_join_order(tmp, a, b):
    reports = os.path.join(a, "reports.csv")
    first = os.path.join(tmp, "join_a_first")
    ingest(first, a, "--reports", reports)
    ingest(first, b)
    later = os.path.join(tmp, "join_b_first")
    ingest(later, b, "--reports", reports)  # A's reports, A's studies not there yet
    ingest(later, a)
    want, got = state(first)[1], state(later)[1]
    check(got == want, "reports by study depend on the ingest order (%d vs %d studies)" %
          (len(got), len(want)))
    on_b = query(later, "SELECT count(*) FROM reports r WHERE r.source_id IS NOT NULL AND "
                        "r.study_id IN (SELECT i.study_id FROM images i JOIN files f "
                        "ON f.id = i.file_id WHERE f.path LIKE ?)", os.path.realpath(b) + "/%")
    check(on_b == [(0,)], "A's reports sit on B's studies: %s" % on_b)


# ---- 3. a replaced file does not take the image another file holds ------

def dicom_files(src):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs
                  if f.endswith(".dcm"))


def test_duplicate_promotion(tmp, a):
    files = dicom_files(a)
    x, y = files[0], files[1]
    d = os.path.join(tmp, "dups")
    os.makedirs(d)
    shutil.copy(x, os.path.join(d, "a"))
    shutil.copy(x, os.path.join(d, "b"))
    ws = os.path.join(tmp, "dups_ws")
    ingest(ws, d)
    shutil.copy(y, os.path.join(d, "a"))
    t = time.time() + 10
    os.utime(os.path.join(d, "a"), (t, t))
    ingest(ws, d)
    fresh = os.path.join(tmp, "dups_fresh")
    ingest(fresh, d)
    same_state(state(ws), state(fresh), "after replacing one of two copies")
    holder = query(ws, "SELECT f.path FROM images i JOIN files f ON f.id = i.file_id "
                       "WHERE i.sop_uid = ?", str(pydicom.dcmread(x).SOPInstanceUID))
    check(len(holder) == 1 and holder[0][0].endswith("/dups/b"), "the copy holds X: %s" % holder)


# ---- 4. transient quarantine is retried -----------------------------------

def test_transient_retry(tmp, a):
    d = os.path.join(tmp, "transient")
    os.makedirs(d)
    shutil.copy(dicom_files(a)[2], os.path.join(d, "x.dcm"))
    with open(os.path.join(d, "broken.dcm"), "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\xff")
    ws = os.path.join(tmp, "transient_ws")
    ingest(ws, d)
    # As if the first read had failed with EIO: the file is quarantined (io).
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    fid, = db.execute("SELECT id FROM files WHERE path LIKE '%/x.dcm'").fetchone()
    db.execute("DELETE FROM elements WHERE image_id IN (SELECT id FROM images WHERE file_id = ?)",
               (fid,))
    db.execute("DELETE FROM images WHERE file_id = ?", (fid,))
    db.execute("UPDATE files SET status = 'quarantined', image_id = NULL WHERE id = ?", (fid,))
    db.execute("INSERT INTO quarantine(file_id, path, stage, code, reason) "
               "VALUES(?, 'x', 'read', 'io', 'cannot read: Input/output error')", (fid,))
    db.commit()
    db.close()
    ingest(ws, d)
    status = query(ws, "SELECT status FROM files WHERE id IN (SELECT max(id) FROM files "
                       "WHERE path LIKE '%/x.dcm')")
    check(status == [("image",)], "transient quarantine retried: %s" % status)
    q = query(ws, "SELECT f.path, q.code FROM quarantine q JOIN files f ON f.id = q.file_id")
    check(len(q) == 1 and q[0][0].endswith("broken.dcm") and q[0][1] != "io",
          "a broken file stays quarantined, the retried one is clean: %s" % q)


# ---- 5. report files: encodings, quotes, the same file twice -------------

def test_report_files(tmp, a):
    uids = [u for (u,) in query(os.path.join(tmp, "ref"), "SELECT study_uid FROM studies "
                                                          "ORDER BY study_uid LIMIT 6")]
    rows = ["StudyInstanceUID,ReportText\n".encode()]
    for i, u in enumerate(uids):
        text = "Zaključak: uredan nalaz %d. Šećer; đak; žaba.\n" % i
        enc = "iso-8859-2" if i == 3 else "utf-8"
        rows.append(("%s,%s" % (u, text)).encode(enc))
    mixed = os.path.join(tmp, "mixed.csv")
    with open(mixed, "wb") as f:
        f.write(b"".join(rows))
    ws = os.path.join(tmp, "reports_ws")
    ingest(ws, a, "--reports", mixed)
    texts = [t for (t,) in query(ws, "SELECT text FROM reports WHERE source_id IS NOT NULL "
                                     "ORDER BY line")]
    check(len(texts) == len(uids), "every report row: %d" % len(texts))
    good = [t for t in texts if t.startswith("Zaključak") and "Šećer; đak; žaba" in t]
    check(len(good) == len(uids), "rows decoded one by one: %s" % texts)
    # The same content under another name adds nothing.
    renamed = os.path.join(tmp, "mixed-copy.csv")
    shutil.copy(mixed, renamed)
    r = ingest(ws, a, "--reports", renamed)
    n = query(ws, "SELECT count(*) FROM reports WHERE source_id IS NOT NULL")[0][0]
    check(n == len(uids), "the same file under a new name doubles the reports: %d" % n)
    check("same content" in r.stderr, "the user is told: %s" % r.stderr)
    # A quote never closed: refused with its line.
    broken = os.path.join(tmp, "quote.csv")
    with open(broken, "w", encoding="utf-8") as f:
        f.write("StudyInstanceUID,ReportText\n%s,fine\n%s,\"never closed\n%s,swallowed\n" %
                (uids[0], uids[1], uids[2]))
    r = run("ingest", a, "-w", ws, "-j", "1", "--reports", broken)
    check(r.returncode == 2 and "line 3" in r.stderr and "quote" in r.stderr,
          "unclosed quote named with its line: %d %s" % (r.returncode, r.stderr))


# ---- 6. links, objects without identity -----------------------------------

def test_links_and_identity(tmp, a):
    src = os.path.join(tmp, "links")
    outside = os.path.join(tmp, "outside")
    os.makedirs(src)
    os.makedirs(outside)
    files = dicom_files(a)
    shutil.copy(files[3], os.path.join(outside, "linked.dcm"))
    shutil.copy(files[4], os.path.join(src, "plain.dcm"))
    os.symlink(outside, os.path.join(src, "to_outside"))
    os.symlink(src, os.path.join(src, "loop"))
    ds = pydicom.dcmread(files[5])
    del ds.SOPInstanceUID
    ds.save_as(os.path.join(src, "no_uid.dcm"))
    ws = os.path.join(tmp, "links_ws")
    r = ingest(ws, src)
    paths = {os.path.basename(p): s for p, s in query(ws, "SELECT path, status FROM files")}
    check(paths.get("linked.dcm") == "image", "linked folder followed: %s" % paths)
    check("lead back" in r.stderr, "the loop is reported: %s" % r.stderr)
    check(paths.get("no_uid.dcm") == "quarantined", "no SOP UID quarantined: %s" % paths)
    reason = query(ws, "SELECT reason FROM quarantine")
    check(any("SOPInstanceUID" in x for (x,) in reason), "reason names the tag: %s" % reason)
    check(query(ws, "SELECT count(*) FROM images WHERE sop_uid IS NULL")[0][0] == 0,
          "no image without SOP UID")


# ---- 7. a read-only workspace, a full disk -------------------------------

def as_other_user():
    """Drops root (which ignores permissions) to nobody in the child."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)


def set_tree_writable(root, writable):
    for d, _, fs in os.walk(root):
        os.chmod(d, 0o755 if writable else 0o555)
        for f in fs:
            os.chmod(os.path.join(d, f), 0o644 if writable else 0o444)


def test_read_only(tmp, a):
    ws = os.path.join(tmp, "readonly")
    ingest(ws, a)
    os.chmod(tmp, 0o755)
    # nobody may not reach the build tree (a clone under a 0700 folder): a copy it can run
    bin_ = os.path.join(tmp, "radnet-ro")
    shutil.copy2(BIN, bin_)
    os.chmod(bin_, 0o755)
    set_tree_writable(ws, False)
    try:
        r = subprocess.run([bin_, "stats", "-w", ws], capture_output=True, text=True,
                           preexec_fn=as_other_user)
        check(r.returncode == 0 and "images" in r.stdout,
              "stats on a read-only workspace: %d %s" % (r.returncode, r.stderr))
        r = subprocess.run([bin_, "--quiet", "ingest", a, "-w", ws, "-j", "1"],
                           capture_output=True, text=True, preexec_fn=as_other_user)
        check(r.returncode == 2 and ws in r.stderr and "read-only" in r.stderr,
              "ingest into a read-only workspace names it: %d %s" % (r.returncode, r.stderr))
    finally:
        set_tree_writable(ws, True)


def test_full_disk(tmp, a):
    ws = os.path.join(tmp, "full")

    def small_files():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300000, 300000))

    r = subprocess.run([BIN, "--quiet", "ingest", a, "-w", ws, "-j", "1"],
                       capture_output=True, text=True, preexec_fn=small_files)
    check(r.returncode == 2 and ws in r.stderr and not any(
        k in r.stderr for k in ("INSERT", "SELECT", "UPDATE", "COMMIT")),
        "a full disk names the workspace file, no SQL: %d %s" % (r.returncode, r.stderr))
    ingest(ws, a)  # with room again, the rerun finishes the job
    fresh = os.path.join(tmp, "full_fresh")
    ingest(fresh, a)
    same_state(state(ws), state(fresh), "rerun after a full disk")


def main():
    check(os.path.exists(BIN), "RADNET_BIN missing")
    if failed():
        return finish()
    tmp = tempfile.mkdtemp(prefix="rn_reliability_")
    a, b = os.path.join(tmp, "A"), os.path.join(tmp, "B")
    synth(a, 1)
    synth(b, 2)
    if not failed():
        test_concurrent(tmp, a, b)
        test_lock_refusal(tmp, a)
        test_report_join_order(tmp, a, b)
        test_duplicate_promotion(tmp, a)
        test_transient_retry(tmp, a)
        test_report_files(tmp, a)
        test_links_and_identity(tmp, a)
        test_read_only(tmp, a)
        test_full_disk(tmp, a)
    if not failed():
        shutil.rmtree(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
