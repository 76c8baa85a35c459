"""How much does DF change CDFL = CE + omega * DF? Measured on real training batches.

Trains a study-003 CDFL config for ``--steps`` SGD steps (its own loss, data pipeline,
optimizer and seed) and, every ``--every`` steps, takes the batch's logits, labels and the
head's T Monte-Carlo samples and reports:

* CE, DF (eq. 5) and omega * DF / CE at the config's omega;
* u = the per-pixel variance of eq. 4 (max and mean over valid pixels);
* for each gamma: r = ||d DF / d logits|| / ||d CE / d logits||, so omega * r is the relative
  change of the gradient that DF makes, and omega_1pct = 0.01 / r, the omega at which the
  gradient changes by 1 %;
* whether the gradient of CE + omega * DF w.r.t. the logits is bit-identical to CE's.

A measurement, not a test (CPU, a few minutes at most):

    OMP_NUM_THREADS=1 python tools/analysis_tools/cdfl_magnitude.py \\
        configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-cdfl-0.01-1k_camvid-180x240_cpu-reduced.py \\
        --data-root ../shared/data/camvid --backbone-checkpoint work_dirs/pretrained/m.pth \\
        --steps 40 --every 10 --out projects/003_cdfl/results/cdfl_magnitude.csv
"""
import argparse
import csv
import os
import os.path as osp
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401  (before mmseg.models)
from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner, set_random_seed  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from seglab.losses.cross_dropout_focal_loss import gather_class_upsampled  # noqa: E402
from seglab.losses.utils import gather_class, per_class_tensor, prepare_inputs, valid_mean  # noqa


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--data-root', help='overrides the dataset data_root')
    p.add_argument('--backbone-checkpoint', help='model.backbone.init_cfg.checkpoint')
    p.add_argument('--steps', type=int, default=40)
    p.add_argument('--every', type=int, default=10)
    p.add_argument('--gammas', type=float, nargs='+', default=[2.0, 1.0, 0.5])
    p.add_argument('--out', help='CSV path (a Markdown table next to it)')
    return p.parse_args()


def measure(loss_module, cls_score, label, mc_probs, align_corners, gammas):
    """The quantities of the module docstring for one batch (independent of the loss code
    path except for the shared helpers of eq. 4)."""
    logits, safe_label, valid = prepare_inputs(cls_score.detach(), label, 255)
    logits.requires_grad_(True)
    log_p = gather_class(F.log_softmax(logits, dim=1), safe_label)
    ce = valid_mean(-log_p, valid)
    g_ce, = torch.autograd.grad(ce, logits, retain_graph=True)
    p_gt = gather_class_upsampled(mc_probs.float(), safe_label, align_corners)
    u = (p_gt - p_gt.mean(0, keepdim=True)).square().mean(0)
    alpha = per_class_tensor(loss_module.alpha, logits.shape[1], logits, 'alpha')[safe_label]
    omega = loss_module.omega
    row = dict(ce=ce.item(), u_max=u[valid].max().item(), u_mean=u[valid].mean().item())
    for gamma in gammas:
        df = valid_mean(-alpha * u.pow(gamma) * log_p, valid)
        g_df, = torch.autograd.grad(df, logits, retain_graph=True)
        r = (g_df.norm() / g_ce.norm()).item()
        row[f'df_g{gamma:g}'] = df.item()
        row[f'omega_df_over_ce_g{gamma:g}'] = omega * df.item() / ce.item()
        row[f'grad_ratio_g{gamma:g}'] = r
        row[f'omega_1pct_g{gamma:g}'] = 0.01 / r if r > 0 else float('inf')
        if gamma == loss_module.gamma:
            g_total, = torch.autograd.grad(ce + omega * df, logits, retain_graph=True)
            row['grad_bit_identical_to_ce'] = bool(torch.equal(g_total, g_ce))
    return row


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope('mmseg')
    if args.data_root:
        cfg.train_dataloader.dataset.data_root = args.data_root
    if args.backbone_checkpoint:
        cfg.model.backbone.init_cfg.checkpoint = args.backbone_checkpoint
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    seed = cfg.get('randomness', {}).get('seed', 42)
    set_random_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    head = model.decode_head
    loss_module = head.loss_decode
    if not getattr(type(loss_module), 'takes_mc_probs', False):
        raise SystemExit(f'{args.config}: decode_head.loss_decode must be a loss that takes '
                         f'Monte-Carlo samples (CrossDropoutFocalLoss), got {type(loss_module)}')
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
    captured = {}
    original = type(loss_module).forward

    def spy(self, cls_score, label, **kw):
        captured.update(cls_score=cls_score, label=label, mc_probs=kw['mc_probs'],
                        align_corners=kw['mc_align_corners'])
        return original(self, cls_score, label, **kw)

    loss_module.forward = spy.__get__(loss_module)
    rows, data_iter = [], iter(loader)
    for step in range(args.steps + 1):
        try:
            batch = next(data_iter)
        except StopIteration:
            data_iter = iter(loader)
            batch = next(data_iter)
        log_vars = model.train_step(batch, optim)
        if step % args.every == 0:
            row = dict(step=step, omega=loss_module.omega, gamma=loss_module.gamma,
                       logged_df_to_ce=float(log_vars.get('decode.cdfl_df_to_ce', float('nan'))))
            row.update(measure(loss_module, captured['cls_score'], captured['label'],
                               captured['mc_probs'], captured['align_corners'], args.gammas))
            rows.append(row)
            print(', '.join(f'{k}={v:.3g}' if isinstance(v, float) else f'{k}={v}'
                            for k, v in row.items()), flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        md = osp.splitext(args.out)[0] + '.md'
        with open(md, 'w') as f:
            keys = list(rows[0])
            f.write('| ' + ' | '.join(keys) + ' |\n|' + '---|' * len(keys) + '\n')
            for row in rows:
                f.write('| ' + ' | '.join(f'{v:.3g}' if isinstance(v, float) else str(v)
                                          for v in row.values()) + ' |\n')
        print(f'wrote {args.out} and {md}')


if __name__ == '__main__':
    main()
