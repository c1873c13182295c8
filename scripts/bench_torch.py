#!/usr/bin/env python3
"""Time the course's training step in PyTorch (eager and torch.compile) against ours.

    make bench-torch                     # or: .build/torch-venv/bin/python scripts/bench_torch.py

The model and optimizer are the ones `tokenwise bench --course-step` trains: GPT-2 with 4 layers,
4 heads, width 128, context 128, vocabulary 2,048, tied head, no dropout; batch 16 (pretraining)
or 12 (finetuning) of random tokens; AdamW (0.9, 0.95, eps 1e-8, weight decay 0.1 on matrices
and embeddings), the gradient norm clipped to 1. PyTorch gets the same number of threads as
our process uses cores, and its usual fast path for attention (scaled_dot_product_attention).

The sides take turns: each round runs our binary for --steps steps (a subprocess; it prints
one step_ms line per step, and samples the sgemm peak between steps), then --steps eager
steps, then --steps compiled ones, the order rotating every round, so that a busy moment of a
shared machine lands on every side. Printed: each side's median step and the spread of its
round medians, and the ratios of the medians.

Simplifications: random tokens (the cost does not depend on them); the optimizer step is not
compiled (torch.compile wraps the model and loss); no finetuning loss mask.
"""

import argparse
import os
import statistics
import subprocess
import time

# OpenMP's idle threads spin before they sleep; on a 2-core host shared with other work a
# spinning thread holds a core the others need, and each barrier then waits for a time slice
# (measured here: 3 s per eager step against 0.35 s). Our side sets OPENBLAS_THREAD_TIMEOUT
# for the same reason. Set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCABULARY, CONTEXT, WIDTH, LAYERS, HEADS = 2048, 128, 128, 4, 4


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.c_attn = nn.Linear(WIDTH, 3 * WIDTH)
        self.c_proj = nn.Linear(WIDTH, WIDTH)
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.c_fc = nn.Linear(WIDTH, 4 * WIDTH)
        self.mlp_proj = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, HEADS, C // HEADS).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCABULARY, WIDTH)
        self.wpe = nn.Embedding(CONTEXT, WIDTH)
        self.h = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(WIDTH)

    def forward(self, tokens, targets):
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.T   # the tied head
        return F.cross_entropy(logits.view(-1, VOCABULARY), targets.reshape(-1))


def torch_stepper(compiled, batch_size):
    """A function that takes one training step and returns its seconds."""
    torch.manual_seed(1)
    model = GPT()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
        lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    loss_of = torch.compile(model) if compiled else model
    generator = torch.Generator().manual_seed(2)

    def step():
        tokens = torch.randint(VOCABULARY, (batch_size, CONTEXT + 1), generator=generator)
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(tokens[:, :-1], tokens[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return time.perf_counter() - start

    warm = time.perf_counter()
    step()   # warm-up (and, compiled, the compilation)
    step()
    return step, time.perf_counter() - warm


def ours(binary, shape, steps):
    out = subprocess.run([binary, "bench", "--course-step", shape, "--rounds", str(steps)],
                         check=True, capture_output=True, text=True).stdout
    return [float(line.split()[1]) / 1000 for line in out.splitlines() if line.startswith("step_ms")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=".build/release/tokenwise")
    p.add_argument("--shape", choices=["pretraining", "finetuning"], default="pretraining")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=5, help="steps per side and round")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    args = p.parse_args()
    batch_size = 16 if args.shape == "pretraining" else 12
    threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count()))
    torch.set_num_threads(threads)
    print(f"course {args.shape} step (4L 4H 128C, T 128, B {batch_size}, V 2048); torch {torch.__version__}, "
          f"{threads} threads, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; {args.rounds} rounds × {args.steps} steps per side, interleaved")

    sides = {"tokenwise": lambda n: ours(args.binary, args.shape, n)}
    eager, seconds = torch_stepper(False, batch_size)
    sides["torch eager"] = lambda n: [eager() for _ in range(n)]
    if not args.no_compile:
        compiled, seconds = torch_stepper(True, batch_size)
        print(f"torch.compile: {seconds:.0f} s to compile and warm up")
        sides["torch.compile"] = lambda n: [compiled() for _ in range(n)]

    names = list(sides)
    times = {name: [] for name in names}
    round_medians = {name: [] for name in names}
    for round in range(args.rounds):
        for name in names[round % len(names):] + names[:round % len(names)]:
            measured = sides[name](args.steps)
            times[name] += measured
            round_medians[name].append(statistics.median(measured))

    ms = {name: 1000 * statistics.median(times[name]) for name in names}
    for name in names:
        spread = [1000 * t for t in round_medians[name]]
        print(f"  {name:14} {ms[name]:7.1f} ms/step median   (round medians {min(spread):.1f}–{max(spread):.1f})")
    for name in names[1:]:
        ratios = [t / o for t, o in zip(round_medians[name], round_medians["tokenwise"])]
        print(f"  {name} / tokenwise: {ms[name] / ms['tokenwise']:.2f}×   "
              f"(per round {min(ratios):.2f}–{max(ratios):.2f}×; above 1: ours is faster)")


if __name__ == "__main__":
    main()
