#!/usr/bin/env bash
# The main job, end to end on CPU in a few minutes:
#   install (tools/install.sh) -> synthetic VOC data -> train a small U-Net -> evaluate.
# Environment: SEGLAB_VENV, TORCH_SPEC (see tools/install.sh); QUICKSTART_WORK_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$(bash tools/install.sh | tail -n 1)"
CONFIG=configs/quickstart/unet-w16_1xb8-600it_synthvoc-128x128.py
DATA=data/synthetic_voc
WORK_DIR="${QUICKSTART_WORK_DIR:-work_dirs/quickstart}"

if [ ! -f "$DATA/VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt" ]; then
    "$PY" tools/misc/make_synthetic_voc.py --out "$DATA"
fi
rm -rf "$WORK_DIR"
echo "[quickstart] training $CONFIG (logs: $WORK_DIR)"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" > "$WORK_DIR.train.log" 2>&1 || {
    tail -n 40 "$WORK_DIR.train.log"; echo "[quickstart] training failed; full log: $WORK_DIR.train.log"; exit 1; }
CHECKPOINT="$(cat "$WORK_DIR/last_checkpoint")"
echo "[quickstart] evaluating $CHECKPOINT"
"$PY" tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR/test" \
    --show-dir "$WORK_DIR/vis" > "$WORK_DIR.test.log" 2>&1 || {
    tail -n 40 "$WORK_DIR.test.log"; echo "[quickstart] evaluation failed; full log: $WORK_DIR.test.log"; exit 1; }
"$PY" tools/misc/quickstart_summary.py --work-dir "$WORK_DIR" --test-log "$WORK_DIR.test.log"
