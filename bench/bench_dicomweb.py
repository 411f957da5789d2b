#!/usr/bin/python3
"""Per-instance ingest cost over DICOMweb against the same files from disk,
same run: a `radnet synth` archive is loaded into a private Orthanc (Debian
orthanc + orthanc-dicomweb, loopback in its own network and PID namespace,
as in tests/dicomweb/test_orthanc.py), then ingested RUNS times each way,
alternating, into fresh workspaces:

  disk    radnet ingest DIR -w WS -j J  (DIR: links to the files Orthanc stored)
  web     radnet ingest dicomweb+http://127.0.0.1:8042/dicom-web -w WS -j J
          --parallel P
  rerun   the web ingest again on its finished workspace (QIDO listing and
          one catalogue lookup per instance, nothing fetched)

Reported per instance (medians): radnet CPU (user+sys of the process),
Orthanc CPU (utime+stime of the server over the ingest), wall time, and the
ratios web/disk. CPU is the figure to quote on a loaded machine.

usage: bench/bench_dicomweb.py RADNET N [RUNS] [SIZE] [J] [P]
       (SIZE small|full, default small; J 2; P 4)
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PORT = 8042
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def cpu_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(args):
    t = time.time()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    if p.returncode not in (0, 3):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), p.returncode, err))
    return time.time() - t, ru.ru_utime + ru.ru_stime


def start_orthanc(tmp):
    conf = {"Name": "bench", "StorageDirectory": os.path.join(tmp, "db"),
            "IndexDirectory": os.path.join(tmp, "db"), "HttpPort": PORT,
            "DicomServerEnabled": False, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "Plugins": [PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "StorageCompression": False}
    path = os.path.join(tmp, "orthanc.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    p = subprocess.Popen(["Orthanc", path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return p
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("Orthanc did not start")


def post(path):
    with open(path, "rb") as f:
        req = urllib.request.Request("http://127.0.0.1:%d/instances" % PORT, data=f.read(),
                                     method="POST")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read()).get("Status")
    except urllib.error.HTTPError:
        return None  # refused by Orthanc: left out of both sides


def inside(radnet, n, runs, size, jobs, parallel, tmp):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    arch = os.path.join(tmp, "arch")
    subprocess.run([radnet, "--quiet", "synth", "--out", arch, "-n", str(n), "--seed", "3",
                    "--size", size, "-j", str(jobs)], check=True)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(arch, "dicom"))
                   for f in fs)
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    orthanc = start_orthanc(tmp)
    try:
        with ThreadPoolExecutor(4) as ex:
            status = list(ex.map(post, files))
        # the disk side reads exactly the files the server holds
        disk = os.path.join(tmp, "disk")
        os.makedirs(disk)
        stored = 0
        for path, st in zip(files, status):
            if st == "Success":
                os.symlink(path, os.path.join(disk, "%07d" % stored))
                stored += 1
        url = "dicomweb+http://127.0.0.1:%d/dicom-web" % PORT
        rows = {"disk": [], "web": [], "rerun": []}
        for r in range(runs):
            for kind in (("disk", "web") if r % 2 == 0 else ("web", "disk")):
                ws = os.path.join(tmp, "ws-%s-%d" % (kind, r))
                src = disk if kind == "disk" else url
                extra = ["--parallel", str(parallel)] if kind == "web" else []
                c0 = cpu_of(orthanc.pid)
                wall, cpu = timed([radnet, "--quiet", "ingest", src, "-w", ws, "-j", str(jobs)]
                                  + extra)
                rows[kind].append((wall, cpu, cpu_of(orthanc.pid) - c0))
                if kind == "web":
                    c0 = cpu_of(orthanc.pid)
                    wall, cpu = timed([radnet, "--quiet", "ingest", url, "-w", ws])
                    rows["rerun"].append((wall, cpu, cpu_of(orthanc.pid) - c0))
                shutil.rmtree(ws)
    finally:
        orthanc.kill()
        orthanc.wait()
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in rows.items()}
    print("%d files (%.0f MB, --size %s), %d stored by Orthanc; -j %d, --parallel %d, %d runs, "
          "load average %.1f" % (len(files), mb, size, stored, jobs, parallel, runs,
                                 os.getloadavg()[0]))
    print()
    print("| ingest | radnet CPU ms/instance | Orthanc CPU ms/instance | wall ms/instance |")
    print("|---|---|---|---|")
    for k in ("disk", "web", "rerun"):
        wall, cpu, server = med[k]
        print("| %s | %.2f | %.2f | %.2f |" % (k, 1e3 * cpu / stored, 1e3 * server / stored,
                                               1e3 * wall / stored))
    d, w = med["disk"], med["web"]
    print()
    print("web/disk: radnet CPU %.2f×, radnet + Orthanc CPU %.2f×, wall %.2f×" %
          (w[1] / d[1], (w[1] + w[2]) / d[1], w[0] / d[0]))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        a = sys.argv[2:]
        inside(a[0], int(a[1]), int(a[2]), a[3], int(a[4]), int(a[5]), a[6])
        return 0
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 1
    radnet = os.path.abspath(sys.argv[1])
    n = sys.argv[2]
    runs = sys.argv[3] if len(sys.argv) > 3 else "3"
    size = sys.argv[4] if len(sys.argv) > 4 else "small"
    jobs = sys.argv[5] if len(sys.argv) > 5 else "2"
    parallel = sys.argv[6] if len(sys.argv) > 6 else "4"
    tmp = tempfile.mkdtemp(prefix="rn_bench_dicomweb_", dir=os.environ.get("TMPDIR"))
    try:
        return subprocess.run(["unshare", "-n", "-p", "-f", "--mount-proc", "--kill-child",
                               sys.executable,
                               os.path.abspath(__file__), "--inside", radnet, n, runs, size,
                               jobs, parallel, tmp]).returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
