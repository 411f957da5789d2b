#!/usr/bin/python3
"""`radnet run` end to end on a synthetic archive: wall time, CPU time and
peak RSS per stage, the quality figures, disk used.

usage: bench/bench_run.py RADNET N DIR [--seed S] [-j J] [-k K] [--size SIZE]
                          [--ranks R] [--keep]

Makes DIR/arch with `radnet synth -n N --size SIZE` (timed apart; default
small), then runs `radnet run DIR/arch/dicom --reports DIR/arch/reports.csv
-w DIR/ws` once (with --ranks R > 1 under `mpirun -n R`, -j J threads per
rank, the default RADNET_DIST_TIMEOUT: the ranks' heartbeat keeps the others
waiting through rank 0's long lone steps),
reading its one-line progress on stderr (kept in DIR/run-rR.stderr): a stage ends when its last bar
prints its final line (or, when its last line is a one-liner, when the next
stage's first line says it began). The resident set size of every radnet
process (each rank) is sampled every 0.2 s (/proc/PID/status VmRSS) and
attributed to the stage running then; each process's peak (VmHWM) is
reported too. CPU time per stage is user+sys of the radnet processes
(/proc/PID/stat, summed over ranks) at the stage boundaries (0.2 s sampling;
the last sample before exit closes the last stage; one rank: the exact total
from wait4). Stage boundaries are rank 0's (the only rank that prints).
Quality: the run's own figures (run/evaluation.json, against the archive's
Modality and region) and NMI against the generator's truth.csv (scikit-learn)
from `radnet export --reveal-uids`. Prints a Markdown table.
"""
import argparse, csv, json, os, re, shutil, subprocess, sys, threading, time


def du(path):
    """Bytes allocated under path (a file or a folder)."""
    if os.path.isfile(path):
        return os.lstat(path).st_blocks * 512
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def proc_cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError):
        return None


def radnet_pids(root):
    """The ranks among root's descendants (under mpirun), or root itself when
    it is radnet alone."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
            children.setdefault(int(tail.split()[1]), []).append(
                (int(d), head.split("(", 1)[1]))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    found, todo = [], [(root, None, None)]
    while todo:  # a radnet whose parent is a radnet is a helper of a rank
        pid, comm, parent = todo.pop()
        if is_radnet(comm) and not is_radnet(parent) and is_rank(pid):
            found.append(pid)
        todo.extend((c, cc, comm) for c, cc in children.get(pid, []))
    return found or [root] if is_radnet(comm_of(root)) else found


def is_radnet(comm):
    return comm is not None and comm.startswith("radnet")  # radnet, or a renamed copy


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return None


RANK_OF = {}


def is_rank(pid):
    """A rank has its rank number in its environment (remembered in
    RANK_OF); one process alone is rank 0."""
    if pid not in RANK_OF:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
            RANK_OF[pid] = int(env.get(b"OMPI_COMM_WORLD_RANK", b"-1"))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return False
    return RANK_OF[pid] >= 0


ELAPSED = re.compile(r", ([0-9.]+)s$")
STEP_COUNT = re.compile(r"\s[0-9]+/[0-9]+ done.*$")
WS_PARTS = ("thumbs.npy", "catalog.sqlite", "catalog.sqlite-wal", "shards", "embeddings")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def bounds(lines, t0, end):
    """[(name, begin, end)] of the named spans in order of their first line."""
    order = list(lines)
    start = {}
    for i, st in enumerate(order):
        prev = lines[order[i - 1]][-1] if i else None
        first_at, first_el = lines[st][0]
        if i == 0:
            start[st] = t0
        elif prev[1] is not None:
            start[st] = prev[0]
        else:
            start[st] = first_at - (first_el or 0.0)
    return [(st, start[st], start[order[i + 1]] if i + 1 < len(order) else end)
            for i, st in enumerate(order)]


def spans(lines, t0, end, samples, cpu_end):
    """[(name, wall, cpu, peak rss, {rank: cpu})] of the named spans in order of their
    first line. A span ends when its last bar prints its final line; a span
    whose last line is a one-liner ends when the next starts: at its first
    line (a one-liner prints as its step begins; a bar's first line, minus
    the bar's own elapsed time)."""
    def cpu_at(when):
        before = [x for x in samples if x[0] <= when]
        return before[-1][2:] if before else (0.0, {})
    rows = []
    for i, (st, b, e) in enumerate(bounds(lines, t0, end)):
        (c0, r0), (c1, r1) = cpu_at(b), cpu_at(e)
        cpu = (cpu_end if i + 1 == len(lines) else c1) - c0
        rss = max([x[1] for x in samples if b <= x[0] < e] or [0])
        rows.append((st, e - b, cpu, rss, {r: c - r0.get(r, 0.0) for r, c in r1.items()}))
    return rows


def run_timed(cmd, stderr_log, env=None, ws=None):
    """Runs cmd; returns (rc, [(stage, wall, cpu, peak rss of any rank)],
    the same per "stage: step", {pid: VmHWM}, {pid: cpu}, stdout,
    (peak bytes of ws's big parts, the stage then)).
    A progress bar prints its line when it ends (and every few seconds),
    with its own elapsed time: a stage starts at the earliest of its lines'
    arrival minus that time (one-line steps print when they start)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    samples, peak, cpu_last, done = [], {}, {}, threading.Event()
    disk_peak = [0, 0.0, 0]  # bytes, when, the shards' own peak

    def sampler():
        tick = 0
        while True:
            tick += 1
            if ws and tick % 25 == 1:  # every 5 s
                used = {x: du(f"{ws}/{x}") for x in WS_PARTS}
                disk_peak[2] = max(disk_peak[2], used["shards"])
                if sum(used.values()) > disk_peak[0]:
                    disk_peak[:2] = [sum(used.values()), time.monotonic()]
            rss, per_rank = 0, {}
            for pid in radnet_pids(p.pid):
                cpu = proc_cpu(pid)
                if cpu is not None:
                    cpu_last[pid] = cpu
                    rss = max(rss, proc_status(pid, "VmRSS"))
                    peak[pid] = max(peak.get(pid, 0), proc_status(pid, "VmHWM"))
                    rank = max(RANK_OF.get(pid, 0), 0)
                    per_rank[rank] = max(per_rank.get(rank, 0.0), cpu)
            if cpu_last:
                samples.append((time.monotonic(), rss, sum(cpu_last.values()), per_rank))
            if done.wait(0.2):
                return
    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    out_lines = []
    t_out = threading.Thread(target=lambda: out_lines.extend(p.stdout), daemon=True)
    t_out.start()
    lines, steps = {}, {}   # stage, "stage: step" -> [(arrival, elapsed or None)]
    with open(stderr_log, "w") as log:
        for line in p.stderr:
            now = time.monotonic()
            log.write(f"{now - t0:9.2f} {line}")
            stage = line.split(":", 1)[0].strip()
            if not stage or " " in stage:
                continue
            m = ELAPSED.search(line.rstrip())
            seen = (now, float(m.group(1)) if m else None)
            lines.setdefault(stage, []).append(seen)
            step = ": ".join(x.strip() for x in line.split(":")[:2])
            steps.setdefault(STEP_COUNT.sub("", step).strip(), []).append(seen)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    end = time.monotonic()
    done.set()
    t.join()
    t_out.join()
    # One process: wait4's exact total; under mpirun its usage includes
    # mpirun's own, so take the ranks' last samples instead.
    cpu_end = (usage.ru_utime + usage.ru_stime if list(cpu_last) == [p.pid]
               else sum(cpu_last.values()))
    rows = spans(lines, t0, end, samples, cpu_end)
    step_rows = spans(steps, t0, end, samples, cpu_end)
    at = disk_peak[1]
    peak_stage = next((st for st, b, e in bounds(lines, t0, end) if b <= at < e), "?")
    return (p.returncode, rows, step_rows, peak, cpu_last, "".join(out_lines),
            (disk_peak[0], peak_stage, disk_peak[2]))


def truth_nmi(radnet, ws, arch, tmp):
    from sklearn.metrics import normalized_mutual_info_score as nmi
    exp = f"{tmp}/export.csv"
    subprocess.run([radnet, "export", "-w", ws, "--out", exp, "--reveal-uids", "--quiet"],
                   check=True)
    with open(exp, newline="") as f:
        label = {r["id"]: r["Cluster"] for r in csv.DictReader(f)}
    with open(f"{arch}/truth.csv", newline="") as f:
        truth = {r["SOPInstanceUID"]: r for r in csv.DictReader(f)}
    uids = [u for u in label if u in truth]
    pred = [label[u] for u in uids]
    return (len(uids), nmi([truth[u]["Modality"] for u in uids], pred),
            nmi([truth[u]["Region"] for u in uids], pred))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("radnet")
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-k", default="50")
    ap.add_argument("--size", default="small", choices=["tiny", "small", "full"])
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the archive and workspace")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    arch, ws = f"{a.dir}/arch", f"{a.dir}/ws"
    shutil.rmtree(ws, ignore_errors=True)
    if not os.path.isdir(f"{arch}/dicom"):
        t0, c0 = time.monotonic(), os.times()
        subprocess.run([a.radnet, "synth", "--out", arch, "-n", str(a.n), "--seed",
                        str(a.seed), "--size", a.size, "-j", str(a.j), "--quiet"], check=True)
        c1 = os.times()
        print(f"synth: {a.n} files in {time.monotonic() - t0:.1f} s wall, "
              f"{c1.children_user + c1.children_system - c0.children_user - c0.children_system:.1f} s CPU")
    load0 = os.getloadavg()[0]
    cmd = [a.radnet, "run", f"{arch}/dicom", "--reports", f"{arch}/reports.csv", "-w", ws,
           "-k", a.k, "-j", str(a.j)]
    env = dict(os.environ)
    if a.ranks > 1:
        cmd = MPIRUN + ["-n", str(a.ranks)] + cmd
    disk_arch = du(arch)
    rc, rows, step_rows, peak, cpu, out, disk_peak = run_timed(
        cmd, f"{a.dir}/run-r{a.ranks}.stderr", env, ws)
    load1 = os.getloadavg()[0]
    if rc != 0:
        sys.exit(f"radnet run failed ({rc}); see {a.dir}/run-r{a.ranks}.stderr")
    ev = json.load(open(f"{ws}/run/evaluation.json"))
    n_eval, t_mod, t_reg = truth_nmi(a.radnet, ws, arch, a.dir)
    print(f"\n`bench/bench_run.py {a.radnet} {a.n} DIR --seed {a.seed} -j {a.j} -k {a.k} "
          f"--size {a.size} --ranks {a.ranks}`, "
          f"load average {load0:.1f} at start, {load1:.1f} at end\n")
    per_rank = a.ranks > 1

    def table(title, rows):
        print(f"| {title} | wall s | CPU s | peak RSS MiB (sampled) |"
              + (" CPU s per rank |" if per_rank else ""))
        print("|---|---:|---:|---:|" + ("---:|" if per_rank else ""))
        for s, w, c, r, rc in rows:
            print(f"| {s} | {w:.1f} | {c:.1f} | {r / 2**20:.0f} |" + (
                " " + " / ".join(f"{rc.get(k, 0.0):.1f}" for k in range(a.ranks)) + " |"
                if per_rank else ""))
    table("stage", rows)
    print(f"| **all** | {sum(x[1] for x in rows):.1f} | {sum(x[2] for x in rows):.1f} | "
          f"{max(peak.values()) / 2**20:.0f} (VmHWM) |" + (" |" if per_rank else ""))
    print()
    table("step", step_rows)
    if a.ranks > 1:
        best = {}  # rank -> its process (the one that worked, should mpirun show two)
        for p in cpu:
            r = RANK_OF.get(p, -1)
            if r not in best or cpu[p] > cpu[best[r]]:
                best[r] = p
        print("\nper rank: " + "; ".join(
            f"rank {r}: CPU {cpu[p]:.1f} s, VmHWM {peak.get(p, 0) / 2**20:.0f} MiB"
            for r, p in sorted(best.items())))
    m, r = ev["modality"], ev["region"]
    summ = ("Agreement" + out.split("Agreement", 1)[1].split("Clusters", 1)[0]
            if "Agreement" in out else "")
    print(f"\nimages clustered: {ev['rows']}, k = {ev['k']}, inputs {', '.join(ev['inputs'])}")
    print("\nQuality (radnet run's own summary, against the archive's Modality / region):\n")
    print("```\n" + summ.rstrip() + "\n```")
    print(f"\nNMI against the generator's truth ({n_eval} images): Modality {t_mod:.3f}, "
          f"region {t_reg:.3f}")
    print(f"\ndisk: archive {disk_arch / 2**20:.0f} MiB, workspace {du(ws) / 2**20:.0f} MiB "
          f"(thumbs.npy {os.path.getsize(f'{ws}/thumbs.npy') / 2**20:.0f} MiB, "
          f"catalog.sqlite {sum(du(f'{ws}/catalog.sqlite' + x) for x in ('', '-wal')) / 2**20:.0f} MiB, "
          f"embeddings {du(f'{ws}/embeddings') / 2**20:.0f} MiB, "
          f"models {du(f'{ws}/models') / 2**20:.0f} MiB, report {du(f'{ws}/report') / 2**20:.0f} MiB, "
          f"shards {du(f'{ws}/shards') / 2**20:.0f} MiB, run {du(f'{ws}/run') / 2**20:.0f} MiB)")
    print(f"\npeak during the run (thumbs.npy, catalogue, shards, embeddings; every 5 s): "
          f"{disk_peak[0] / 2**20:.0f} MiB, in {disk_peak[1]}; the shards' own peak "
          f"{disk_peak[2] / 2**20:.0f} MiB")
    if not a.keep:
        shutil.rmtree(ws, ignore_errors=True)


if __name__ == "__main__":
    main()
