#!/usr/bin/python3
"""Collective waits under mpirun (dist_wait.c, a 2 s timeout): a rank waits
for another's long lone step (3.5 timeouts) as long as that rank is alive;
a rank that is stopped (SIGSTOP: alive but silent) or killed still fails
the job in bounded time, never a hang.

usage: test_wait.py DIST_WAIT
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, finish  # noqa: E402

HELPER = sys.argv[1]
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def run(ranks, mode):
    t0 = time.monotonic()
    try:
        p = subprocess.run(MPIRUN + ["-n", str(ranks), HELPER, mode], capture_output=True,
                           text=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        return None, 120.0, f"{e.stdout or ''}{e.stderr or ''} (mpirun did not end: a hang)"
    return p.returncode, time.monotonic() - t0, p.stdout + p.stderr


def main():
    rc, seconds, out = run(3, "lone")
    check(rc == 0, f"lone step: exit {rc}: {out}")
    check(out.count("passed") == 3, f"lone step: not every rank passed: {out}")
    print(f"lone: {seconds:.1f} s\n{out}", file=sys.stderr)

    rc, seconds, out = run(2, "stop")
    check(rc not in (0, None), f"stopped rank: exit {rc}: {out}")
    check("rank 0: barrier failed cleanly" in out and "no answer from the other ranks" in out,
          f"stopped rank: rank 0 did not time out: {out}")
    check(seconds < 60, f"stopped rank: {seconds:.0f} s to fail")
    print(f"stop: exit {rc} after {seconds:.1f} s\n{out}", file=sys.stderr)

    rc, seconds, out = run(2, "kill")
    check(rc not in (0, None), f"killed rank: exit {rc}: {out}")
    check(seconds < 60, f"killed rank: {seconds:.0f} s to fail")
    print(f"kill: exit {rc} after {seconds:.1f} s\n{out}", file=sys.stderr)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
