#!/usr/bin/python3
"""radnet run, export, names import and assign on a small synthetic archive:
the structure of every output, a rerun that changes nothing, resume after
kill -9 in each step (same labels as an uninterrupted run), assign on
held-out files and on a noise image, and no identifiers in exports.

The default suite kills the run in three steps (mid-embed, in the cluster
step after its fit, in the last step); --slow (the slow suite) in
every step."""
import csv, glob, json, os, shutil, signal, subprocess, sys, tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, digest, finish, read_csv, run  # noqa: E402


K = "12"
# stderr lines at which the run is killed: the default suite's, then the rest
KILL_AT = ["embed:", "cluster: pixel novelty", "export:"]
if "--slow" in sys.argv[1:]:
    KILL_AT += ["fuse:", "cluster: k-means", "evaluate: metrics", "report:"]
RESULTS = ["run/labels.csv", "run/clusters.csv", "run/evaluation.json",
           "models/cluster.rnc", "embeddings/fused.npy", "models/fusion.model", "labels.csv",
           "report/index.html"]


def digests(ws):
    return {n: digest(f"{ws}/{n}") for n in RESULTS}


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
    nov = json.load(open(f"{ws}/models/novelty.json"))
    for c in clusters:
        members = [r for r in labels if int(r["cluster"]) == int(c["cluster"])]
        check(len(members) == int(c["size"]), "cluster size = its labels")
        over = [r for r in members if float(r["distance"]) > float(c["threshold"]) or
                float(r["novelty"]) > nov["threshold"]]
        check(all(r["outlier"] == "1" for r in over) and
              sum(r["outlier"] == "1" for r in members) == len(over),
              "outlier = distance above the cluster's threshold or novelty above the model's")
    check_novelty(ws, labels, nov)
    # each criterion flags about 1 % of the archive, not one image per cluster
    flagged = sum(r["outlier"] == "1" for r in labels)
    check(flagged <= 0.02 * n + 2, f"{flagged} outliers of {n} images")
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
    check([int(e["Cluster"]) for e in export] == cl, "WS/labels.csv in row order")
    anatomy = np.load(f"{ws}/embeddings/meta-anatomy.npy")
    check(len(anatomy) == n and (anatomy[:, -1] == 0).any(), "anatomy words read")
    check_view(ws, export, clusters)
    by_id = {e["id"]: e for e in export}
    check(len(by_id) == n and all(len(i) == 16 for i in by_id), "ids are 16-hex pseudonyms")


def split_k(sizes, k, alloc=None):
    """cluster.h's rn_group_allocate with size shares: one cluster each
    (or alloc), then one at a time to the group furthest below its quota
    k·n_g/n (ties: the first in label order)."""
    names = sorted(sizes)
    n = sum(sizes.values())
    alloc = dict(alloc) if alloc else {g: 1 for g in names}
    for _ in range(k - sum(alloc.values())):
        g = max((g for g in names if alloc[g] < sizes[g]),
                key=lambda g: (k * (sizes[g] / n) - alloc[g], -names.index(g)))
        alloc[g] += 1
    return alloc


def split_pairs(pairs, k):
    """cluster.h's rn_group_allocate_pairs: one cluster per Modality (its
    largest (Modality, region) pair's), then one per further pair in
    decreasing rows (ties: Modality, then region in byte order) while k
    lasts, the rest by rows."""
    sizes = {}
    for (g, _), c in pairs.items():
        sizes[g] = sizes.get(g, 0) + c
    alloc, met, given = {g: 1 for g in sizes}, set(), len(sizes)
    for (g, _), c in sorted(pairs.items(), key=lambda p: (-p[1], p[0])):
        if g not in met:
            met.add(g)
        elif given < k and alloc[g] < sizes[g]:
            alloc[g] += 1
            given += 1
    return split_k(sizes, k, alloc)


# src/embed/anatomy.c's regions, in its column order
ANATOMY_REGIONS = [
    "HEAD", "SKULL", "NECK", "CSPINE", "TSPINE", "LSPINE", "SPINE", "CHEST", "BREAST",
    "ABDOMEN", "GITRACT", "URINARYTRACT", "PELVIS", "HIP", "SHOULDER", "CLAVICLE", "ARM",
    "ELBOW", "WRIST", "HAND", "FINGER", "LEG", "KNEE", "ANKLE", "FOOT", "HEEL", "CAROTID",
    "WHOLEBODY"]


def run_regions(ws, export, report=True):
    """The run's region of each row (export in row order): the one the tags'
    anatomy words name most strongly (meta-anatomy's strongest column, first
    of ties; its last column 0 when a word was read), else the report's
    (text-anatomy; the modality view only), else the header's §5 region."""
    out = []
    blocks = [np.load(f"{ws}/embeddings/{b}.npy")
              for b in ("meta-anatomy", "text-anatomy")[:2 if report else 1]]
    for i, e in enumerate(export):
        words = [b[i] for b in blocks if b[i][-1] == 0]
        out.append(ANATOMY_REGIONS[int(words[0][:-1].argmax())] if words else e["region"])
    return out


def check_view(ws, export, clusters, view="auto"):
    """run.h's RnRunView: auto is region when modalities < k < 1.5 regions
    (every value here holds >= 0.1 % of the rows), else modality. Modality: every cluster is one modality, each with its share
    of k split by (Modality, region) pairs. Region: at most k regions, the
    largest; no cluster holds rows of two of them (a row of another region
    joins one of them)."""
    regions, by_tags = run_regions(ws, export), run_regions(ws, export, report=False)
    k = len(clusters)
    mods = {e["Modality"] for e in export}
    counts = {}
    for r in by_tags:
        if r:
            counts[r] = counts.get(r, 0) + 1
    if view == "auto":
        view = "region" if len(mods) < k and 2 * k < 3 * len(counts) else "modality"
    ev = json.load(open(f"{ws}/run/evaluation.json"))
    check(ev["summary"]["view"] == view, f"view {ev['summary']['view']}, want {view}")
    if view == "region":
        kept = sorted(counts, key=lambda r: (-counts[r], r))[:k]
        held = {}
        for r, e in zip(by_tags, export):
            if r in kept:
                held.setdefault(e["Cluster"], set()).add(r)
        check(all(len(v) == 1 for v in held.values()),
              f"region view: a cluster holds rows of one region, {held}")
        check(len({min(v) for v in held.values()}) == len(kept), "region view: every kept region")
        return
    sizes, pairs = {}, {}
    for e, r in zip(export, regions):
        sizes[e["Modality"]] = sizes.get(e["Modality"], 0) + 1
        p = (e["Modality"], r)
        pairs[p] = pairs.get(p, 0) + 1
    if k < len(sizes):
        check(False, f"the archive has {len(sizes)} modalities, more than k = {k}")
        return
    check(all(float(c["modality_share"]) == 1 for c in clusters),
          "k-means within modalities: no cluster mixes modalities")
    got = {}
    for c in clusters:
        got[c["modality"]] = got.get(c["modality"], 0) + 1
    want = split_pairs(pairs, k)
    check(got == want, f"clusters per modality {got}, k split by pairs {want}")


def check_fewer_than_modalities(export, k):
    """k below the Modality values: the k largest modalities one cluster
    each, every other modality whole inside one of them."""
    of, sizes = {}, {}
    for e in export:
        of.setdefault(e["Modality"], set()).add(e["Cluster"])
        sizes[e["Modality"]] = sizes.get(e["Modality"], 0) + 1
    check(len(sizes) > k, f"the archive has {len(sizes)} modalities, not more than k = {k}")
    check(all(len(c) == 1 for c in of.values()), f"k = {k}: a modality split, {of}")
    largest = sorted(sizes, key=lambda m: (-sizes[m], m))[:k]
    check(len({min(of[m]) for m in largest}) == k, f"k = {k}: the largest modalities apart")


def novelty_descriptors(thumbs, grid=4):
    """The pixel statistics of run.h's models/novelty.json, in numpy."""
    x = thumbs.astype(np.float64) / 255
    n, size, _ = x.shape
    dx, dy = np.abs(np.diff(x, axis=2)), np.abs(np.diff(x, axis=1))
    out = np.zeros((n, 3, grid * grid))
    for cy in range(grid):
        for cx in range(grid):
            y0, y1 = cy * size // grid, (cy + 1) * size // grid
            x0, x1 = cx * size // grid, (cx + 1) * size // grid
            cell = x[:, y0:y1, x0:x1].reshape(n, -1)
            # neighbour pairs whose first pixel is in the cell
            h = dx[:, y0:y1, x0:min(x1, size - 1)].reshape(n, -1)
            v = dy[:, y0:min(y1, size - 1), x0:x1].reshape(n, -1)
            c = cy * grid + cx
            out[:, 0, c] = cell.mean(1)
            out[:, 1, c] = cell.std(1)
            out[:, 2, c] = (h.sum(1) + v.sum(1)) / (h.shape[1] + v.shape[1])
    return out.reshape(n, -1)


def check_novelty(ws, labels, nov):
    """Novelty scores recomputed from thumbs.npy: the mean distance to the
    k nearest reference rows (the row itself left out when it is one)."""
    import sqlite3
    uids = [r["sop_instance_uid"] for r in read_csv(f"{ws}/embeddings/rows.csv")]
    db = sqlite3.connect(f"{ws}/catalog.sqlite")
    at = dict(db.execute("SELECT sop_uid, thumb_index FROM images"))
    db.close()
    thumbs = np.load(f"{ws}/thumbs.npy")[[at[u] for u in uids]]
    # the C side keeps descriptors as float32 while fitting
    desc = novelty_descriptors(thumbs).astype(np.float32).astype(np.float64)
    check(np.allclose(desc.mean(0), nov["mean"], rtol=1e-6, atol=1e-9),
          "novelty column means")
    z = (desc - np.array(nov["mean"])) / np.array(nov["scale"])
    ref = np.array(nov["reference"]).reshape(nov["reference_rows"], -1)
    d = np.sqrt(((z[:, None, :] - ref[None, :, :]) ** 2).sum(-1))
    d.sort(1)
    self_in = np.isclose(d[:, 0], 0, atol=1e-9)
    k = nov["k"]
    want = np.where(self_in, d[:, 1:k + 1].mean(1), d[:, :k].mean(1))
    got = np.array([float(r["novelty"]) for r in labels])
    # float32 descriptors (error <= 2^-24) over a scale >= 1/255, in 48 columns
    check(np.abs(got - want).max() <= 48 ** 0.5 * 2 ** -24 * 255 * 4,
          f"novelty scores = numpy's (max diff {np.abs(got - want).max():.2e})")
    thr = np.quantile(want, 0.99)
    check(abs(thr - nov["threshold"]) <= 1e-3 * thr, "novelty threshold = 0.99 quantile")


def run_killed_at(ws, arch, line):
    """Starts radnet run, kills it with SIGKILL once stderr shows `line`."""
    p = subprocess.Popen([BIN, "run", f"{arch}/dicom", "--reports", f"{arch}/reports.csv",
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


def split_study(arch, out_dir, out_reports):
    """Moves the first study with a report and >= 2 images out of the
    archive, and its report rows out of reports.csv into out_reports."""
    import pydicom
    with open(f"{arch}/reports.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    col = header.index("StudyInstanceUID")
    reported = {r[col] for r in body}
    for study in sorted(glob.glob(f"{arch}/dicom/*/*")):
        files = [f for f in glob.glob(f"{study}/**/*", recursive=True) if os.path.isfile(f)]
        if len(files) < 2:
            continue
        uid = str(pydicom.dcmread(files[0], stop_before_pixels=True).StudyInstanceUID)
        if uid in reported:
            break
    else:
        raise SystemExit("no study with a report")
    shutil.move(study, out_dir)
    for path, keep in ((f"{arch}/reports.csv", lambda r: r[col] != uid),
                       (out_reports, lambda r: r[col] == uid)):
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header] + [r for r in body if keep(r)])


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
        # hold out one whole study and its report for assign --reports
        held_study, held_reports = f"{tmp}/held_study", f"{tmp}/held_reports.csv"
        split_study(arch, held_study, held_reports)
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
        p = run("run", *args[:-4], "-k", "8", "-j", "2")
        check("Steps redone: cluster evaluate report\n" in p.stdout, "-k 8: " + p.stdout)
        check_fewer_than_modalities(read_csv(f"{ref}/labels.csv"), 8)
        run("run", *args)
        check(digests(ref) == before, "back to k 12: the same outputs")
        # either view when asked for; auto again gives the same outputs
        for view in ("region", "modality"):
            p = run("run", *args, "--view", view)
            check(f"clusters, by {view} first" in p.stdout, f"--view {view}: " + p.stdout)
            check(f"clusters follow first</th><td>{view}<" in
                  open(f"{ref}/report/index.html", encoding="utf-8").read(), "the report's view")
            check_view(ref, read_csv(f"{ref}/labels.csv"), read_csv(f"{ref}/run/clusters.csv"),
                       view)
        run("run", *args)
        check(digests(ref) == before, "back to --view auto: the same outputs")

        # resume after kill -9 in each step gives the uninterrupted labels
        for line in KILL_AT:
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
        # --with-paths: the file each image came from (identifying, said in --help)
        wp = f"{tmp}/paths.csv"
        run("export", "-w", ref, "--out", wp, "--with-paths", "--reveal-uids")
        wrows = read_csv(wp)
        check(list(wrows[0].keys())[-1] == "path" and len(wrows) == len(ex), "path column")
        import pydicom
        check(all(os.path.isfile(r["path"]) and
                  str(pydicom.dcmread(r["path"], stop_before_pixels=True).SOPInstanceUID) == r["id"]
                  for r in wrows), "--with-paths: each path is the image's file")
        check("path" not in read_csv(out)[0], "no path column by default")
        h = run("export", "--help").stdout
        check("--with-paths        IDENTIFYING" in h, "--help says --with-paths identifies")

        # assign: refuses without a run
        p = run("assign", "-w", f"{tmp}/none", held, ok=False)
        check(p.returncode != 0 and "no finished run" in p.stderr, "assign without run: " + p.stderr)
        # the frozen models reproduce the run's labels
        p = run("assign", "-w", ref, "--verify")
        n = len(read_csv(f"{ref}/run/labels.csv"))
        check(f"{n} of {n} images of the run" in p.stdout, "verify: " + p.stdout)
        # assign --reports: the held-out study's report reaches the frozen
        # text model (the same images get other fused rows without it)
        check(run("assign", "-w", ref, "--reports", held_reports, ok=False).returncode == 1,
              "--reports without images is a usage error")
        with_rep, without = f"{tmp}/with_reports", f"{tmp}/without_reports"
        shutil.copytree(ref, with_rep)
        shutil.copytree(ref, without)
        run("assign", "-w", with_rep, held_study, "--reports", held_reports)
        run("assign", "-w", without, held_study)
        a_with = {a["sop_instance_uid"]: a for a in read_csv(f"{with_rep}/run/assigned.csv")}
        a_without = {a["sop_instance_uid"]: a for a in read_csv(f"{without}/run/assigned.csv")}
        check(a_with and a_with.keys() == a_without.keys(), "assign --reports: same images")
        check(all(a_with[u]["distance"] != a_without[u]["distance"] for u in a_with),
              "assign --reports: the reports change every image's fused row")
        st = json.loads(run("stats", "-w", with_rep, "--json").stdout)
        st0 = json.loads(run("stats", "-w", without, "--json").stdout)
        check(json.dumps(st) != json.dumps(st0), "assign --reports: the reports are catalogued")
        shutil.rmtree(with_rep)
        shutil.rmtree(without)

        # held-out files and a noise image
        os.makedirs(f"{tmp}/odd")
        noise_image(f"{tmp}/odd/noise.dcm")
        p = run("assign", "-w", ref, held, f"{tmp}/odd")
        assigned = read_csv(f"{ref}/run/assigned.csv")
        check(len(assigned) >= 2, f"assigned {len(assigned)}")
        import pydicom
        noise_uid = str(pydicom.dcmread(f"{tmp}/odd/noise.dcm").SOPInstanceUID)
        by_uid = {a["sop_instance_uid"]: a for a in assigned}
        # hog maps the noise near the middle of the training cloud and its
        # metadata look normal: the pixel novelty model is what flags it
        check(noise_uid in by_uid and by_uid[noise_uid]["outlier"] == "1",
              "the noise image is an outlier")
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
    return finish()


if __name__ == "__main__":
    sys.exit(main())
