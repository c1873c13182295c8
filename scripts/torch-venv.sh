#!/usr/bin/env bash
# The virtual environment with CPU PyTorch, transformers and safetensors (.build/torch-venv, or
# $TORCH_VENV) that `make torch-check` and `make bench-torch` use; installs what is missing.
# Exits 1, saying so, when no CPU PyTorch can be installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
# Install without byte-compiling (pip compiles every file of torch, most never imported, one by
# one); the first import then caches what is used, so no PYTHONDONTWRITEBYTECODE here.
unset PYTHONDONTWRITEBYTECODE
venv=${TORCH_VENV:-.build/torch-venv}
python="$venv/bin/python"

if ! "$python" -c "import torch, transformers, safetensors" 2>/dev/null; then
    if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
        sudo=$([ "$(id -u)" = 0 ] || echo sudo)
        $sudo apt-get install -y -qq python3-venv python3-pip >/dev/null
    fi
    [ -x "$python" ] || python3 -m venv "$venv"
    # CPU wheels only (the default PyPI wheel brings gigabytes of CUDA libraries): a local
    # wheel or mirror that has the +cpu build, else PyTorch's own CPU index.
    if ! "$venv/bin/pip" install -q --no-compile "torch==2.13.0+cpu" 2>/dev/null \
        && ! "$venv/bin/pip" install -q --no-compile --timeout 30 --retries 1 --index-url https://download.pytorch.org/whl/cpu torch; then
        echo "no CPU PyTorch could be installed here"
        exit 1
    fi
    "$venv/bin/pip" install -q --no-compile transformers safetensors numpy
fi
