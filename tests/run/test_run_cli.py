#!/usr/bin/python3
"""radnet run, export, names import and assign on a small synthetic archive:
the structure of every output, a rerun that changes nothing, resume after
kill -9 in each step (same labels as an uninterrupted run), assign on
held-out files and on a noise image, and no identifiers in exports."""
import csv, glob, hashlib, io, json, os, shutil, signal, subprocess, sys, tempfile

import numpy as np

RADNET = os.environ["RADNET_BIN"]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args, ok=True):
    p = subprocess.run([RADNET, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
        raise SystemExit(f"radnet {' '.join(args)} failed")
    return p


K = "12"
RESULTS = ["run/labels.csv", "run/clusters.csv", "run/evaluation.json",
           "models/cluster.rnc", "embeddings/fused.npy", "models/fusion.model", "labels.csv",
           "report/index.html"]


def digests(ws):
    return {n: hashlib.sha256(open(f"{ws}/{n}", "rb").read()).hexdigest() for n in RESULTS}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check_outputs(ws, arch):
    rows = read_csv(f"{ws}/embeddings/rows.csv")
    n = len(rows)
    labels = read_csv(f"{ws}/run/labels.csv")
    check(len(labels) == n and [int(r["row"]) for r in labels] == list(range(n)),
          "labels.csv: one line per rows.csv row, in order")
    cl = [int(r["cluster"]) for r in labels]
    check(set(cl) <= set(range(int(K))) and len(set(cl)) == int(K), f"clusters {set(cl)}")
    check(all(float(r["distance"]) >= 0 for r in labels), "distances >= 0")
    check(all(-1 <= float(r["silhouette"]) <= 1 for r in labels), "silhouettes in [-1, 1]")
    clusters = read_csv(f"{ws}/run/clusters.csv")
    check(len(clusters) == int(K), "clusters.csv: one line per cluster")
    check(sum(int(c["size"]) for c in clusters) == n, "cluster sizes add up")
    for c in clusters:
        members = [r for r in labels if int(r["cluster"]) == int(c["cluster"])]
        check(len(members) == int(c["size"]), "cluster size = its labels")
        over = [r for r in members if float(r["distance"]) > float(c["threshold"])]
        check(all(r["outlier"] == "1" for r in over) and
              sum(r["outlier"] == "1" for r in members) == len(over),
              "outlier = distance above the cluster's threshold")
    ev = json.load(open(f"{ws}/run/evaluation.json"))
    check(ev["k"] == int(K) and ev["rows"] == n, "evaluation k and rows")
    m = ev["modality"]
    check(0 < m["normalized_mutual_info_score"] <= 1 if "normalized_mutual_info_score" in m
          else 0 < ev["summary"]["nmi_modality"] <= 1, "NMI vs Modality")
    check(m["seed_stability"]["labelings"] == 3, "seed stability over 3 seeds")
    check(ev["baseline"]["input"].startswith("image-"), "baseline is the image input alone")
    x = np.load(f"{ws}/embeddings/fused.npy")
    check(x.shape[0] == n and np.isfinite(x).all(), "fused rows")
    check(os.path.getsize(f"{ws}/report/index.html") > 0 and
          len(glob.glob(f"{ws}/report/cluster-*.html")) == int(K), "report pages")
    export = read_csv(f"{ws}/labels.csv")
    check(len(export) == n, "WS/labels.csv: every image")
    check(list(export[0].keys()) == ["id", "ExamID", "Modality", "BodyPartExamined",
                                     "Cluster", "region", "distance", "silhouette",
                                     "outlier", "name"], "export columns")
    by_id = {e["id"]: e for e in export}
    check(len(by_id) == n and all(len(i) == 16 for i in by_id), "ids are 16-hex pseudonyms")


def run_killed_at(ws, arch, line):
    """Starts radnet run, kills it with SIGKILL once stderr shows `line`."""
    p = subprocess.Popen([RADNET, "run", f"{arch}/dicom", "--reports", f"{arch}/reports.csv",
                          "-w", ws, "-k", K, "-j", "2"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    killed = False
    for l in p.stderr:
        if l.startswith(line):
            p.send_signal(signal.SIGKILL)
            killed = True
            break
    p.wait()
    return killed


# See the KNOWN GAP in main(): centre distance does not flag a noise image.
NOISE_OUTLIER_GAP = True


def noise_image(path):
    import pydicom
    from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.PatientName, ds.PatientID = "OT", "Noise^Test", "NOISE1"
    ds.StudyDescription = "scanned document"
    ds.ConversionType = "WSD"
    rng = np.random.default_rng(7)
    px = rng.integers(0, 256, (256, 256), dtype=np.uint8)
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 256, 256, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = px.tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


def identifiers(arch):
    """Patient names / IDs and SOP UIDs of the archive (pydicom)."""
    import pydicom
    out = set()
    for f in glob.glob(f"{arch}/dicom/**/*", recursive=True):
        if os.path.isfile(f):
            try:
                ds = pydicom.dcmread(f, stop_before_pixels=True)
            except Exception:
                continue
            for k in ("SOPInstanceUID", "PatientID", "PatientName", "AccessionNumber"):
                v = str(ds.get(k, "") or "")
                if len(v) >= 4:
                    out.add(v)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="rn_run_")
    try:
        arch = f"{tmp}/arch"
        run("synth", "--out", arch, "-n", "160", "--seed", "11", "--size", "small", "--quiet")
        # hold out one image of several series (another folder) for assign;
        # its series mates stay in the run
        held = f"{tmp}/held"
        os.makedirs(held)
        mates = {}
        series = sorted(d for d in glob.glob(f"{arch}/dicom/*/*/*") if os.path.isdir(d))
        for d in series:
            files = sorted(os.listdir(d))
            if len(files) >= 3 and len(mates) < 8:
                shutil.move(f"{d}/{files[-1]}", f"{held}/{len(mates)}_{files[-1]}")
                mates[f"{held}/{len(mates)}_{files[-1]}"] = [f"{d}/{f}" for f in files[:-1]]
        ref = f"{tmp}/ref"
        args = [f"{arch}/dicom", "--reports", f"{arch}/reports.csv", "-w", ref, "-k", K, "-j", "2"]
        p = run("run", *args)
        check("images in 12 clusters" in p.stdout and "Written:" in p.stdout, p.stdout)
        check(max(len(l) for l in p.stdout.splitlines()) <= 80, "summary fits 80 columns")
        check_outputs(ref, arch)

        # a rerun does nothing: every artifact unchanged
        before = digests(ref)
        p = run("run", *args)
        check("everything was up to date" in p.stdout, "rerun: " + p.stdout)
        check(digests(ref) == before, "rerun leaves every output byte-identical")
        # a changed k redoes cluster and evaluate only
        p = run("run", *args[:-4], "-k", "5", "-j", "2")
        check("Steps redone: cluster evaluate report\n" in p.stdout, "-k 5: " + p.stdout)
        run("run", *args)
        check(digests(ref) == before, "back to k 12: the same outputs")

        # resume after kill -9 in each step gives the uninterrupted labels
        for line in ("embed:", "fuse:", "cluster: k-means", "evaluate: metrics",
                     "report:", "export:"):
            ws = f"{tmp}/kill"
            shutil.rmtree(ws, ignore_errors=True)
            run_killed_at(ws, arch, line)
            run("run", *[a if a != ref else ws for a in args])
            after = digests(ws)
            check(after["run/labels.csv"] == before["run/labels.csv"] and
                  after["run/clusters.csv"] == before["run/clusters.csv"],
                  f"killed at '{line}': same labels as an uninterrupted run")

        # names: imported, shown by export, escaped
        names = f"{tmp}/names.csv"
        with open(names, "w", encoding="utf-8") as f:
            f.write('cluster,name\n0,"Head CT, axial"\n1,<script>x</script>\n')
        run("names", "import", "-w", ref, names)
        out = f"{tmp}/export.csv"
        run("export", "-w", ref, "--out", out)
        ex = read_csv(out)
        check({e["name"] for e in ex if e["Cluster"] == "0"} == {"Head CT, axial"},
              "name with a comma survives CSV")
        check(run("names", "import", "-w", ref, f"{arch}/truth.csv", ok=False).returncode != 0,
              "a file that is not cluster,name is refused")
        jout = f"{tmp}/export.json"
        run("export", "-w", ref, "--out", jout, "--json")
        js = json.load(open(jout))
        check(len(js) == len(ex) and js[0]["id"] == ex[0]["id"], "JSON export = CSV export")

        # privacy: no SOP UIDs, patient names or IDs unless --reveal-uids
        ids = identifiers(arch)
        text = open(out, encoding="utf-8").read() + open(jout, encoding="utf-8").read()
        leaked = [i for i in ids if i in text]
        check(ids and not leaked, f"identifiers in the export: {leaked[:3]}")
        rev = f"{tmp}/reveal.csv"
        run("export", "-w", ref, "--out", rev, "--reveal-uids")
        uids = {r["id"] for r in read_csv(rev)}
        check(len(uids & ids) == len(ex), "--reveal-uids writes the SOPInstanceUIDs")

        # assign: refuses without a run
        p = run("assign", "-w", f"{tmp}/none", held, ok=False)
        check(p.returncode != 0 and "no finished run" in p.stderr, "assign without run: " + p.stderr)
        # the frozen models reproduce the run's labels
        p = run("assign", "-w", ref, "--verify")
        n = len(read_csv(f"{ref}/run/labels.csv"))
        check(f"{n} of {n} images of the run" in p.stdout, "verify: " + p.stdout)
        # held-out files and a noise image
        os.makedirs(f"{tmp}/odd")
        noise_image(f"{tmp}/odd/noise.dcm")
        p = run("assign", "-w", ref, held, f"{tmp}/odd")
        assigned = read_csv(f"{ref}/run/assigned.csv")
        check(len(assigned) >= 2, f"assigned {len(assigned)}")
        import pydicom
        noise_uid = str(pydicom.dcmread(f"{tmp}/odd/noise.dcm").SOPInstanceUID)
        by_uid = {a["sop_instance_uid"]: a for a in assigned}
        # KNOWN GAP (issue 12): the fusion defaults end in a PCA fitted on the
        # archive (issue 11), which projects away the directions in which a
        # noise image differs, so its distance to the nearest centre stays
        # within the cluster's 0.99 quantile (without the PCA it was flagged).
        # A distance that adds the PCA residual would close it. The check
        # flips to an assertion once it does.
        flagged = by_uid.get(noise_uid, {}).get("outlier") == "1"
        check(noise_uid in by_uid, "the noise image is assigned")
        if NOISE_OUTLIER_GAP:
            check(not flagged, "the noise image is flagged now: set NOISE_OUTLIER_GAP False")
        else:
            check(flagged, "the noise image is an outlier")
        held_rows = [a for u, a in by_uid.items() if u != noise_uid]
        check(held_rows and sum(a["outlier"] == "1" for a in held_rows) <= len(held_rows) // 2,
              "most held-out images are not outliers")
        # a held-out image gets the cluster the run gave most of its series mates
        uid_of = lambda f: str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID)
        export_rev = {r["id"]: int(r["Cluster"]) for r in read_csv(rev)}
        same = 0
        for f, mf in mates.items():
            got = by_uid.get(uid_of(f))
            labs = [export_rev[u] for u in map(uid_of, mf) if u in export_rev]
            if got and labs:
                same += int(got["cluster"]) == max(set(labs), key=labs.count)
        check(same >= len(mates) * 3 // 4, f"held-out images with their series: {same}/{len(mates)}")
        out2 = f"{tmp}/export2.csv"
        run("export", "-w", ref, "--out", out2)
        check(len(read_csv(out2)) == len(ex) + len(assigned), "assigned images are exported")
        p = run("assign", "-w", ref)
        check(p.stdout.startswith("0 new images"), "assign again: nothing new")
        # a new clustering leaves the old names unused (and exports still work)
        run("run", *args[:-4], "-k", "5", "-j", "2", "--quiet")
        run("export", "-w", ref, "--out", out)
        check(all(e["name"] == "" for e in read_csv(out)), "names of another clustering unused")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks} checks, {failures} failures")
    return 1 if failures or checks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
