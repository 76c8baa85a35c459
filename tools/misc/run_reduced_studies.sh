#!/usr/bin/env bash
# Run the reduced-budget (CPU) protocols of the five studies with seeds, one training at a
# time, through the arms x seeds runner (tools/analysis_tools/ablation.py --seeds).
#
#   bash tools/misc/run_reduced_studies.sh [--dry-run] [RUN ...]
#
# RUN: a run name from the list below (e.g. 001-segnet: that run only), or a prefix of names
# (000, 001, 003-cdfl, ...: every run it starts); default: every run, in the priority order
# below, for each of ${SEEDS:-0 1 2}. Each run is an arm
# ${WORK_ROOT:-work_dirs/studies}/<study>/<run>/seed<S>/; finished seeds are
# skipped and interrupted ones resumed (the runner's ablation_run.json / checkpoints), so the
# script can be re-run after a crash. Tables: tools/analysis_tools/compare_runs.py on the arm
# folders (each study README shows its command); tools/misc/export_runs.py copies the result
# files (no checkpoints) into projects/<study>/results/runs/, and a seed exported there is
# skipped here (work_dirs stay on the machine that trained; the exported files travel).
#
# EXPORT=1: export each seed as soon as it finishes (tools/misc/export_runs.py into the study's
# projects/<study>_*/results/runs/), so a long session that stops loses at most the run in
# progress; commit those files as they appear.
#
# The configs pin how they train (precision, memory format, fused optimizer): nothing is
# injected here besides the ImageNet weights of the *pretrained* runs.
#
# Data: the configs read data/VOCdevkit/VOC2012 and data/camvid. Link your copies, e.g.
#   mkdir -p data && ln -s /path/to/VOCdevkit data/VOCdevkit && ln -s /path/to/camvid data/camvid
# The MobileNetV2 ImageNet weights are converted once into ${MNV2_CKPT} (see below).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PY:-$ROOT/.venv/bin/python}"
WORK_ROOT="${WORK_ROOT:-work_dirs/studies}"
SEEDS="${SEEDS:-0 1 2}"
EXPORT="${EXPORT:-0}"
SHARED="${SEGLAB_SHARED:-$(dirname "$ROOT")/shared}"
MNV2_SRC="${MNV2_SRC:-$SHARED/weights/mobilenet_v2_imagenet.pt}"
MNV2_CKPT="${MNV2_CKPT:-work_dirs/pretrained/mobilenet_v2_mmseg.pth}"
DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then DRY_RUN=1; shift; fi

# name | config (priority order). Runs named *pretrained* start from the ImageNet
# MobileNetV2 of ../shared/weights (converted once, below). 002-voc8-*: the multi-task model vs
# mask only (§6, on the VOC-8 subset); 002-valloss-*: §5 with the study's val_loss monitor
# (the *_miou-monitor.py variants of the first recorded runs are not in this list); 002-24e-*:
# the same pairs lengthened to 24 epochs (their 12-epoch curves had not flattened).
RUNS="
000-mnv2-pretrained|configs/000_voc8-unet/unet_m-v2_1xb4-10e_voc8-256x256_cpu-reduced.py
000-mnv2-scratch|configs/000_voc8-unet/unet_m-v2-scratch_1xb4-10e_voc8-256x256_cpu-reduced.py
000-unet-plain-w16|configs/000_voc8-unet/unet_plain-w16_1xb4-10e_voc8-256x256_cpu-reduced.py
002-voc8-mask-only-pretrained|configs/002_transfer/light_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py
002-voc8-multitask-pretrained|configs/002_transfer/multitask_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py
002-valloss-mnv2-pretrained|configs/002_transfer/light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py
002-valloss-mnv2-scratch|configs/002_transfer/light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py
002-24e-valloss-mnv2-pretrained|configs/002_transfer/light_m-v2_1xb32-24e_camvid-180x240_cpu-reduced.py
002-24e-valloss-mnv2-scratch|configs/002_transfer/light_m-v2-scratch_1xb32-24e_camvid-180x240_cpu-reduced.py
002-24e-voc8-mask-only-pretrained|configs/002_transfer/light_m-v2_1xb32-24e_voc8-256x256_cpu-reduced.py
002-24e-voc8-multitask-pretrained|configs/002_transfer/multitask_m-v2_1xb32-24e_voc8-256x256_cpu-reduced.py
001-segnet|configs/001_segnet-residual/segnet_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py
001-segnet-residual|configs/001_segnet-residual/segnet-residual_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py
004-ce-only|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-only-40e_camvid-180x240_cpu-reduced.py
004-dice-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-dominant-40e_camvid-180x240_cpu-reduced.py
003-ce-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py
003-cdfl-0.01-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-0.01-1k_camvid-180x240_cpu-reduced.py
004-equal|configs/004_loss-weighting/attention-unet_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py
004-dice-only|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-only-40e_camvid-180x240_cpu-reduced.py
004-focal-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-dominant-40e_camvid-180x240_cpu-reduced.py
004-ce-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-dominant-40e_camvid-180x240_cpu-reduced.py
004-focal-only|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py
004-60e-ce-only|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-only-60e_camvid-180x240_cpu-reduced.py
004-60e-equal|configs/004_loss-weighting/attention-unet_w16_1xb4-equal-60e_camvid-180x240_cpu-reduced.py
004-60e-dice-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-focal-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-dice-only|configs/004_loss-weighting/attention-unet_w16_1xb4-dice-only-60e_camvid-180x240_cpu-reduced.py
004-60e-ce-dominant|configs/004_loss-weighting/attention-unet_w16_1xb4-ce-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-focal-only|configs/004_loss-weighting/attention-unet_w16_1xb4-focal-only-60e_camvid-180x240_cpu-reduced.py
003-cdfl-100-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-100-1k_camvid-180x240_cpu-reduced.py
003-cdfl-1000-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-1000-1k_camvid-180x240_cpu-reduced.py
003-focal-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-focal-1k_camvid-180x240_cpu-reduced.py
003-lovasz-mnv2-pretrained|configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-lovasz-1k_camvid-180x240_cpu-reduced.py
002-mmseg-fcn-mnv2-pretrained|configs/mmseg_baselines/fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py
002-mmseg-fcn-mnv2-scratch|configs/mmseg_baselines/fcn_m-v2-d32-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py
002-24e-mmseg-fcn-mnv2-pretrained|configs/mmseg_baselines/fcn_m-v2-d32_1xb32-24e_camvid-180x240_cpu-reduced.py
002-24e-mmseg-fcn-mnv2-scratch|configs/mmseg_baselines/fcn_m-v2-d32-scratch_1xb32-24e_camvid-180x240_cpu-reduced.py
000-mmseg-unet-s5-d16-w16|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-10e_voc8-256x256_cpu-reduced.py
001-mmseg-unet-s5-d16-w16|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-30e_camvid-180x240_cpu-reduced.py
003-mmseg-fcn-mnv2-pretrained|configs/mmseg_baselines/fcn_m-v2-d16_1xb4-ce-1k_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-equal|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-ce-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-only-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-ce-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-dominant-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-dice-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-only-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-dice-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-dominant-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-focal-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py
004-mmseg-unet-s5-d16-w16-focal-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-dominant-40e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-dice-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-equal|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-equal-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-ce-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-only-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-focal-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-dice-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-dice-only-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-ce-dominant|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-ce-dominant-60e_camvid-180x240_cpu-reduced.py
004-60e-mmseg-unet-s5-d16-w16-focal-only|configs/mmseg_baselines/unet-s5-d16_fcn_w16_1xb4-focal-only-60e_camvid-180x240_cpu-reduced.py
"

is_run() {  # is $1 the full name of a run in the list?
    case "$RUNS" in *"
$1|"*) return 0 ;; esac
    return 1
}

selected() {  # is run $1 selected by the command line (no RUN argument: all)?
    [ "${#ARGS[@]}" -eq 0 ] && return 0
    local arg
    for arg in "${ARGS[@]}"; do
        # a full run name selects that run only (001-segnet is not 001-segnet-residual)
        case "$1" in "$arg") return 0 ;; "$arg"-*) is_run "$arg" || return 0 ;; esac
    done
    return 1
}
ARGS=("$@")

if [ ! -f "$MNV2_CKPT" ] && [ "$DRY_RUN" -eq 0 ]; then
    mkdir -p "$(dirname "$MNV2_CKPT")"
    "$PY" tools/model_converters/mobilenet_v2_to_mmseg.py "$MNV2_SRC" "$MNV2_CKPT"
fi

# Seed-major: every selected run gets seed 0 before any gets seed 1, so a stop leaves paired
# seeds across the arms of a study.
for seed in $SEEDS; do
    for line in $RUNS; do
        name="${line%%|*}"
        config="${line#*|}"
        selected "$name" || continue
        cmd=("$PY" tools/analysis_tools/ablation.py "$config" --variant "$name" ""
             --seeds "$seed" --work-dir "$WORK_ROOT/${name%%-*}")
        case "$name" in
            *pretrained*) cmd+=(--cfg-options "model.backbone.init_cfg.checkpoint=$MNV2_CKPT") ;;
        esac
        # work_dirs do not travel between machines; the exported result files do
        exported=$(ls projects/"${name%%-*}"_*/results/runs/"$name"/seed"$seed"/ablation_run.json \
                   2>/dev/null || true)
        if [ -n "$exported" ]; then
            echo "== $name seed $seed: exported earlier ($exported), skipped"; continue
        fi
        export_cmd=("$PY" tools/misc/export_runs.py "$WORK_ROOT/${name%%-*}"
                    "$(ls -d projects/"${name%%-*}"_*/ | head -1)results/runs")
        if [ "$DRY_RUN" -eq 1 ]; then
            echo "${cmd[*]}"
            if [ "$EXPORT" = 1 ]; then echo "${export_cmd[*]}"; fi
            continue
        fi
        echo "== $name seed $seed: $config"
        if ! "${cmd[@]}"; then
            echo "!! $name seed $seed failed (see $WORK_ROOT/${name%%-*}/$name/seed$seed/)"
        elif [ "$EXPORT" = 1 ]; then
            mkdir -p "${export_cmd[3]}" && "${export_cmd[@]}"
        fi
    done
done
