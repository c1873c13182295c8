#!/usr/bin/env python3
"""Continue training a Tokenwise model with PyTorch, on one process or many (DDP).

    tokenwise export base gpt-export                      # model + tokenizer + token shards
    torchrun --nproc_per_node=8 scripts/train_torch.py gpt-export --out gpt-more --steps 5000
    tokenwise chat --model gpt-more                        # back in the course

The folder comes from `tokenwise export`: the model in GPT-2's layout (transformers'
GPT2LMHeadModel loads it) and data/ with the corpus as uint16 token shards (data.json says
what they hold). Training follows the course's own trainer: random windows of the training
tokens, AdamW (betas 0.9/0.95, weight decay 0.1 on matrices and embeddings, none on biases
and LayerNorm gains), a linear warmup then cosine decay to a tenth of the peak rate, the
global gradient norm clipped to 1, no dropout. --sft trains on the exported conversations
instead, each token weighted by its loss mask (the assistant's tokens only), as lesson 7 does.

Distributed: torchrun starts one process per GPU (or per CPU slot with gloo); each process
draws its own batches (seeded by rank) and DistributedDataParallel averages the gradients, so
the global batch is --batch-size × processes. Multi-node: torchrun's usual flags
(--nnodes, --node_rank, --rdzv_endpoint). Without CUDA it runs on the CPU with gloo.

The output folder is a model folder again (weights under our tensor names, config.json, the
tokenizer files, train_log.json with the losses); it is written beside the target and renamed,
so a crash never leaves half a model.
"""

import argparse
import json
import math
import os
import shutil
import sys
import time
import uuid

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

# Files of a model folder that travel with the weights (the tokenizer in both formats).
MODEL_FILES = ["bpe.tokenizer", "bpe.vocab", "chat_format.json", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "generation_config.json"]


def parse_arguments(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", help="a folder written by `tokenwise export` (with data/)")
    p.add_argument("--out", required=True, help="the model folder to write (refused if it exists, unless --force)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=16, help="sequences per process and step")
    p.add_argument("--lr", type=float, default=None,
                   help="peak learning rate (default: 3e-3 from scratch, as the course pretrains; 3e-4 to continue "
                        "or finetune, the rate a finished course run ends near: warming a trained model up to 3e-3 "
                        "undoes some of its training)")
    p.add_argument("--min-lr", type=float, default=None, help="floor of the cosine (default: lr / 10)")
    p.add_argument("--warmup", type=int, default=None, help="warmup steps (default: min(100, steps / 10))")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--clip", type=float, default=1.0, help="global gradient-norm clip (0: none)")
    p.add_argument("--eval-interval", type=int, default=None, help="evaluate every N steps (default: steps / 10)")
    p.add_argument("--eval-batches", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sft", action="store_true", help="train on data/sft_* with the loss masks")
    p.add_argument("--from-scratch", action="store_true", help="a new model (sizes below) instead of the exported weights")
    p.add_argument("--n-layer", type=int)
    p.add_argument("--n-head", type=int)
    p.add_argument("--n-embd", type=int)
    p.add_argument("--n-positions", type=int)
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast on CUDA (the weights stay float32)")
    args = p.parse_args(argv)
    if args.steps < 1 or args.batch_size < 1:
        p.error("--steps and --batch-size must be at least 1")
    if args.lr is None:
        args.lr = 3e-3 if args.from_scratch else 3e-4
    if not math.isfinite(args.lr) or args.lr <= 0:
        p.error(f"--lr must be a positive number, got {args.lr}")
    sizes = [args.n_layer, args.n_head, args.n_embd, args.n_positions]
    if any(s is not None for s in sizes) and not args.from_scratch:
        p.error("--n-layer/--n-head/--n-embd/--n-positions change the architecture: they need --from-scratch")
    return args


def fail(message):
    print(f"train_torch.py: {message}", file=sys.stderr)
    sys.exit(2)


# ---- data -------------------------------------------------------------------------------

def read_header(folder):
    path = os.path.join(folder, "data", "data.json")
    try:
        with open(path) as f:
            header = json.load(f)
    except FileNotFoundError:
        fail(f"{path}: missing (export with data: `tokenwise export MODEL {folder}`)")
    except json.JSONDecodeError as e:
        fail(f"{path}: not JSON ({e})")
    if header.get("format") != "tokenwise-shards-1":
        fail(f"{path}: format {header.get('format')!r}, expected 'tokenwise-shards-1'")
    if header.get("dtype") not in ("uint16", "uint32"):
        fail(f"{path}: dtype {header.get('dtype')!r}, expected uint16 or uint32")
    return header


def shard(folder, header, name, count, what="tokens"):
    path = os.path.join(folder, "data", name)
    dtype = np.uint8 if name.endswith("_mask.bin") else np.dtype(header["dtype"]).newbyteorder("<")
    if not os.path.exists(path):
        fail(f"{path}: missing")
    data = np.memmap(path, dtype=dtype, mode="r")
    if len(data) != count:
        fail(f"{path}: holds {len(data)} {what}, data.json says {count} (truncated or replaced?)")
    if dtype != np.uint8 and len(data) and int(data.max()) >= header["vocab_size"]:
        fail(f"{path}: holds id {int(data.max())}, outside the vocabulary of {header['vocab_size']}")
    return data


class Windows:
    """Random windows of T + 1 tokens of a stream (pretraining); every target weighs 1."""

    def __init__(self, tokens, length, seed):
        if len(tokens) <= length:
            fail(f"{len(tokens)} tokens cannot fill one window of {length + 1}")
        self.tokens, self.length = tokens, length
        self.generator = np.random.default_rng(seed)

    def batch(self, size):
        starts = self.generator.integers(0, len(self.tokens) - self.length, size)
        rows = np.stack([self.tokens[s:s + self.length + 1].astype(np.int64) for s in starts])
        return torch.from_numpy(rows), None


class Rows:
    """Random whole rows of packed conversations, each target weighted by its mask."""

    def __init__(self, tokens, mask, length, seed):
        self.tokens = np.asarray(tokens, dtype=np.int64).reshape(-1, length)
        self.mask = np.asarray(mask, dtype=np.float32).reshape(-1, length)
        self.generator = np.random.default_rng(seed)

    def batch(self, size):
        picks = self.generator.integers(0, len(self.tokens), size)
        return torch.from_numpy(self.tokens[picks]), torch.from_numpy(self.mask[picks])


def sources(folder, header, args, context, rank):
    """The training source (seeded by rank) and the fixed evaluation batches."""
    if args.sft:
        sft = header.get("sft")
        if not sft:
            fail(f"{folder}/data: has no conversations (export with --sft)")
        length = sft["row_length"]
        if length > context + 1:
            fail(f"conversation rows of {length} tokens do not fit the model's context of {context}")
        def rows(part, seed):
            t = shard(folder, header, part["file"], part["rows"] * length)
            m = shard(folder, header, part["mask"], part["rows"] * length, "mask bytes")
            return Rows(t, m, length, seed)
        train, held_out = rows(sft["train"], args.seed + rank), rows(sft["val"], 12)
    else:
        train = Windows(shard(folder, header, header["train"]["file"], header["train"]["tokens"]), context, args.seed + rank)
        held_out = Windows(shard(folder, header, header["val"]["file"], header["val"]["tokens"]), context, 12)
    evaluation = [held_out.batch(args.batch_size) for _ in range(args.eval_batches)]
    return train, evaluation


# ---- model ------------------------------------------------------------------------------

def load_model(folder, args):
    from transformers import GPT2Config, GPT2LMHeadModel
    if not args.from_scratch:
        return GPT2LMHeadModel.from_pretrained(folder, torch_dtype=torch.float32)
    config = GPT2Config.from_pretrained(folder)
    for key, value in [("n_layer", args.n_layer), ("n_head", args.n_head), ("n_embd", args.n_embd), ("n_positions", args.n_positions)]:
        if value is not None:
            setattr(config, key, value)
    if config.n_embd % config.n_head:
        fail(f"n_embd {config.n_embd} is not divisible by n_head {config.n_head}")
    config.n_ctx = config.n_positions
    torch.manual_seed(args.seed)
    return GPT2LMHeadModel(config)


def loss_of(model, rows, mask):
    """Mean cross-entropy of each next token; with a mask, weighted by the target's mask."""
    inputs, targets = rows[:, :-1], rows[:, 1:]
    logits = model(input_ids=inputs).logits.float()
    losses = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
    if mask is None:
        return losses.mean()
    weights = mask[:, 1:].reshape(-1)
    return (losses * weights).sum() / weights.sum().clamp(min=1)


def learning_rate(step, peak, minimum, warmup, decay):
    """The course's schedule (LearningRateSchedule.rate): linear warmup, cosine to `minimum`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= decay:
        return minimum
    progress = (step - warmup) / max(1, decay - warmup)
    return minimum + 0.5 * (1 + math.cos(math.pi * progress)) * (peak - minimum)


def save(model, folder, out, log, sft):
    """Writes `out` as a model folder: our tensor names (GPT-2's, without 'transformer.'; the
    output head is the token embedding, so it is not stored twice), then renames it in place."""
    from safetensors.torch import save_file
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staging = os.path.join(parent, f".{os.path.basename(out)}-{uuid.uuid4().hex}")
    os.makedirs(staging)
    try:
        tensors = {name.removeprefix("transformer."): p.detach().float().cpu().contiguous()
                   for name, p in model.named_parameters()}   # the tied head appears once, as wte
        save_file(tensors, os.path.join(staging, "model.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
        for key in ["n_layer", "n_head", "n_embd", "n_positions", "vocab_size"]:
            config[key] = getattr(model.config, key)
        config["n_ctx"] = config["n_positions"]
        with open(os.path.join(staging, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
        for name in MODEL_FILES:
            if os.path.exists(os.path.join(folder, name)):
                shutil.copy(os.path.join(folder, name), staging)
        if sft:   # a base model finetuned on conversations becomes a chat model
            shutil.copy(os.path.join(folder, "data", sft["chat_format"]), os.path.join(staging, "chat_format.json"))
            path = os.path.join(staging, "tokenizer_config.json")
            with open(path) as f:
                tokenizer_config = json.load(f)
            tokenizer_config["chat_template"] = sft["chat_template"]
            with open(path, "w") as f:
                json.dump(tokenizer_config, f, indent=2, sort_keys=True)
        with open(os.path.join(staging, "train_log.json"), "w") as f:
            json.dump(log, f, indent=1)
        if os.path.exists(out):
            old = os.path.join(parent, f".{os.path.basename(out)}-old-{uuid.uuid4().hex}")
            os.rename(out, old)
            os.rename(staging, out)
            shutil.rmtree(old)
        else:
            os.rename(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---- training ---------------------------------------------------------------------------

def main(argv=None):
    args = parse_arguments(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if os.path.realpath(args.out) == os.path.realpath(args.folder):
        fail(f"--out {args.out} is the folder being read: write the trained model somewhere else")
    if os.path.exists(args.out) and not args.force:
        fail(f"{args.out}: already exists (pass --force to replace it)")
    if world > 1:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    main_process = rank == 0

    header = read_header(args.folder)
    model = load_model(args.folder, args).to(device)
    if model.config.vocab_size < header["vocab_size"]:
        fail(f"the shards use {header['vocab_size']} token ids, the model has {model.config.vocab_size}")
    context = model.config.n_positions
    train, evaluation = sources(args.folder, header, args, context, rank)
    evaluation = [(rows.to(device), None if mask is None else mask.to(device)) for rows, mask in evaluation]

    decay = [p for p in model.parameters() if p.dim() >= 2]       # matrices and embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]     # biases and LayerNorm gains
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    trained = DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda" else None) if world > 1 else model
    minimum = args.min_lr if args.min_lr is not None else args.lr / 10
    warmup = args.warmup if args.warmup is not None else min(100, args.steps // 10)
    interval = args.eval_interval or max(1, args.steps // 10)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if args.bf16 and device.type == "cuda" else torch.autocast("cpu", enabled=False)

    def evaluate():
        model.eval()
        with torch.no_grad(), autocast:
            loss = sum(loss_of(model, rows, mask).item() for rows, mask in evaluation) / len(evaluation)
        model.train()
        return loss

    log = {"processes": world, "device": device.type, "batch_size": args.batch_size, "global_batch": args.batch_size * world,
           "context": context, "steps": args.steps, "sft": args.sft, "losses": [], "evaluations": []}
    if main_process:
        print(f"training {args.folder} on {world} process(es), {device.type}: {sum(p.numel() for p in model.parameters()):,} parameters, "
              f"global batch {args.batch_size * world} × {context} tokens, {args.steps} steps{' (sft)' if args.sft else ''}", flush=True)
        log["evaluations"].append({"step": 0, "val": evaluate()})
        print(f"step 0: held-out loss {log['evaluations'][-1]['val']:.4f}", flush=True)
    start = time.time()
    model.train()
    for step in range(args.steps):
        rate = learning_rate(step, args.lr, minimum, warmup, args.steps)
        for group in optimizer.param_groups:
            group["lr"] = rate
        rows, mask = train.batch(args.batch_size)
        rows, mask = rows.to(device), None if mask is None else mask.to(device)
        with autocast:
            loss = loss_of(trained, rows, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip if args.clip > 0 else float("inf"))
        if not torch.isfinite(loss) or not torch.isfinite(norm):
            fail(f"step {step + 1}: loss {loss.item()}, gradient norm {norm.item()} (not finite: lower --lr?)")
        optimizer.step()
        if world > 1:   # the logged loss is the mean over processes
            loss = loss.detach().clone()
            dist.all_reduce(loss, op=dist.ReduceOp.SUM)   # gloo has no AVG
            loss /= world
        if main_process:
            log["losses"].append(round(loss.item(), 5))
            done = step + 1
            if done % interval == 0 or done == args.steps:
                log["evaluations"].append({"step": done, "val": evaluate()})
                tokens = done * args.batch_size * world * context
                print(f"step {done}/{args.steps}: loss {loss.item():.4f}, held-out {log['evaluations'][-1]['val']:.4f}, "
                      f"lr {rate:.2e}, {tokens / (time.time() - start):,.0f} tokens/s", flush=True)
    if main_process:
        log["seconds"] = round(time.time() - start, 2)
        save(model, args.folder, args.out, log, header["sft"] if args.sft else None)
        print(f"saved {args.out} (held-out loss {log['evaluations'][0]['val']:.4f} → {log['evaluations'][-1]['val']:.4f})", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
