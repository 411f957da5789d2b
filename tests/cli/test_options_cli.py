#!/usr/bin/python3
"""The shared option parser (src/cli/cli_options.c) through the commands
that use it (embed, fuse, study, metrics, cluster, preview): every command reports an unknown option, a bad or missing
value and a stray argument the same way (exit 1, "radnet: OPTION: ..."),
takes a short option's value attached (-j2), and lists in --help every
option its synopsis names. Nothing here needs a workspace: a parse that
succeeds fails later on the missing one (exit 2), which tells the two apart.

env: RADNET_BIN
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, finish, run  # noqa: E402


def radnet(*args):
    return run(*args, ok=False, timeout=60)


def usage_error(args, words):
    r = radnet(*args)
    check(r.returncode == 1 and r.stderr.startswith("radnet: ") and words in r.stderr,
          "%s: want exit 1 and %r, got %d %r" % (" ".join(args), words, r.returncode,
                                                   r.stderr.strip()))


def parsed(args):
    """The options parsed: the command went on and failed on the input."""
    r = radnet(*args)
    check(r.returncode == 2 and "needs a valid value" not in r.stderr,
          "%s: want exit 2 (missing input), got %d %r" % (" ".join(args), r.returncode,
                                                          r.stderr.strip()))


def help_lists_synopsis(cmd):
    r = radnet(cmd, "--help")
    check(r.returncode == 0, "%s --help: exit %d" % (cmd, r.returncode))
    synopsis, _, rest = r.stdout.partition("\n\n")
    listed = set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", rest, re.M))
    listed |= set(re.findall(r"\[(--[\w-]+)", rest))  # cluster's settings block
    for name in set(re.findall(r"(--[\w-]+)", synopsis)) - {"--quiet", "--help"}:
        check(name in listed, "%s --help: %s in the synopsis but not listed" % (cmd, name))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        ws = os.path.join(tmp, "missing-ws")
        npy = os.path.join(tmp, "missing.npy")
        csv = os.path.join(tmp, "missing.csv")
        for cmd, base in [("embed", ["-w", ws, "--source", "image"]), ("fuse", ["-w", ws]),
                          ("study", ["-w", ws]), ("metrics", ["--pred", csv, "--true", csv])]:
            usage_error([cmd, *base, "--bogus", "1"], "--bogus: unknown option")
            usage_error([cmd, *base, "stray"], "stray: unexpected argument")
            help_lists_synopsis(cmd)
        help_lists_synopsis("cluster")
        help_lists_synopsis("preview")
        png = os.path.join(tmp, "out.png")
        usage_error(["preview", csv, "-o", png, "--bogus", "1"], "--bogus: unknown option")
        usage_error(["preview", csv, "-o", png, "stray"], "stray: unexpected argument")
        usage_error(["preview", csv], "needs FILE and -o")
        # Unknown --name VALUE pairs of cluster are clustering settings.
        usage_error(["cluster", "--input", npy, "--k", "3", "--bogus", "1"], "unknown option")
        usage_error(["cluster", "--input", npy, "--k", "3", "stray"], "unexpected argument")

        bad_values = [
            ["embed", "-w", ws, "--source", "image", "--dim", "0"],
            ["embed", "-w", ws, "--source", "image", "-j", "0"],
            ["embed", "-w", ws, "--source", "image", "--seed", "-1"],
            ["embed", "-w", ws, "--source", "image", "--wait", "1.5"],
            ["fuse", "-w", ws, "--weights", "1,-1"],  # 0: a pixel input the map reads
            ["fuse", "-w", ws, "--weights", "1,,2"],
            ["fuse", "-w", ws, "--inputs", "a,"],
            ["fuse", "-w", ws, "--scale", "cubic"],
            ["fuse", "-w", ws, "--reduce", "x"],
            ["study", "-w", ws, "--k", "10,1"],
            ["study", "-w", ws, "--k", ""],
            ["study", "-w", ws, "--test-fraction", "1"],
            ["study", "-w", ws, "--test-fraction", "0.2x"],
            ["study", "-w", ws, "--subset", "3"],
            ["metrics", "--pred", csv, "--true", csv, "--sample", "0"],
            ["metrics", "--pred", csv, "--true", csv, "--metric", "hamming"],
            ["cluster", "--input", npy, "--k", "5:4"],
            ["cluster", "--input", npy, "--k", "3", "--threads", "100000"],
            ["cluster", "--input", npy, "--k", "3", "--dtype", "int8"],
            ["preview", csv, "-o", png, "--voi", "-1"],
            ["preview", csv, "-o", png, "--size", "4097"],
        ]
        for args in bad_values:
            usage_error(args, "needs a valid value")
        usage_error(["embed", "--source", "image", "-w"], "--workspace: missing value")
        usage_error(["study", "-w", ws, "--k"], "--k: missing value")
        usage_error(["cluster", "--input", npy, "--k", "3", "--method"], "missing value")

        # Values that parse: the command then fails on the missing input.
        for args in [["embed", "-w" + ws, "--source", "image", "-j2", "--force", "--quiet"],
                     ["embed", "--workspace", ws, "--source", "meta", "--wait", "0"],
                     ["fuse", "-w", ws, "--inputs", "a,b", "--weights", "1,2.5",
                      "--scale", "standard", "--reduce", "8"],
                     ["study", "-j", "2", "-w", ws, "--k", "10,20", "--test-fraction", "0.3",
                      "--no-kmedoids", "--no-embed"],
                     ["metrics", "--pred", csv, "--stability", csv, "--stability", csv,
                      "--json", "--threads", "100000"],
                     ["cluster", "-i", npy, "-k", "2:6:2", "--algo", "kmedoids",
                      "--metric", "cosine", "--json"],
                     ["preview", "-o" + png, "--size", "64", "--voi", "1", "--json", csv]]:
            parsed(args)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
