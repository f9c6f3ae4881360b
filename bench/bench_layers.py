"""PyTorch reference for bench_layers: the same conv2d shapes, forward and
backward, medians in ms. Run with Debian's python (where torch lives):

    /usr/bin/python3 bench/bench_layers.py [reps]
"""
import sys
import time

import torch

BATCH = 128


def bench(c_in, hw, c_out, k, reps):
    x = torch.rand(BATCH, c_in, hw, hw, requires_grad=True)
    conv = torch.nn.Conv2d(c_in, c_out, k, padding=k // 2)
    tf, tb = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        y = conv(x)
        tf.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        y.backward(y.detach())
        tb.append(time.perf_counter() - t0)
        x.grad = None
        conv.zero_grad()
    tf.sort()
    tb.sort()
    flops = 2.0 * BATCH * c_out * hw * hw * c_in * k * k
    print("torch conv2d (%d,%d,%d,%d) k%dx%d -> %d ch: forward %7.2f ms (%5.1f GFLOP/s), "
          "backward %7.2f ms (%5.1f GFLOP/s)" % (BATCH, c_in, hw, hw, k, k, c_out,
                                                 1e3 * tf[reps // 2],
                                                 flops / tf[reps // 2] * 1e-9,
                                                 1e3 * tb[reps // 2],
                                                 2 * flops / tb[reps // 2] * 1e-9))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    print("torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
    bench(1, 28, 16, 7, reps)
    bench(16, 14, 16, 7, reps)


if __name__ == "__main__":
    main()
