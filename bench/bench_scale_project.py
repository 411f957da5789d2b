#!/usr/bin/python3
"""The 1.3 M-image projection of bench/RESULTS.md "Scale" from measured CPU seconds.
usage: bench/bench_scale_project.py "ingest=S,embed=S,..." IMAGES ["ingest=R0/R1,..."]
(one-rank CPU per stage of a --size tiny run and its image count; the rank-0 /
rank-1 CPU split per stage of a two-rank run, by default the first 10^5 two-rank
run's, before the novelty and the evaluation were shared)."""
# Projection for 1.3 M real-size images from the measured per-stage CPU.
import sys
N = 1.3e6
# 1-rank CPU s per stage at 10^6 tiny (filled from n6.r1.md) and 10^5 2-rank split
one = dict(x.split("=") for x in sys.argv[1].split(","))
one = {k: float(v) for k, v in one.items()}
n1 = float(sys.argv[2])  # images in that run
# rank-0-only fraction of each stage from the 2-rank 10^5 run (rank0, rank1 CPU)
split = {"ingest": (39.3, 17.6), "embed": (18.5, 11.8), "fuse": (1.0, 0.0), "cluster": (19.3, 3.4),
         "evaluate": (28.4, 1.4), "report": (4.6, 0.3), "export": (2.3, 0.1)}
if len(sys.argv) > 3:
    split = {k: tuple(float(x) for x in v.split("/"))
             for k, v in (x.split("=") for x in sys.argv[3].split(","))}
mb = 0.7 * 0.5 + 0.3 * 6.0
per_mb = {"native (preprocess-bound)": 4.1e-3, "synth full mix (measured)": 13.3e-3, "all JPEG 2000 lossless": 64e-3}
print(f"mean image {mb:.2f} MB, archive {N * mb / 1e6:.2f} TB")
scale = N / n1
serial_tot = par_tot = 0.0
for st, c in one.items():
    r0, r1 = split[st]
    serial_frac = (r0 - r1) / (r0 + r1) if r0 + r1 else 1.0
    s = c * scale * serial_frac
    p = c * scale - s
    serial_tot += s
    par_tot += p
    print(f"{st:9s} 1.3M tiny CPU {c * scale:8.0f} s  serial {s:7.0f}  parallel {p:7.0f}")
for name, k in per_mb.items():
    dec = N * mb * k
    for P in (1, 8, 64):
        t = serial_tot + (par_tot + dec) / P
        print(f"{name:28s} P={P:3d}: {t / 3600:6.2f} h  (decode {dec / P / 3600:.2f} h, serial {serial_tot / 3600:.2f} h, rest parallel {par_tot / P / 3600:.2f} h)")
