#!/usr/bin/env python3
"""In-process pydicom peer of bench_decode_inproc.c:
   bench_decode_pydicom.py REPEATS FILE...
prints FILE, median seconds, decoded MB/s (dcmread + pixel_array timed)."""
import statistics
import sys
import time

import pydicom


def main():
    repeats = int(sys.argv[1])
    failed = 0
    for path in sys.argv[2:]:
        times, nbytes = [], 0
        try:
            for _ in range(repeats):
                t0 = time.perf_counter()
                arr = pydicom.dcmread(path).pixel_array
                times.append(time.perf_counter() - t0)
                nbytes = arr.nbytes
        except Exception as e:  # no handler for this syntax
            print(f"bench: {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        med = statistics.median(times)
        print(f"{path}\t{med:.6f}\t{nbytes / med / 1e6:.1f}")
    sys.exit(1 if failed else 0)  # so hyperfine reports n/a, not a failed run's time


if __name__ == "__main__":
    main()
