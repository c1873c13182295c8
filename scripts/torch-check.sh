#!/usr/bin/env bash
# The route to PyTorch, checked end to end on the CPU (`make torch-check`, and CI):
#   1. a virtual environment with CPU PyTorch, transformers and safetensors (.build/torch-venv);
#   2. the Swift tests that compare our tokenizer and forward pass with Hugging Face's and
#      train an exported model with torchrun on two processes (gloo);
#   3. the commands a learner types: export the quick base model, torchrun, then the trained
#      model back in `tokenwise step` and in lesson 5 (--set model=FOLDER).
# If no CPU PyTorch can be installed (no network to an index that has it), it says so and stops
# without failing: the project builds and tests without PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TORCH_VENV:-.build/torch-venv}
python="$venv/bin/python"
start=$SECONDS

if ! scripts/torch-venv.sh; then
    echo "torch-check: the PyTorch round trip was not checked"
    exit 0
fi
echo "torch-check: $("$python" -c 'import torch, transformers; print("torch", torch.__version__, "· transformers", transformers.__version__)') ($((SECONDS - start)) s to set up)"

# 2. The tests (skipped without this interpreter; here they must run, so say if they did not).
TOKENWISE_PYTHON="$(cd "$(dirname "$python")" && pwd)/python" TOKENWISE_COURSE_BUILD_DIR=.build/release swift test --filter 'TorchRoundTripTests|ModelExportTests|TokenShardsTests' 2>&1 | tee .build/torch-tests.log | grep -E "^(✔|✘|◇ Test run|.*error)" || true
grep -q "Suite TorchRoundTripTests passed" .build/torch-tests.log || { echo "torch-check: the round-trip tests did not pass"; exit 1; }

# 3. What a learner types.
swift build -c release >/dev/null
tokenwise=.build/release/tokenwise
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$tokenwise run 4 --quick >/dev/null    # the quick base model (reused when it exists)
$tokenwise export base-quick "$work/export"
OMP_NUM_THREADS=1 "$python" -m torch.distributed.run --standalone --nproc_per_node=2 scripts/train_torch.py "$work/export" \
    --out "$work/trained" --steps 40 --batch-size 8 --lr 1e-3 --eval-interval 20 2>&1 | grep -v -i warning
"$python" - "$work/trained/train_log.json" <<'EOF'
import json, sys
evaluations = json.load(open(sys.argv[1]))["evaluations"]
first, last = evaluations[0]["val"], evaluations[-1]["val"]
print(f"torch-check: held-out loss {first:.4f} → {last:.4f} after {evaluations[-1]['step']} steps on 2 processes")
sys.exit(0 if last < first else "torch-check: the held-out loss did not fall")
EOF
$tokenwise step --model "$work/trained" "Ada Quill was born in" --steps 5 --temperature 0 | tail -n 2
$tokenwise run 5 --quick --set model="$work/trained" | tail -n 2
$tokenwise run 5 --quick >/dev/null   # the page back to the course's own model
echo "torch-check: passed in $((SECONDS - start)) s"
