#!/usr/bin/python3
"""Training speed of the paper's MNIST network with a generated second
convolution: build/mnist_hyper --bench against PyTorch running the same
network, the same batch and the same generator, in one run.

    /usr/bin/python3 bench/mnist_speed.py [--steps 30] [--rounds 5] [--batch 128]
                                          [--plain] [--threads 2]

Both sides take two warm-up steps, then time --steps training steps
(forward, backward, Adam update) on one fixed batch of random images, so no
data loading or augmentation is timed. The two alternate for --rounds
rounds, so load from other processes on a shared machine falls on both;
the figures are medians over rounds, and the ratio is the ratio of the
medians. PyTorch runs with OMP_NUM_THREADS=threads,
OPENBLAS_NUM_THREADS=1 and, where the CPU has AVX-512,
OPENBLAS_CORETYPE=SkylakeX (its fastest setting; on an AVX2-only CPU that
kernel crashes and the variable is left out).

PyTorch is a benchmark reference here, never a dependency of hypernet.h.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--plain", action="store_true",
                   help="a plain second convolution instead of a generated one")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "mnist_hyper"))
    return p.parse_args()


ARGS = parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = "1"
# OpenBLAS 0.3.21 does not know this CPU and falls back to a slow kernel;
# SkylakeX is its best where the CPU has AVX-512 (on an AVX2-only CPU that
# kernel crashes, so then the variable is left out).
with open("/proc/cpuinfo") as f:
    AVX512 = " avx512f" in f.read()
if AVX512:
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
else:
    os.environ.pop("OPENBLAS_CORETYPE", None)

import torch  # noqa: E402  (after the thread settings, which it reads once)
import torch.nn.functional as F  # noqa: E402


class HyperNet(torch.nn.Module):
    """conv 7x7 1->16, ReLU, pool 2, conv 7x7 16->16, ReLU, pool 2, fc 784->10.
    The second kernel is generated as in hypernet.h: a = W_in z + b_in for
    each of the 16 input channels, K_c = W_out a_c + b_out (N_z = d = 4)."""

    def __init__(self, plain, n_z=4, d=4, f=7, c=16):
        super().__init__()
        self.plain, self.n_z, self.d, self.f, self.c = plain, n_z, d, f, c
        self.conv1 = torch.nn.Conv2d(1, c, f, padding=f // 2)
        if plain:
            self.conv2 = torch.nn.Conv2d(c, c, f, padding=f // 2)
        else:
            self.w_in = torch.nn.Parameter(torch.randn(c * d, n_z) * n_z ** -0.5)
            self.b_in = torch.nn.Parameter(torch.zeros(c * d))
            self.w_out = torch.nn.Parameter(
                torch.randn(c * f * f, d) * (2.0 / (d * c * f * f)) ** 0.5)
            self.b_out = torch.nn.Parameter(torch.zeros(c * f * f))
            self.z = torch.nn.Parameter(torch.randn(1, n_z))
            self.b2 = torch.nn.Parameter(torch.zeros(c))
        self.fc = torch.nn.Linear(c * 7 * 7, 10)

    def kernel(self):
        c, d, f = self.c, self.d, self.f
        a = (self.z @ self.w_in.t() + self.b_in).view(c, d)   # (in, d)
        k = a @ self.w_out.t() + self.b_out                   # (in, out*f*f)
        # (out, in, f, f); contiguous, or PyTorch takes a slow convolution path
        return k.view(c, c, f, f).transpose(0, 1).contiguous()

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        if self.plain:
            x = self.conv2(x)
        else:
            x = F.conv2d(x, self.kernel(), self.b2, padding=self.f // 2)
        x = F.max_pool2d(F.relu(x), 2)
        return self.fc(x.flatten(1))


def torch_images_per_sec(steps, batch, plain):
    torch.manual_seed(0)
    torch.set_num_threads(ARGS.threads)
    net = HyperNet(plain)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - t0)


def c_images_per_sec(steps, batch, plain):
    with tempfile.TemporaryDirectory() as out:
        cmd = [ARGS.binary, "--bench", str(steps), "--batch", str(batch),
               "--threads", str(ARGS.threads), "--out", out] + \
              (["--plain"] if plain else [])
        env = dict(os.environ, OMP_NUM_THREADS=str(ARGS.threads))
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "summary.json")) as fh:
            s = json.load(fh)
    return s["images_per_sec"], s


def main():
    if not os.access(ARGS.binary, os.X_OK):
        sys.exit(f"{ARGS.binary} is missing: run make first")
    what = "plain" if ARGS.plain else "hyper"
    c_runs, t_runs = [], []
    summary = None
    for r in range(ARGS.rounds):
        c, summary = c_images_per_sec(ARGS.steps, ARGS.batch, ARGS.plain)
        t = torch_images_per_sec(ARGS.steps, ARGS.batch, ARGS.plain)
        c_runs.append(c)
        t_runs.append(t)
        print(f"round {r + 1}: hypernet.h {c:8.1f} img/s   PyTorch {t:8.1f} img/s   "
              f"ratio {c / t:5.2f}", flush=True)
    c_med, t_med = statistics.median(c_runs), statistics.median(t_runs)
    print(f"MNIST {what} net, batch {ARGS.batch}, {ARGS.threads} threads, "
          f"{ARGS.steps} steps x {ARGS.rounds} rounds (medians):")
    print(f"  hypernet.h  {c_med:8.1f} img/s   (layer 2: {summary['params_layer2']} "
          f"floats, {summary['params_total']} in all)")
    print(f"  PyTorch {torch.__version__}  {t_med:8.1f} img/s")
    print(f"  ratio       {c_med / t_med:8.2f}x   (median of the rounds' ratios "
          f"{statistics.median(c / t for c, t in zip(c_runs, t_runs)):.2f}x)")


if __name__ == "__main__":
    main()
