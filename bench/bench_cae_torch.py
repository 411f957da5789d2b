#!/usr/bin/python3
"""PyTorch peer of bench/bench_cae.c: the same CAE (layers as
src/embed/cae.h), batch and thread count, on the CPU.

    bench_cae_torch.py MODE SIZE LEVELS CHANNELS DIM BATCH THREADS STEPS RUNS

Prints the median images/s over RUNS runs of STEPS batches (one warm-up)."""
import statistics
import sys
import time

import torch
import torch.nn as nn


def build(size, levels, channels, dim):
    enc, ch, s = [], 1, size
    for i in range(levels):
        out = channels << i
        enc += [nn.Conv2d(ch, out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        ch, s = out, s // 2
    flat = ch * s * s
    enc += [nn.Flatten(), nn.Linear(flat, dim)]
    dec = [nn.Linear(dim, flat), nn.ReLU(), nn.Unflatten(1, (ch, s, s))]
    for i in reversed(range(levels)):
        out = channels << (i - 1) if i else 1
        dec += [nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(ch, out, 3, padding=1),
                nn.ReLU() if i else nn.Sigmoid()]
        ch = out
    return nn.Sequential(*enc), nn.Sequential(*dec)


def main():
    mode = sys.argv[1]
    size, levels, channels, dim, batch, threads, steps, runs = map(int, sys.argv[2:])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    enc, dec = build(size, levels, channels, dim)
    model = nn.Sequential(enc, dec)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    x = torch.rand(batch, 1, size, size)
    rates = []
    for r in range(-1, runs):
        t0 = time.perf_counter()
        for _ in range(1 if r < 0 else steps):
            if mode == "train":
                opt.zero_grad()
                loss = loss_fn(model(x), x)
                loss.backward()
                opt.step()
            else:
                with torch.no_grad():
                    enc(x)
        if r >= 0:
            rates.append(steps * batch / (time.perf_counter() - t0))
    print("%.1f" % statistics.median(rates))


if __name__ == "__main__":
    main()
