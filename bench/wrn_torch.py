"""wrn_torch.py - the PyTorch reference for bench_wrn.sh: WRN-40-2 (the same
pre-activation network as hypernet.h's hn_resnet_config_wrn(40, 2, 0))
trained on synthetic CIFAR-sized batches on the CPU. Prints one JSON line:
median training and inference images/s and peak RSS.

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/wrn_torch.py --batch 64 --steps 5
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 plus identity or 1x1 projection."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.sc = None
        if stride != 1 or c_in != c_out:
            self.sc = nn.Conv2d(c_in, c_out, 1, stride, 0, bias=False)

    def forward(self, x):
        a = F.relu(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(self.conv1(a))))
        return y + (self.sc(a) if self.sc is not None else x)


class WRN(nn.Module):
    def __init__(self, depth=40, k=2, classes=10):
        super().__init__()
        n = (depth - 4) // 6
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        blocks, c = [], 16
        for g, w in enumerate([16 * k, 32 * k, 64 * k]):
            for i in range(n):
                blocks.append(Block(c, w, 2 if (i == 0 and g > 0) else 1))
                c = w
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(c)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = F.relu(self.bn(x)).mean((2, 3))
        return self.fc(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = WRN()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, nesterov=True)
    x = torch.randn(args.batch, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch,))
    times = []
    model.train()
    for s in range(args.steps + 2):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if s >= 2:
            times.append(time.perf_counter() - t0)
    step = statistics.median(times)
    model.eval()
    inf = []
    with torch.no_grad():
        for s in range(6):
            t0 = time.perf_counter()
            model(x)
            if s >= 1:
                inf.append(time.perf_counter() - t0)
    infer = statistics.median(inf)
    print(json.dumps({
        "framework": "pytorch " + torch.__version__,
        "threads": torch.get_num_threads(),
        "params": params,
        "batch": args.batch,
        "step_ms": round(1e3 * step, 1),
        "images_per_sec": round(args.batch / step, 2),
        "inference_images_per_sec": round(args.batch / infer, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
