#!/usr/bin/python3
"""`radnet tags` on deliberately broken inputs: each must fail cleanly with
exit 2 and "radnet: FILE: reason" on stderr, and dcmtk's dcmdump must
refuse it too (the list follows dcmtk and the corpus READMEs). Quirky but
readable files (dcmtk reads them) must succeed. Also the CLI's usage exits.

env: RADNET_BIN, RADNET_TESTDATA
"""
import os
import random
import subprocess
import sys
import tempfile

# file -> why it is broken
BAD = {
    "pydicom/test_files/rtplan_truncated.dcm": "truncated inside a sequence item (README)",
    "pydicom/test_files/MR_truncated.dcm": "pixel data cut short",
    "pydicom/test_files/no_meta.dcm": "a stray byte before the first element: no element parses",
    "pydicom/test_files/dicomdirtests/TINY_ALPHA/README": "plain text, not DICOM",
}
# quirky files dcmtk reads: they must be read
QUIRKY = [
    "pydicom/test_files/badVR.dcm",                  # non-standard VR codes
    "pydicom/test_files/no_meta_group_length.dcm",   # meta group without (0002,0000)
    "pydicom/test_files/meta_missing_tsyntax.dcm",   # no transfer syntax UID
    "pydicom/test_files/JPEG2000-embedded-sequence-delimiter.dcm",
    "pydicom/test_files/dicomdirtests/DICOMDIR-nooffset",  # item length past EOF
    "pydicom/test_files/ExplVR_BigEndNoMeta.dcm",    # bare big endian data set
    "pydicom/test_files/ExplVR_LitEndNoMeta.dcm",
    "pydicom/test_files/UN_sequence.dcm",            # UN of undefined length
    "pydicom/test_files/nested_priv_SQ.dcm",
    "pydicom/test_files/empty_charset_LEI.dcm",
    "pydicom/test_files/image_dfl.dcm",              # deflated
]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, finish  # noqa: E402


def run(args):
    return subprocess.run(args, capture_output=True, timeout=60)


def expect_bad(radnet, path, why):
    r = run([radnet, "tags", path])
    err = r.stderr.decode(errors="replace")
    prefix = "radnet: %s: " % path
    check(r.returncode == 2, "%s (%s): exit %d, want 2" % (path, why, r.returncode))
    check(err.startswith(prefix) and len(err.strip()) > len(prefix.strip()),
          "%s: stderr %r lacks 'radnet: FILE: reason'" % (path, err))
    check(r.stdout == b"", "%s: printed output although it failed" % path)
    print("bad  %-60s exit %d  %s" % (os.path.basename(path), r.returncode, err.strip()[len(prefix):]))


def main():
    radnet = os.environ.get("RADNET_BIN", "build/radnet")
    root = os.environ.get("RADNET_TESTDATA", "tests/data")
    for rel, why in BAD.items():
        path = os.path.join(root, rel)
        check(os.path.isfile(path), "missing test data %s" % path)
        if not os.path.isfile(path):
            continue
        check(run(["dcmdump", "-q", path]).returncode != 0, "%s: dcmdump reads it, so should radnet" % rel)
        expect_bad(radnet, path, why)
    with tempfile.TemporaryDirectory() as tmp:
        rnd = random.Random(7)
        made = {"empty.dcm": b"", "random.bin": bytes(rnd.randrange(256) for _ in range(5000)),
                "fake_preamble.dcm": bytes(128) + b"DICM" + bytes(rnd.randrange(256) for _ in range(300))}
        for name, data in made.items():
            p = os.path.join(tmp, name)
            open(p, "wb").write(data)
            expect_bad(radnet, p, name)
        expect_bad(radnet, os.path.join(tmp, "does-not-exist.dcm"), "missing")
    for rel in QUIRKY:
        path = os.path.join(root, rel)
        r = run([radnet, "tags", path])
        check(r.returncode == 0 and r.stdout.count(b"\n") > 5,
              "%s: exit %d: %s" % (rel, r.returncode, r.stderr.decode(errors="replace").strip()))
        r = run([radnet, "tags", path, "--json"])
        check(r.returncode == 0 and r.stdout.startswith(b"{"), "%s: --json failed" % rel)
    ct = os.path.join(root, "pydicom/test_files/CT_small.dcm")
    r = run([radnet, "tags", ct])
    text = r.stdout.decode()
    check(r.returncode == 0 and "(0010,0010) PN [CompressedSamples^CT1]" in text and
          "PatientName" in text and "(0010,1002) SQ (Sequence, 2 items)" in text,
          "text dump of CT_small.dcm")
    r = run([radnet, "tags", ct, "--json", "--meta"])
    check(r.returncode == 0 and b'"00020010":{"vr":"UI","Value":["1.2.840.10008.1.2.1"]}' in r.stdout,
          "--meta lacks the transfer syntax")
    r = run([radnet, "tags", ct, "--json"])
    check(b'"00020010"' not in r.stdout and b'"7FE00010"' not in r.stdout,
          "--json without --meta/--bulk must leave out group 0002 and pixel data")
    r = run([radnet, "tags", ct, "--json", "--bulk"])
    check(b'"7FE00010":{"vr":"OW","InlineBinary":"' in r.stdout, "--bulk lacks pixel data")
    r = run([radnet, "tags"])
    check(r.returncode == 1, "no FILE: exit %d, want 1" % r.returncode)
    r = run([radnet, "tags", "--help"])
    check(r.returncode == 0 and b"usage" in r.stdout, "--help")
    r = run([radnet, "tags", "a", "--bogus"])
    check(r.returncode == 1, "unknown option: exit %d, want 1" % r.returncode)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
