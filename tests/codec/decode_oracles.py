"""The decoders the codec golden tests compare (golden_decode.py,
golden_bigendian.py): gdcm's, through gdcmconv + gdcmraw, and radnet's."""
import os
import subprocess

RADNET = os.environ.get("RADNET_BIN", "")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, timeout=120)


def gdcm_decode(path, tmp):
    """gdcm's decoded pixel bytes, or None when gdcm cannot decode the file
    (gdcmraw alone copies the stored, still compressed value, so gdcmconv
    decompresses first)."""
    conv, gold = os.path.join(tmp, "conv.dcm"), os.path.join(tmp, "gold.raw")
    if run(["gdcmconv", "--raw", path, conv]).returncode != 0:
        return None
    if run(["gdcmraw", "-i", conv, "-o", gold]).returncode != 0:
        return None
    with open(gold, "rb") as f:
        return f.read()


def radnet_decode(path, tmp):
    """(exit code, stderr, decoded bytes or None) of `radnet decode`."""
    out = os.path.join(tmp, "ours.raw")
    p = run([RADNET, "decode", path, "-o", out])
    data = None
    if p.returncode == 0:
        with open(out, "rb") as f:
            data = f.read()
    return p.returncode, p.stderr.decode("utf-8", "replace"), data
