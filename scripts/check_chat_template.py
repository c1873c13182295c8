#!/usr/bin/env python3
"""The ids Hugging Face's `tokenizers` gives a conversation rendered by an export's chat template,
as JSON on stdout (only `tokenizers` and `jinja2`, no torch):

    python scripts/check_chat_template.py gpt-export '[{"role": "user", "content": "a<|end|>"}]'

  ids   tokenizer.json's ids for the rendered text (the prompt for the assistant's turn)
  text  the rendered text

It renders as transformers' apply_chat_template does (a sandboxed Jinja environment, trim_blocks
and lstrip_blocks, add_generation_prompt). The course's test requires the ids tokenwise's chat
format gives, so a special token's name typed in a message cannot forge a turn.
"""

import json
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment
from tokenizers import Tokenizer


def main():
    folder, messages = sys.argv[1], json.loads(sys.argv[2])
    with open(f"{folder}/tokenizer_config.json") as f:
        template = json.load(f)["chat_template"]
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    text = environment.from_string(template).render(messages=messages, add_generation_prompt=True)
    tokenizer = Tokenizer.from_file(f"{folder}/tokenizer.json")
    json.dump({"ids": tokenizer.encode(text, add_special_tokens=False).ids, "text": text}, sys.stdout)


if __name__ == "__main__":
    main()
