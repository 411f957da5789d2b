"""Scaffolding shared by the Python tests (run under /usr/bin/python3): the
radnet binary meson passes in $RADNET_BIN, a counted check(), finish() as
the exit status (a test that checked nothing fails), and running radnet.

A test finds this module through its own directory:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from rn_testlib import BIN, check, finish, run
"""
import csv
import hashlib
import os
import subprocess
import sys

BIN = os.environ.get("RADNET_BIN", "")

_checks = 0
_failures = []


def check(cond, what):
    """Counts a check; prints `FAIL: what` on stderr when cond is false.
    Returns whether it held, so a test can stop early."""
    global _checks
    _checks += 1
    if not cond:
        _failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return bool(cond)


def failed():
    """How many checks have failed so far."""
    return len(_failures)


def finish(summary=""):
    """Prints the tally (after summary, if any) and returns the exit status:
    1 when a check failed or none was made."""
    print(f"{summary}{_checks} checks, {len(_failures)} failed", file=sys.stderr)
    return 1 if _failures or _checks == 0 else 0


def run(*args, ok=True, **kw):
    """Runs radnet with args, output captured as text; extra keywords go to
    subprocess.run. ok=True: a non-zero exit ends the test, radnet's output
    on stderr."""
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, **kw)
    if ok and p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
        raise SystemExit(f"radnet {' '.join(map(str, args))} failed")
    return p


def digest(path):
    """SHA-256 of a file, hex."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_csv(path):
    """A CSV file with a header line, as a list of dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
