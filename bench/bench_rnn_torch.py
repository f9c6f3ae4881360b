"""PyTorch reference models for bench/bench_rnn.py (benchmark only).

A hand-written LN-HyperLSTM cell of the same sizes and equations as
hypernet.h's (appendix A.2.2 of Ha, Dai and Le 2016), and PyTorch's fused
nn.LSTM, each trained as a character language model (embedding, cell,
linear, softmax cross-entropy, Adam) on random tokens. Prints
"model=... chars_per_sec=<median>" like build/bench_lstm.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNormGates(nn.Module):
    """Layer norm of each of the four gates separately, with gain and bias."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.gain = nn.Parameter(torch.ones(4, n))
        self.bias = nn.Parameter(torch.zeros(4, n))

    def forward(self, a):
        a = a.view(a.shape[0], 4, self.n)
        a = F.layer_norm(a, (self.n,), eps=1e-5)
        return (a * self.gain + self.bias).view(a.shape[0], 4 * self.n)


class LNLSTMCell(nn.Module):
    def __init__(self, nin, n):
        super().__init__()
        self.n = n
        self.w = nn.Linear(nin, 4 * n, bias=False)
        self.ln = LayerNormGates(n)
        self.lnc = nn.LayerNorm(n, eps=1e-5)

    def forward(self, inp, h, c):
        u = self.ln(self.w(inp))
        i, g, f, o = u.chunk(4, 1)
        c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(self.lnc(c))
        return h, c


class LNHyperLSTMCell(nn.Module):
    def __init__(self, e, n, nh, nz):
        super().__init__()
        self.n, self.nz = n, nz
        self.hyper = LNLSTMCell(e + n + nh, nh)
        self.wx = nn.Linear(e, 4 * n, bias=False)
        self.wh = nn.Linear(n, 4 * n, bias=False)
        self.zx = nn.Linear(nh, 4 * nz)
        self.zh = nn.Linear(nh, 4 * nz)
        self.zb = nn.Linear(nh, 4 * nz, bias=False)
        self.wxz = nn.Parameter(torch.full((4, nz, n), 0.1 / nz))
        self.whz = nn.Parameter(torch.full((4, nz, n), 0.1 / nz))
        self.wbz = nn.Parameter(torch.zeros(4, nz, n))
        self.b0 = nn.Parameter(torch.zeros(4 * n))
        self.ln = LayerNormGates(n)
        self.lnc = nn.LayerNorm(n, eps=1e-5)

    def forward(self, x, h, c, hh, hc):
        hh, hc = self.hyper(torch.cat([x, h, hh], 1), hh, hc)
        bsz = x.shape[0]
        zx = self.zx(hh).view(bsz, 4, 1, self.nz)
        zh = self.zh(hh).view(bsz, 4, 1, self.nz)
        zb = self.zb(hh).view(bsz, 4, 1, self.nz)
        dx = torch.matmul(zx, self.wxz).view(bsz, 4 * self.n)
        dh = torch.matmul(zh, self.whz).view(bsz, 4 * self.n)
        by = torch.matmul(zb, self.wbz).view(bsz, 4 * self.n) + self.b0
        u = self.ln(dh * self.wh(h) + dx * self.wx(x) + by)
        i, g, f, o = u.chunk(4, 1)
        c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(self.lnc(c))
        return h, c, hh, hc


class HyperLM(nn.Module):
    def __init__(self, v, e, n, nh, nz):
        super().__init__()
        self.n, self.nh = n, nh
        self.emb = nn.Embedding(v, e)
        self.cell = LNHyperLSTMCell(e, n, nh, nz)
        self.out = nn.Linear(n, v)

    def forward(self, tokens):  # tokens (T, B)
        T, B = tokens.shape
        x = self.emb(tokens)
        h = x.new_zeros(B, self.n)
        c = x.new_zeros(B, self.n)
        hh = x.new_zeros(B, self.nh)
        hc = x.new_zeros(B, self.nh)
        hs = []
        for t in range(T):
            h, c, hh, hc = self.cell(x[t], h, c, hh, hc)
            hs.append(h)
        return self.out(torch.stack(hs))


class FusedLM(nn.Module):
    def __init__(self, v, e, n):
        super().__init__()
        self.emb = nn.Embedding(v, e)
        self.rnn = nn.LSTM(e, n)
        self.out = nn.Linear(n, v)

    def forward(self, tokens):
        y, _ = self.rnn(self.emb(tokens))
        return self.out(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="ln-hyperlstm", choices=["ln-hyperlstm", "lstm"])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=100)
    p.add_argument("--embed", type=int, default=64)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--hyper-hidden", type=int, default=64)
    p.add_argument("--hyper-embed", type=int, default=4)
    p.add_argument("--vocab", type=int, default=65)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    torch.manual_seed(1)
    if a.model == "lstm":
        model = FusedLM(a.vocab, a.embed, a.hidden)
    else:
        model = HyperLM(a.vocab, a.embed, a.hidden, a.hyper_hidden, a.hyper_embed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tokens = torch.randint(0, a.vocab, (a.seq + 1, a.batch))

    def step():
        opt.zero_grad()
        logits = model(tokens[:-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), tokens[1:].reshape(-1))
        loss.backward()
        opt.step()

    step()
    step()
    rates = []
    for r in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        dt = time.perf_counter() - t0
        rates.append(a.steps * a.seq * a.batch / dt)
        print(f"repeat {r}: {rates[-1]:.0f} chars/s", flush=True)
    nparams = sum(q.numel() for q in model.parameters())
    print(f"model={a.model} params={nparams} batch={a.batch} seq={a.seq} "
          f"chars_per_sec={statistics.median(rates):.1f} torch={torch.__version__} "
          f"threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()
