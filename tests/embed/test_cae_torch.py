#!/usr/bin/python3
"""The CAE against PyTorch on identical weights and inputs.

tests/embed/cae_torch_dump.c writes the layer list, the initial parameters,
a batch, every layer's output, the loss, every parameter's gradient, and the
loss curve of a few Adam steps (lr 1e-3). Here PyTorch (Debian python3-torch)
computes the same network from the same float32 numbers in float64 (the
oracle for forward values and gradients) and in float32 with
torch.optim.Adam (the training curve).

Tolerances: C works in float32 with sums of at most a few ten thousand
terms, so each tensor must match the float64 oracle to 1e-4 of its largest
magnitude. The Adam curve is compared with PyTorch's own float32 run: Adam
normalises each update, so a gradient that is ~0 in both (dead units) may
differ in sign between the two float32 runs and move its weight by lr; the
loss curve must still agree to 1e-3 relative.

Usage: test_cae_torch.py DUMPER
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

CONFIGS = [  # size, levels, channels, dim, batch, adam steps
    (32, 2, 8, 16, 6, 8),
    (64, 3, 16, 64, 4, 5),  # the default architecture
]


def parse_arch(path):
    layers = []
    for line in open(path):
        f = line.split()
        layers.append((f[0], [int(v) for v in f[1:]]))
    return layers


def unpack(layers, flat):
    """Per conv/dense layer (weight, bias) as torch tensors in torch layout."""
    params, off = [], 0
    for kind, a in layers:
        if kind == "conv":
            _, _, cin, cout = a
            w = flat[off:off + cout * 9 * cin].reshape(cout, 3, 3, cin)
            off += cout * 9 * cin
            b = flat[off:off + cout]
            off += cout
            params.append((w.permute(0, 3, 1, 2), b))  # OHWI -> OIHW
        elif kind == "dense":
            i, o = a
            w = flat[off:off + o * i].reshape(o, i)
            off += o * i
            b = flat[off:off + o]
            off += o
            params.append((w, b))
        else:
            params.append(None)
    assert off == flat.numel(), (off, flat.numel())
    return params


def nhwc_flat(t):
    return t.permute(0, 2, 3, 1).reshape(t.shape[0], -1) if t.dim() == 4 else t


def forward(layers, params, x, size):
    """x: n × size² in [0,1]; returns every layer's output (NCHW or flat)."""
    h = x.reshape(-1, 1, size, size)
    outs = []
    for (kind, a), p in zip(layers, params):
        if kind == "conv":
            h = F.conv2d(h, p[0], p[1], padding=1)
        elif kind == "relu":
            h = F.relu(h)
        elif kind == "pool":
            h = F.max_pool2d(h, 2)
        elif kind == "up":
            if h.dim() == 2:  # the dense output back to the map, NHWC order
                hh, ww, c = a[0], a[1], a[2]
                h = h.reshape(-1, hh, ww, c).permute(0, 3, 1, 2)
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        elif kind == "dense":
            h = F.linear(nhwc_flat(h), p[0], p[1])
        elif kind == "sigmoid":
            h = torch.sigmoid(h)
        outs.append(h)
    return outs


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check_config(dumper, cfg, tmp):
    size, levels, channels, dim, n, steps = cfg
    subprocess.run([dumper, tmp, str(size), str(levels), str(channels),
                    str(dim), str(n), str(steps)], check=True)
    layers = parse_arch(os.path.join(tmp, "arch.txt"))
    load = lambda name: np.load(os.path.join(tmp, name + ".npy"))
    flat32 = torch.from_numpy(load("params")[0])
    x32 = torch.from_numpy(load("x"))
    failures = []

    # float64 oracle: every layer output, the loss, every gradient
    flat = flat32.double().clone().requires_grad_(True)
    params = unpack(layers, flat)
    outs = forward(layers, params, x32.double(), size)
    loss = F.mse_loss(outs[-1].reshape(n, -1), x32.double())
    loss.backward()
    for i, out in enumerate(outs):
        # a ReLU runs in place in C: the layer before it shows its output
        if i + 1 < len(layers) and layers[i + 1][0] == "relu":
            continue
        e = rel(load("layer%02d" % i), nhwc_flat(out).detach().numpy())
        if e > 1e-4:
            failures.append("layer %d (%s) output: %.3g" % (i, layers[i][0], e))
    e = abs(float(load("loss")[0, 0]) - loss.item()) / loss.item()
    if e > 1e-5:
        failures.append("loss: %.3g" % e)
    grads_c = load("grads")[0]
    off = 0
    for i, ((kind, _), p) in enumerate(zip(layers, params)):
        if p is None:
            continue
        for part, t in (("weight", p[0]), ("bias", p[1])):
            cnt = t.numel()
            e = rel(grads_c[off:off + cnt], flat.grad[off:off + cnt].numpy())
            if e > 1e-4:
                failures.append("layer %d (%s) %s gradient: %.3g" % (i, kind, part, e))
            off += cnt
    assert off == grads_c.size

    # float32 Adam from the same weights: the loss curve
    w = flat32.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=1e-3)
    curve = []
    for t in range(steps + 1):
        opt.zero_grad()
        out = forward(layers, unpack(layers, w), x32, size)[-1]
        l = F.mse_loss(out.reshape(n, -1), x32)
        curve.append(l.item())
        if t < steps:
            l.backward()
            opt.step()
    curve_c = load("curve")[0]
    e = max(abs(a - b) / b for a, b in zip(curve_c, curve))
    if e > 1e-3:
        failures.append("Adam loss curve: %.3g\n  C     %s\n  torch %s" %
                        (e, list(curve_c), curve))
    if curve[-1] >= curve[0]:
        failures.append("the Adam steps did not lower the loss")
    print("config %s: %d layers, loss %.6f, curve %.6f -> %.6f, "
          "max curve rel diff %.2g" % (cfg, len(layers), loss.item(),
                                      curve[0], curve[-1], e))
    return failures


def main():
    torch.set_num_threads(1)
    dumper = sys.argv[1]
    failures = []
    for cfg in CONFIGS:
        with tempfile.TemporaryDirectory() as tmp:
            failures += ["%s: %s" % (cfg, f) for f in check_config(dumper, cfg, tmp)]
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
