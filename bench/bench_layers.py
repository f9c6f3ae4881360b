"""PyTorch reference for bench_layers: the same conv2d shapes, forward and
backward, medians in ms. Run with Debian's python (where torch lives):

    /usr/bin/python3 bench/bench_layers.py [reps]
"""
import sys
import time

import torch


def bench(batch, c_in, hw, c_out, k, reps):
    x = torch.rand(batch, c_in, hw, hw, requires_grad=True)
    conv = torch.nn.Conv2d(c_in, c_out, k, padding=k // 2)
    tf, tb, cf, cb = [], [], [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        y = conv(x)
        tf.append(time.perf_counter() - t0)
        cf.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        y.backward(y.detach())
        tb.append(time.perf_counter() - t0)
        cb.append(time.process_time() - c0)
        x.grad = None
        conv.zero_grad()
    for t in (tf, tb, cf, cb):
        t.sort()
    flops = 2.0 * batch * c_out * hw * hw * c_in * k * k
    m = reps // 2
    print("torch conv2d (%d,%d,%d,%d) k%dx%d -> %d ch: forward %7.2f ms (cpu %7.2f, "
          "%5.1f GFLOP/s), backward %7.2f ms (cpu %7.2f, %5.1f GFLOP/s)"
          % (batch, c_in, hw, hw, k, k, c_out, 1e3 * tf[m], 1e3 * cf[m],
             flops / cf[m] * 1e-9, 1e3 * tb[m], 1e3 * cb[m], 2 * flops / cb[m] * 1e-9))


def bench_mnist_net(reps):
    """Forward and backward of the paper's MNIST network, as bench_layers."""
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 16, 7, padding=3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(784, 10))
    x = torch.rand(128, 1, 28, 28)
    labels = torch.arange(128) % 10
    t, c = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = nn.functional.cross_entropy(net(x), labels)
        loss.backward()
        t.append(time.perf_counter() - t0)
        c.append(time.process_time() - c0)
        net.zero_grad()
    t.sort()
    c.sort()
    print("torch MNIST net (batch 128) forward + backward: %7.2f ms (cpu %7.2f)"
          % (1e3 * t[reps // 2], 1e3 * c[reps // 2]))


def bench_batchnorm(n, c, hw, reps):
    """Batch norm (training) then ReLU, forward and backward."""
    bn = torch.nn.BatchNorm2d(c)
    x = torch.rand(n, c, hw, hw, requires_grad=True)
    t, cp = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        y = torch.relu(bn(x))
        y.backward(y.detach())
        t.append(time.perf_counter() - t0)
        cp.append(time.process_time() - c0)
        x.grad = None
        bn.zero_grad()
    t.sort()
    cp.sort()
    print("torch batchnorm + relu (%d,%d,%d) forward + backward: %7.2f ms (cpu %7.2f)"
          % (n, c, hw * hw, 1e3 * t[reps // 2], 1e3 * cp[reps // 2]))


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    print("torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
    bench_mnist_net(reps)
    bench(128, 1, 28, 16, 7, reps)
    bench(128, 16, 14, 16, 7, reps)
    bench(64, 3, 32, 16, 3, reps)
    bench(64, 16, 32, 16, 3, reps)
    bench(64, 32, 32, 32, 3, reps)
    bench(64, 64, 16, 64, 3, reps)
    bench(64, 128, 8, 128, 3, reps)
    bench_batchnorm(64, 32, 32, reps)


if __name__ == "__main__":
    main()
