"""Training speed of hypernet.h's recurrent language models against PyTorch.

Two pairs, each measured in one run with the two sides interleaved repeat
by repeat (the machine is shared, so medians and ratios, not single
timings, are what to read):

  LN-HyperLSTM (hidden 256, hyper hidden 64, N_z 4, embedding 64, batch
  32, seq 100): build/bench_lstm against a hand-written PyTorch cell of the
  same equations (bench/bench_rnn_torch.py);
  LSTM of the same sizes: build/bench_lstm against PyTorch's fused nn.LSTM.

Each repeat times `--steps` full training steps (forward, backward, Adam)
after two warm-up steps. Both sides get 2 threads: OMP_NUM_THREADS=2 and,
for PyTorch, OPENBLAS_NUM_THREADS=1 (its best setting on this machine).

  /usr/bin/python3 bench/bench_rnn.py [--repeats 3] [--steps 2]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZES = ["--batch", "32", "--seq", "100", "--embed", "64", "--hidden", "256",
         "--hyper-hidden", "64", "--hyper-embed", "4", "--vocab", "65"]


def rate(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    m = re.search(r"chars_per_sec=([0-9.]+)", out)
    if not m:
        sys.exit("no chars_per_sec in output of %s:\n%s" % (" ".join(cmd), out))
    return float(m.group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OPENBLAS_NUM_THREADS="1")
    ours = os.path.join(ROOT, "build", "bench_lstm")
    torch = ["/usr/bin/python3", os.path.join(HERE, "bench_rnn_torch.py")]
    each = ["--steps", str(a.steps), "--repeats", "1"] + SIZES
    pairs = [("ln-hyperlstm", "hand-written LN-HyperLSTM cell"),
             ("lstm", "fused nn.LSTM")]
    print("load average at start: %s" % open("/proc/loadavg").read().split()[:3])
    results = {}
    for model, ref in pairs:
        c_rates, t_rates = [], []
        for r in range(a.repeats):
            c_rates.append(rate([ours, "--model", model] + each, env))
            t_rates.append(rate(torch + ["--model", model] + each, env))
            print("%-13s repeat %d: hypernet.h %8.0f chars/s   PyTorch %8.0f chars/s"
                  % (model, r, c_rates[-1], t_rates[-1]), flush=True)
        c, t = statistics.median(c_rates), statistics.median(t_rates)
        ratios = [x / y for x, y in zip(c_rates, t_rates)]
        results[model] = (c, t, statistics.median(ratios), ref)
    print("\n| model | hypernet.h chars/s | PyTorch 1.13 chars/s (reference) "
          "| ratio (median of per-repeat ratios) |")
    print("| --- | ---: | ---: | ---: |")
    for model, (c, t, ratio, ref) in results.items():
        print("| %s | %.0f | %.0f (%s) | %.2fx |" % (model, c, t, ref, ratio))
    print("load average at end: %s" % open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    main()
