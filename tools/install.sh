#!/usr/bin/env bash
# Create (or reuse) a virtualenv and install seglab with its pinned PyTorch.
#   SEGLAB_VENV     where the virtualenv lives (default: .venv in the repository)
#   TORCH_SPEC      the PyTorch pins (default: torch==2.14.1 torchvision==0.29.1)
#   SEGLAB_EXTRAS   pip extras to install (default: tests)
# Prints nothing else on success but the python path, on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SEGLAB_VENV:-$ROOT/.venv}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.14.1 torchvision==0.29.1}"
EXTRAS="${SEGLAB_EXTRAS:-tests}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "[seglab] creating virtualenv $VENV" >&2
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
# Checked from / so a source checkout in the working directory does not count as installed.
if ! (cd / && "$PY" -c "import importlib.metadata as m; m.version('seglab'); import torch, torchvision, mmseg, pytest") >/dev/null 2>&1; then
    echo "[seglab] installing PyTorch ($TORCH_SPEC) and seglab[$EXTRAS] into $VENV" >&2
    "$PY" -m pip install -q --upgrade pip "setuptools<82" wheel >&2
    # shellcheck disable=SC2086
    "$PY" -m pip install -q $TORCH_SPEC >&2
    "$PY" -m pip install -q -e "$ROOT[$EXTRAS]" >&2
fi
echo "$PY"
