#!/usr/bin/env bash
# Run the reduced-budget (CPU) protocols of the five studies, one training at a time, and
# collect each study's table with tools/analysis_tools/compare_runs.py.
#
#   bash tools/misc/run_reduced_studies.sh [--dry-run] [RUN ...]
#
# RUN: a run name from the list below (e.g. 000-mnv2-pretrained), or a study prefix (000,
# 001, ...); default: every run, in the priority order below. A run whose work dir already
# holds `wall_time.txt` is skipped (delete the folder to redo it). Work dirs:
# ${WORK_ROOT:-work_dirs/studies}/<run>/. Each run's wall-clock seconds go to
# <run>/wall_time.txt, its console log to <run>/console.log.
#
# Data: the configs read data/VOCdevkit/VOC2012 and data/camvid. Link your copies, e.g.
#   mkdir -p data && ln -s /path/to/VOCdevkit data/VOCdevkit && ln -s /path/to/camvid data/camvid
# The MobileNetV2 ImageNet weights are converted once into ${MNV2_CKPT} (see below).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PY:-$ROOT/.venv/bin/python}"
WORK_ROOT="${WORK_ROOT:-work_dirs/studies}"
SHARED="${SEGLAB_SHARED:-$(dirname "$ROOT")/shared}"
MNV2_SRC="${MNV2_SRC:-$SHARED/weights/mobilenet_v2_imagenet.pt}"
MNV2_CKPT="${MNV2_CKPT:-work_dirs/pretrained/mobilenet_v2_mmseg.pth}"
# The recorded tables (projects/*/results) were trained before seglab's channels-last models
# and fused optimizers (docs/benchmarks.md); these options reproduce them bit-exactly.
# AS_RECORDED=0 trains with today's defaults instead: ~1.3x faster, and a different but equally
# valid realisation (summation order, and dropout masks drawn in memory order, change).
AS_RECORDED="${AS_RECORDED:-1}"
DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then DRY_RUN=1; shift; fi

# name | config (priority order). Runs named *pretrained* start from the ImageNet
# MobileNetV2 of ../shared/weights (converted once, below). 002-mnv2-*: the recorded runs (plateau
# LR and early stopping on mIoU); 002-valloss-*: the study's val_loss monitor, not run yet.
# Study 004's recorded runs predate its class-weighted CE and photometric jitter: these entries
# train today's protocol; the recorded tables come from this script at commit 86e24b2.
# Study 003's recorded CDFL run drew its Monte-Carlo masks from the global generator (the head
# now has its own), so 003-cdfl-0.01 re-runs as another realisation; the CE run is unchanged.
RUNS="
000-mnv2-pretrained|configs/000_voc8-unet/unet_m-v2_1xb4-10e_voc8-256x256_cpu-reduced.py
000-mnv2-scratch|configs/000_voc8-unet/unet_m-v2-scratch_1xb4-10e_voc8-256x256_cpu-reduced.py
000-unet-plain-w16|configs/000_voc8-unet/unet_plain-w16_1xb4-10e_voc8-256x256_cpu-reduced.py
002-mnv2-pretrained|configs/002_transfer/light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced_miou-monitor.py
002-mnv2-scratch|configs/002_transfer/light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced_miou-monitor.py
002-valloss-mnv2-pretrained|configs/002_transfer/light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py
002-valloss-mnv2-scratch|configs/002_transfer/light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py
001-segnet|configs/001_segnet-residual/segnet_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py
001-segnet-residual|configs/001_segnet-residual/segnet-residual_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py
004-ce-only|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-only-20e_camvid-180x240_cpu-reduced.py
004-dice-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-dominant-20e_camvid-180x240_cpu-reduced.py
003-ce-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py
003-cdfl-0.01-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-0.01-1k_camvid-180x240_cpu-reduced.py
004-equal|configs/004_loss-weighting/attention-unet_w16_1xb4-equal-20e_camvid-180x240_cpu-reduced.py
004-dice-only|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-only-20e_camvid-180x240_cpu-reduced.py
004-focal-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-dominant-20e_camvid-180x240_cpu-reduced.py
004-ce-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-dominant-20e_camvid-180x240_cpu-reduced.py
004-focal-only|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-only-20e_camvid-180x240_cpu-reduced.py
003-cdfl-100-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-100-1k_camvid-180x240_cpu-reduced.py
003-cdfl-1000-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-1000-1k_camvid-180x240_cpu-reduced.py
002-mmseg-fcn-mnv2-pretrained|configs/mmseg_baselines/fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py
002-mmseg-fcn-mnv2-scratch|configs/mmseg_baselines/fcn_m-v2-d32-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py
000-mmseg-unet-s5-d16-w16|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-10e_voc8-256x256_cpu-reduced.py
001-mmseg-unet-s5-d16-w16|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-30e_camvid-180x240_cpu-reduced.py
003-mmseg-fcn-mnv2-pretrained|configs/mmseg_baselines/fcn_m-v2-d16_1xb4-ce-1k_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-equal|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-equal-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-ce-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-only-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-ce-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-dominant-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-dice-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-only-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-dice-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-dominant-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-focal-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-only-20e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-focal-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-dominant-20e_camvid-180x240_cpu-reduced.py
"

selected() {  # is run $1 selected by the command line (no RUN argument: all)?
    [ "${#ARGS[@]}" -eq 0 ] && return 0
    local arg
    for arg in "${ARGS[@]}"; do
        case "$1" in "$arg"|"$arg"-*) return 0 ;; esac
    done
    return 1
}
ARGS=("$@")

if [ ! -f "$MNV2_CKPT" ] && [ "$DRY_RUN" -eq 0 ]; then
    mkdir -p "$(dirname "$MNV2_CKPT")"
    "$PY" tools/model_converters/mobilenet_v2_to_mmseg.py "$MNV2_SRC" "$MNV2_CKPT"
fi

for line in $RUNS; do
    name="${line%%|*}"
    config="${line#*|}"
    selected "$name" || continue
    work="$WORK_ROOT/$name"
    cmd=("$PY" tools/train.py "$config" --work-dir "$work")
    opts=()
    case "$name" in *pretrained*) opts+=("model.backbone.init_cfg.checkpoint=$MNV2_CKPT") ;; esac
    # MMSeg's own models (the *-mmseg-* baselines) have no recorded runs and no memory_format.
    if [ "$AS_RECORDED" = 1 ] && [[ "$name" != *-mmseg-* ]]; then
        opts+=(model.memory_format=contiguous optim_wrapper.optimizer.fused=False)
        # U-Net decoders (UNetHead, AttentionUNetHead) concatenated [up; skip] back then.
        case "$name" in 000-*|004-*) opts+=(model.decode_head.concat_input=True) ;; esac
    fi
    if [ "${#opts[@]}" -gt 0 ]; then cmd+=(--cfg-options "${opts[@]}"); fi
    if [ "$DRY_RUN" -eq 1 ]; then echo "${cmd[*]}"; continue; fi
    if [ -f "$work/wall_time.txt" ]; then echo "== $name: done ($(cat "$work/wall_time.txt") s), skipped"; continue; fi
    mkdir -p "$work"
    echo "== $name: $config"
    start=$(date +%s)
    "${cmd[@]}" > "$work/console.log" 2>&1 || { echo "!! $name failed, see $work/console.log"; tail -n 20 "$work/console.log"; continue; }
    echo $(( $(date +%s) - start )) > "$work/wall_time.txt"
    echo "== $name: $(cat "$work/wall_time.txt") s"
done
