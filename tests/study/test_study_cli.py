#!/usr/bin/python3
"""radnet study and radnet fuse on a tiny synthetic archive: the structure
of every output file, determinism for a seed, resume after a stop
(--max-cells) and after kill -9, fuse taking the study's choice."""
import csv, json, os, shutil, signal, sqlite3, subprocess, sys, tempfile, time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish, run  # noqa: E402


def fusion_defaults():
    """(input, weight) pairs and the PCA columns `radnet fuse --help` lists
    as its defaults."""
    text = run("fuse", "--help").stdout
    lines = text.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("default inputs"))
    # "default inputs (weight), then a PCA to D columns:", then "  NAME W" lines
    pca = int(lines[head].split("PCA to")[1].split()[0])
    pairs = []
    for l in lines[head + 1:]:
        if not l.startswith("  "):
            break
        name, weight = l.split()[:2]  # weight 0: "(read by the map only; ...)"
        pairs.append((name, float(weight)))
    return pairs, pca


STUDY = ["--subset", "70", "--k", "3,5", "--seeds", "2", "-j", "2", "--quiet"]
OUTPUTS = ["results.csv", "results.json", "results.md", "choice.json"]


def outputs(ws):
    return {n: open(f"{ws}/study/{n}", "rb").read() for n in OUTPUTS}


def main():
    tmp = tempfile.mkdtemp(prefix="rn_study_")
    try:
        arch, base = f"{tmp}/arch", f"{tmp}/base"
        run("synth", "--out", arch, "-n", "90", "--seed", "5", "--quiet")
        run("ingest", arch, "-w", base, "--reports", f"{arch}/reports.csv", "--quiet")
        for s in ("image", "meta", "text"):
            run("embed", "-w", base, "--source", s, "-q")
        truth = f"{arch}/truth.csv"

        # fuse before any study: the defaults table's inputs that exist, then
        # all of them, PCA-reduced; the same inputs and weights without PCA
        fused, reduce = fusion_defaults()
        check(len(fused) >= 2 and all(w >= 0 for _, w in fused) and reduce > 0,
              f"defaults {fused} {reduce}")
        rows = sum(1 for _ in open(f"{base}/embeddings/rows.csv")) - 1
        have = [(n, w) for n, w in fused
                if os.path.exists(f"{base}/embeddings/{n}.npy")]
        for expect in (have, fused):
            if expect is fused:    # now every default input
                for n, _ in fused:
                    s, m = n.split("-", 1)
                    run("embed", "-w", base, "--source", s, "--method", m, "-q")
            p = run("fuse", "-w", base)
            want = " + ".join("%s x%g" % (n, w) for n, w in expect)
            check("fuse: " + want + " ->" in p.stderr, "%s in %s" % (want, p.stderr))
            x = np.load(f"{base}/embeddings/fused.npy")
            dim = sum(np.load(f"{base}/embeddings/{n}.npy", mmap_mode="r").shape[1]
                      for n, _ in expect)
            check(x.shape == (rows, min(reduce, dim)) and x.dtype == np.float32 and
                  np.isfinite(x).all(), f"fused.npy {x.shape} {x.dtype}")
        p = run("fuse", "-w", base, "--inputs", ",".join(n for n, _ in fused),
                "--weights", ",".join("%g" % w for _, w in fused))
        x = np.load(f"{base}/embeddings/fused.npy")
        norms = (x.astype(np.float64) ** 2).sum(1)
        sq = sum(w * w for _, w in fused)
        check(np.allclose(norms, sq, rtol=1e-5), f"every fused row has squared length {sq}")
        run("fuse", "-w", base)
        check("up to date" in run("fuse", "-w", base).stderr, "second fuse does nothing")
        check(run("fuse", "-w", base, "--weights", "1,2", ok=False).returncode == 1,
              "weights count mismatch is a usage error")
        check(run("fuse", "-w", base, "--inputs", "image-nope", ok=False).returncode != 0,
              "unknown input refused")

        a, b, c = f"{tmp}/a", f"{tmp}/b", f"{tmp}/c"
        for w in (a, b, c):
            shutil.copytree(base, w)

        # A: one uninterrupted study
        p = run("study", "-w", a, "--truth", truth, *STUDY)
        check("chosen:" in p.stdout and max(map(len, p.stdout.splitlines())) <= 80,
              "summary printed in 80 columns")
        out_a = outputs(a)
        with open(f"{a}/study/results.csv") as f:
            table = list(csv.DictReader(f))
        head = table[0].keys()
        for col in ("extractor", "algo", "k", "seeds", "nmi_modality_mean",
                    "homogeneity_region_sd", "nmi_true_region_mean", "silhouette_mean",
                    "silhouette_sd", "seed_ari"):
            check(col in head, f"results.csv has {col}")
        check(len(set(head)) == len(head), f"results.csv columns are distinct: {list(head)}")
        singles = {r["extractor"] for r in table if not r["extractor"].startswith("fused")}
        check({"image-pca", "image-hog", "image-lbp", "meta-authors", "text-tfidf"} <= singles,
              f"every extractor studied: {singles}")
        for e in singles:
            for algo in ("kmeans", "kmedoids"):
                ks = sorted(int(r["k"]) for r in table
                            if r["extractor"] == e and r["algo"] == algo)
                check(ks == [3, 5], f"{e} {algo} k grid {ks}")
        fused = [r for r in table if r["extractor"].startswith("fused")]
        # the defaults table as a candidate (its weights, its PCA): the bar
        # every later candidate must clear
        dflt, dpca = fusion_defaults()
        dname = "fused:" + "+".join("%s*%g" % (n, w) for n, w in dflt)
        drows = [r for r in fused if r["extractor"].startswith(dname + "/pca")]
        check(len(drows) == 2 and drows[0]["extractor"].endswith("/pca%d" % dpca),
              f"the defaults are a candidate: {dname} in {sorted({r['extractor'] for r in fused})}")
        grid = [r for r in fused if "/pca" not in r["extractor"]]
        three = [r for r in grid if r["extractor"].count("+") == 2]
        check(len(three) == 9 * 2 and all(r["algo"] == "kmeans" for r in fused),
              f"9 weight combinations x 2 k, k-means: {len(three)}")
        # forward selection from the winner (a grid candidate or the defaults)
        more = {r["extractor"] for r in fused if r not in three and r not in drows}
        others = len(singles) - 3
        from_defaults = len(singles) - len(dflt)
        check(len(more) in (0, others, others + others - 1, from_defaults,
                            from_defaults + from_defaults - 1),
              f"forward selection adds each of the other extractors: {sorted(more)}")
        for r in table:
            v = float(r["nmi_modality_mean"])
            check(0 <= v <= 1 and r["seeds"] == "2", f"row {r['extractor']} {r['k']}")
            check(-1 <= float(r["seed_ari"]) <= 1, "seed ARI in [-1, 1]")
        js = json.loads(out_a["results.json"])
        check(js["train"] + js["test"] == 70 and js["truth"] is True, "json split")
        check(len(js["results"]) == len(table), "json rows = csv rows")
        check(set(js["criterion"]) >= singles, "criterion per extractor")
        md = out_a["results.md"].decode()
        for h in ("## Against modality", "## Against region", "## Against true_modality",
                  "## Against true_region", "## Silhouette and seed stability", "## Choice"):
            check(h in md, f"results.md has {h}")
        choice = json.loads(out_a["choice.json"])
        check(1 <= len(choice["inputs"]) <= len(dflt) and
              len(choice["weights"]) == len(choice["inputs"]),
              f"choice {choice}")
        crit = js["criterion"]
        # singles with fewer distinct rows than the largest k (meta-modality)
        # are never chosen alone; every other one is a bar the choice clears
        kmax = 5
        alone = [e for e in singles
                 if len(np.unique(np.load(f"{a}/embeddings/{e}.npy"), axis=0)) >= kmax]
        best_single = max(crit[e] for e in alone)
        dcrit = crit[drows[0]["extractor"]]
        check(js["choice"]["criterion"] >= max(best_single, dcrit) - 1e-12,
              f"the choice {js['choice']['criterion']} is no worse than the defaults {dcrit} "
              f"or the best single extractor {best_single}")
        cname = (choice["inputs"][0] if len(choice["inputs"]) == 1 else
                 "fused:" + "+".join("%s*%g" % (n, w) for n, w in
                                     zip(choice["inputs"], choice["weights"])) +
                 ("/pca%d" % choice["reduce"] if choice["reduce"] else ""))
        check(crit.get(cname) == js["choice"]["criterion"],
              f"the choice (with its PCA) is the candidate {cname} it scored: {choice}")

        # fuse now takes the study's choice
        p = run("fuse", "-w", a)
        check("study's choice" in p.stderr and choice["inputs"][0] in p.stderr, p.stderr)

        # B: stopped after 7 cells, then resumed: the same bytes as A
        p = run("study", "-w", b, "--truth", truth, *STUDY, "--max-cells", "7")
        check("stopped after" in p.stderr, p.stderr)
        check(not os.path.exists(f"{b}/study/results.md"), "no tables before the end")
        lines = open(f"{b}/study/cells.tsv").read().splitlines()
        check(len(lines) == 7, f"7 cells checkpointed, got {len(lines)}")
        # a kill between a checkpoint's rename and its record: a longer file
        # the catalogue has not vouched for; the 7 recorded cells still count
        with open(f"{b}/study/cells.tsv", "a") as f:
            f.write(lines[0] + "\n")
        p = run("study", "-w", b, "--truth", truth, *STUDY.__add__([]))
        check("(7 resumed)" in p.stdout, p.stdout)
        check(outputs(b) == out_a, "resumed study equals the uninterrupted one")

        # C: killed (-9) once cells are committed, then rerun: the same bytes
        proc = subprocess.Popen([BIN, "study", "-w", c, "--truth", truth, *STUDY],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(f"{c}/study/cells.tsv"):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait()
        cells = f"{c}/study/cells.tsv"
        kept = len(open(cells).read().splitlines()) if os.path.exists(cells) else 0
        p = run("study", "-w", c, "--truth", truth, *STUDY)
        check(outputs(c) == out_a, "study after kill -9 equals the uninterrupted one")
        # every cell on disk resumes, but the last one when the kill fell
        # between its rename and its record
        resumed = int(p.stdout.split(" resumed)")[0].rsplit("(", 1)[1])
        check(kept - 1 <= resumed <= kept, f"{kept} cells on disk, {resumed} resumed")

        # k above the Modality values: the Modality one-hot (one row per value)
        # can no longer be chosen alone, however well it scores
        d = f"{tmp}/d"
        shutil.copytree(base, d)
        run("study", "-w", d, "--subset", "70", "--k", "20", "--seeds", "1", "--no-kmedoids",
            "--no-embed", "-j", "2", "--quiet")
        nmod = len(np.unique(np.load(f"{d}/embeddings/meta-modality.npy"), axis=0))
        ch = json.load(open(f"{d}/study/choice.json"))
        check(nmod < 20 and ch["inputs"] != ["meta-modality"],
              f"{nmod} Modality rows, choice {ch['inputs']}")

        # a default input the study embeds itself gets the defaults' options,
        # as run embeds it (image-lbp: size=32), so the two share one file
        e = f"{tmp}/e"
        shutil.copytree(base, e)
        os.remove(f"{e}/embeddings/image-lbp.npy")
        run("study", "-w", e, "--subset", "70", "--k", "20", "--seeds", "1", "--no-kmedoids",
            "-j", "2", "--quiet")
        db = sqlite3.connect(f"{e}/catalog.sqlite")
        params = json.loads(db.execute(
            "SELECT params FROM artifacts WHERE name = 'embeddings/image-lbp.npy' "
            "ORDER BY id DESC LIMIT 1").fetchone()[0])
        db.close()
        check(params["options"] == "size=32", f"study's image-lbp record {params}")

        # another seed, another subset: a fresh study, not a resume
        p = run("study", "-w", c, *STUDY, "--seed", "2")
        check("(0 resumed)" in p.stdout, "new seed starts afresh")
        check(run("study", "-w", c, "--k", "1", ok=False).returncode == 1, "k 1 refused")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
