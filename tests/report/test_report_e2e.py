#!/usr/bin/python3
"""radnet run + radnet report end to end on a small synthetic archive whose
StudyDescription and reports carry markup and script: no unescaped markup
in any page, no patient name, ID, birth date or SOPInstanceUID in any output
file (HTML, PNG bytes and chunks), only local references, and headless
Chromium loads every page from file:// without a console error, renders
non-blank screenshots and passes the naming self-test (#selftest: type a
name, press "save names", check names.csv and localStorage).
RADNET_REPORT_SHOTS=DIR keeps the screenshots (docs/)."""
import csv, glob, html.parser, os, re, shutil, struct, subprocess, sys, tempfile

import numpy as np
import pydicom

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, finish, run  # noqa: E402

INJECT_DESC = "<script>alert(1)</script><b onmouseover=x>&amp;"
INJECT_REPORT = " <script>alert(3)</script><img src=x onerror=alert(4)> "


def inject(arch):
    """Markup into StudyDescription of every second file and into every
    report; the patient's own name into one report. Returns the PHI."""
    phi = set()
    files = sorted(f for f in glob.glob(f"{arch}/dicom/**/*", recursive=True) if os.path.isfile(f))
    names = {}
    for i, f in enumerate(files):
        try:
            d = pydicom.dcmread(f)
        except Exception:
            continue
        for kw in ("PatientName", "PatientID", "PatientBirthDate", "SOPInstanceUID",
                   "AccessionNumber"):
            v = str(d.get(kw, "") or "")
            if len(v) >= 4:
                phi.add(v)
        pn = str(d.get("PatientName", "") or "")
        phi.update(p for p in re.split(r"[\^ ]", pn) if len(p) >= 5)
        names[str(d.get("StudyInstanceUID", ""))] = pn.replace("^", " ")
        if i % 2 == 0:
            d.StudyDescription = INJECT_DESC
            d.save_as(f)
    rows = list(csv.DictReader(open(f"{arch}/reports.csv", newline="", encoding="utf-8")))
    for j, r in enumerate(rows):
        r["ReportText"] += INJECT_REPORT
        if j == 0 and names.get(r["StudyInstanceUID"]):
            r["ReportText"] += " Pacijent " + names[r["StudyInstanceUID"]] + "."
    with open(f"{arch}/reports.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    return phi


ALLOWED = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "a", "table",
           "tr", "th", "td", "svg", "rect", "text", "polyline", "circle", "img", "input",
           "button", "code", "span", "pre", "script", "strong"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs, self.bad_attrs, self.scripts = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.bad_attrs.append((tag, k))
            if k in ("src", "href"):
                self.refs.append(v)
        if tag == "script":
            self.scripts.append(dict(attrs).get("type", ""))


def check_page(path, out):
    text = open(path, encoding="utf-8").read()
    p = Page()
    p.feed(text)
    name = os.path.basename(path)
    check(p.tags <= ALLOWED, f"{name}: unexpected elements {p.tags - ALLOWED}")
    check(not p.bad_attrs, f"{name}: event attributes {p.bad_attrs}")
    want_scripts = ["application/json", ""] if name == "index.html" else []
    check(p.scripts == want_scripts, f"{name}: scripts {p.scripts}")
    for ref in p.refs:
        local = not re.match(r"^[a-z]+:", ref) and not ref.startswith("//")
        check(local and os.path.isfile(os.path.join(out, ref)), f"{name}: reference {ref!r}")
    check("alert(1)</script>" not in text and "<b onmouseover" not in text and
          "<img src=x" not in text, f"{name}: injected markup unescaped")
    return text


def png_chunks(data):
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
    at, kinds = 8, []
    while at + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        kinds.append(kind.decode("latin-1"))
        at += 12 + n
    return kinds


def chromium(*args):
    udd = tempfile.mkdtemp(prefix="rn_chromium_")
    try:
        return subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={udd}", "--enable-logging=stderr", "--v=0",
             *args], capture_output=True, text=True, timeout=90)
    finally:
        shutil.rmtree(udd, ignore_errors=True)


def console_errors(stderr):
    return [l for l in stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l or
            "ERR_" in l]


def screenshot(url, path):
    p = chromium("--window-size=1000,1400", f"--screenshot={path}", url)
    check(os.path.isfile(path), f"screenshot of {url}: {p.stderr[-500:]}")
    check(not console_errors(p.stderr), f"console errors in {url}: {console_errors(p.stderr)}")
    try:
        from PIL import Image
        img = np.asarray(Image.open(path).convert("L"), dtype=float)
        # Non-blank: text, plots and montages give many distinct grey levels.
        check(img.std() > 10 and len(np.unique(img)) > 20, f"screenshot of {url} looks blank")
    except ImportError:
        check(os.path.getsize(path) > 20000, f"screenshot of {url} too small")


def main():
    tmp = tempfile.mkdtemp(prefix="rn_report_")
    try:
        arch, ws, out = f"{tmp}/arch", f"{tmp}/ws", f"{tmp}/out"
        run("synth", "--out", arch, "-n", "80", "--seed", "5", "--quiet")
        phi = inject(arch)
        check(len(phi) > 20, f"PHI values collected: {len(phi)}")
        run("run", arch, "-w", ws, "--reports", f"{arch}/reports.csv", "-k", "auto", "-j", "2",
            "--quiet")
        # A name as the page's "save names" writes it (RFC 4180 quoting), with markup.
        with open(f"{tmp}/names.csv", "w", encoding="utf-8") as f:
            f.write('cluster,name\n0,"Chest, ""PA"" <script>alert(5)</script>"\n')
        run("names", "import", "-w", ws, f"{tmp}/names.csv")
        run("report", "-w", ws, "--out", out, "-q")
        k = len(glob.glob(f"{out}/cluster-*.html"))
        check(k >= 2, f"{k} cluster pages")
        # The report `radnet run` wrote itself passes the same checks.
        for p in sorted(glob.glob(f"{ws}/report/*.html")):
            check_page(p, f"{ws}/report")

        pages = sorted(glob.glob(f"{out}/*.html"))
        check([os.path.basename(p) for p in pages] ==
              ["cluster-%03d.html" % c for c in range(k)] + ["index.html"], f"pages {pages}")
        texts = {os.path.basename(p): check_page(p, out) for p in pages}
        joined = "".join(texts.values())
        check("&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onmouseover=x&gt;&amp;amp;" in joined,
              "injected StudyDescription shown escaped")
        check("<span>script</span>" in joined or "<span>alert</span>" in joined,
              "report terms listed")
        check("Cluster 0: Chest, &quot;PA&quot; &lt;script&gt;alert(5)&lt;/script&gt;</h1>" in
              texts["cluster-000.html"], "imported name shown escaped")
        check("\\u003cscript\\u003ealert(5)" in texts["index.html"], "name in the page data")
        check("Choice of k" in texts["index.html"] and "<polyline" in texts["index.html"],
              "choice-of-k curves (k = auto)")
        check("<circle" in texts["index.html"], "2-D map drawn")
        check("homogeneity" in texts["index.html"], "evaluation shown")
        # Privacy: no identifier in any byte of any output file.
        for f in sorted(glob.glob(f"{out}/*")):
            data = open(f, "rb").read()
            low = data.lower()
            leaks = [v for v in phi if v.encode() in data or v.lower().encode() in low]
            check(not leaks, f"{os.path.basename(f)} holds identifiers {leaks[:5]}")
            if f.endswith(".png"):
                kinds = png_chunks(data)
                check(set(kinds) <= {"IHDR", "IDAT", "IEND"}, f"PNG chunks {kinds}")
        # --show-phi does show identifiers (so the check above can fail).
        run("report", "-w", ws, "--out", f"{tmp}/phi", "--show-phi", "-q")
        shown = "".join(open(p, encoding="utf-8").read() for p in glob.glob(f"{tmp}/phi/*.html"))
        check(any(v in shown for v in phi), "--show-phi shows SOPInstanceUIDs")

        for p in pages:
            url = "file://" + p
            r = chromium("--dump-dom", url)
            check(r.returncode == 0 and "</body>" in r.stdout, f"{url} loads")
            check(not console_errors(r.stderr), f"console errors in {url}: {console_errors(r.stderr)}")
        r = chromium("--dump-dom", "file://" + out + "/index.html#selftest")
        m = re.search(r'<p id="selftest">([^<]*)</p>', r.stdout)
        check(m and m.group(1) == "SELFTEST PASS", f"naming self-test: {m and m.group(1)}")
        check(not console_errors(r.stderr), f"console errors in self-test: {console_errors(r.stderr)}")
        shots = os.environ.get("RADNET_REPORT_SHOTS") or tmp
        screenshot("file://" + out + "/index.html", f"{shots}/report-overview.png")
        screenshot("file://" + out + "/cluster-000.html", f"{shots}/report-cluster.png")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
