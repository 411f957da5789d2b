#!/usr/bin/python3
"""Peak disk of a workspace during `mpirun -n 2 RADNET ingest SRC -w WS -j 1`
(whole workspace and its shards/ folder, sampled every 0.2 s).
usage: bench/bench_scale_diskpeak.py RADNET WS SRC"""
import os, subprocess, sys, time, threading
ws = sys.argv[2]
def du(p):
    t = 0
    for r, _, fs in os.walk(p):
        for f in fs:
            try: t += os.lstat(os.path.join(r, f)).st_blocks * 512
            except FileNotFoundError: pass
    return t
peak = [0, 0]
done = threading.Event()
def s():
    while not done.wait(0.2):
        peak[0] = max(peak[0], du(ws)); peak[1] = max(peak[1], du(ws + "/shards"))
th = threading.Thread(target=s); th.start()
subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n", "2",
                sys.argv[1], "--quiet", "ingest", sys.argv[3], "-w", ws, "-j", "1"], check=True)
done.set(); th.join()
print(f"{sys.argv[1]}: peak workspace {peak[0]/2**20:.0f} MiB, shards {peak[1]/2**20:.0f} MiB, final {du(ws)/2**20:.0f} MiB")
