#!/usr/bin/env bash
# Create (or reuse) a virtualenv and install seglab with its pinned PyTorch.
#   SEGLAB_VENV     where the virtualenv lives (default: .venv in the repository)
#   TORCH_SPEC      the PyTorch pins (default: torch==2.14.1 torchvision==0.29.1)
#   SEGLAB_EXTRAS   pip extras to install (default: tests)
# Installs when seglab is missing (or is another checkout's), updates when setup.py or
# requirements/*.txt changed since the last install (a hash is kept in the venv).
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
# Reinstall when seglab (or a core dependency) is missing, when the installed seglab is another
# checkout's, or when the requirements changed since the last install (hash kept in the venv).
STAMP="$VENV/.seglab-requirements.sha256"
REQ_HASH="$(cat "$ROOT/setup.py" "$ROOT"/requirements/*.txt | sha256sum | cut -d' ' -f1)"
# Checked from / so a source checkout in the working directory does not count as installed.
INSTALLED_AT="$(cd / && "$PY" -c "import importlib.metadata as m; m.version('seglab'); import torch, torchvision, mmseg, pytest, os, importlib.util as u; print(os.path.dirname(os.path.dirname(u.find_spec('seglab').origin)))" 2>/dev/null || true)"
install() {
    "$PY" -m pip install -q --upgrade pip "setuptools<82" wheel >&2 &&
    # shellcheck disable=SC2086
    "$PY" -m pip install -q $TORCH_SPEC >&2 &&
    "$PY" -m pip install -q -e "$ROOT[$EXTRAS]" >&2
}
if [ "$INSTALLED_AT" != "$ROOT" ]; then
    echo "[seglab] installing PyTorch ($TORCH_SPEC) and seglab[$EXTRAS] into $VENV" >&2
    install
    echo "$REQ_HASH" > "$STAMP"
elif [ "$(cat "$STAMP" 2>/dev/null)" != "$REQ_HASH" ]; then
    echo "[seglab] requirements changed: updating $VENV" >&2
    if PIP_RETRIES=1 PIP_TIMEOUT=10 install; then
        echo "$REQ_HASH" > "$STAMP"
    else
        echo "[seglab] WARNING: could not install the updated requirements (offline?);" \
             "continuing with the existing environment" >&2
    fi
fi
echo "$PY"
