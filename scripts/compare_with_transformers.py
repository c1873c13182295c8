#!/usr/bin/env python3
"""What Hugging Face makes of an exported Tokenwise folder, as JSON on stdout:

    python scripts/compare_with_transformers.py gpt-export --text "Who is Ada?<|end|>" --ids 503,72,105

  ids     AutoTokenizer's token ids for --text (special tokens are recognised in it)
  decoded the text those ids decode back to
  logits  GPT2LMHeadModel's next-token logits after each of --ids (a list per position)
  chat    the chat template applied to one user message, where the tokenizer has one
  chat_ids  apply_chat_template's ids for --chat-message (a user message), where there is one

The course's test runs it beside our own tokenizer and forward pass and requires the same ids
and logits within 1e-4.
"""

import argparse
import json
import sys

import torch
from transformers import AutoTokenizer, GPT2LMHeadModel


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--text", default="")
    p.add_argument("--ids", default="", help="comma-separated token ids for the forward pass")
    p.add_argument("--chat-message", default=None, help="a user message for chat_ids")
    args = p.parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    ids = tokenizer(args.text, add_special_tokens=False)["input_ids"]
    out = {"ids": ids, "decoded": tokenizer.decode(ids)}
    if getattr(tokenizer, "chat_template", None):
        out["chat"] = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True)
        if args.chat_message is not None:
            ids = tokenizer.apply_chat_template([{"role": "user", "content": args.chat_message}], tokenize=True,
                                                add_generation_prompt=True)
            out["chat_ids"] = list(ids["input_ids"] if hasattr(ids, "keys") else ids)
    if args.ids:
        model = GPT2LMHeadModel.from_pretrained(args.folder, torch_dtype=torch.float32).eval()
        inputs = torch.tensor([[int(i) for i in args.ids.split(",")]])
        with torch.no_grad():
            out["logits"] = model(input_ids=inputs).logits[0].tolist()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
