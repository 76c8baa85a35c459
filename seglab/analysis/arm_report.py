"""Markdown, CSV and LaTeX renderings of an arms x seeds ``summary`` (see ``arms.py``)."""
import csv
import io
import math
from typing import Dict, List

from . import convergence
from .comparison import _md_table

CSV_FIELDS = ('arm', 'metric', 'n_seeds', 'mean', 'std', 'ci95_low', 'ci95_high',
              'baseline', 'n_pairs', 'diff_mean', 'diff_ci95_low', 'diff_ci95_high',
              'p_value', 'p_holm', 'verdict', 'correction')


def _f(value, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'n/a'
    return f'{value:+.{digits}f}' if signed else f'{value:.{digits}f}'


def _p(value) -> str:
    if value is None or math.isnan(value):
        return 'n/a'
    return f'{value:.2g}' if value < 0.001 else f'{value:.3f}'


def _ci(ci, signed: bool = False) -> str:
    if ci is None or math.isnan(ci[0]):
        return 'n/a'
    return f'[{_f(ci[0], signed=signed)}, {_f(ci[1], signed=signed)}]'


def _summary_keys(summary) -> List[str]:
    return [k for k in summary['metrics'] if not k.startswith('IoU.')]


def _class_keys(summary) -> List[str]:
    return [k for k in summary['metrics'] if k.startswith('IoU.')]


def _class_cell(stats: Dict, pair, key: str) -> str:
    cell = f"{_f(stats['mean'])} ± {_f(stats['std'])}"
    t = pair['metrics'][key] if pair else None
    if t and t['n_pairs']:
        cell += f" ({_f(t['diff_mean'], signed=True)}, {t['verdict']})"
    return cell


def to_markdown(summary: Dict) -> str:
    """Table 1: per-arm mean ± sd [95 % CI]; Table 2: seed-paired differences against the
    baseline with Holm-corrected p and verdict, and the image-level column; Table 3:
    per-class IoU."""
    keys = _summary_keys(summary)
    arms = summary['arms']
    body = []
    for name, arm in arms.items():
        steps = sorted({s for s in arm['steps'].values() if s is not None})
        body.append([name, str(arm['n_seeds']), ', '.join(map(str, steps)) or '?']
                    + [f"{_f(arm['metrics'][k]['mean'])} ± {_f(arm['metrics'][k]['std'])} "
                       f"{_ci(arm['metrics'][k]['ci95'])}" for k in keys])
    which = ('final evaluation' if summary['select'] == 'final'
             else 'best validation mIoU (step chosen per run, optimistic)')
    parts = []
    if summary.get('incomplete_runs'):
        parts += ['**INCOMPLETE: these runs failed or did not finish and are not in the '
                  'statistics: ' + ', '.join(summary['incomplete_runs']) + '.**', '']
    parts += [f"Table 1. Mean ± sd [95% CI, Student t over seeds] (%), {which} of each run; "
             f"split: {summary['split']}.", '',
             _md_table(['Arm', 'seeds', 'step'] + keys, body)]
    pair_body = []
    for pair in summary['pairs']:
        image = pair.get('image_level_pooled_over_seeds')
        for k in keys:
            t = pair['metrics'][k]
            if not t['n_pairs']:  # a metric the baseline (or this arm) has not: no test
                continue
            image_cell = ''
            if k == 'mIoU':
                image_cell = (f"p = {_p(image['wilcoxon_p'])} (n = {image['n_images']})"
                              if image else 'n/a')
            pair_body.append([pair['arm'], k, str(t['n_pairs']), _f(t['diff_mean'], signed=True),
                              _ci(t['diff_ci95'], signed=True), _p(t['p_value']),
                              _p(t['p_holm']), f"**{t['verdict']}**", image_cell])
    if pair_body:
        parts += ['', f"Table 2. Difference to {summary['baseline']} paired by seed (points); "
                  f"paired t-test over seeds, Holm-corrected across the {len(summary['pairs'])}"
                  f" pair(s) per metric; verdict at alpha = {summary['alpha']}: better/worse "
                  'when corrected p < alpha and the (1 - alpha) CI excludes 0. The last '
                  'column is a '
                  'Wilcoxon test over images, pooled over seeds: image-to-image variation, '
                  'not a verdict.', '',
                  _md_table(['Arm', 'metric', 'pairs', 'Δ mean', '95% CI', 'p', 'p (Holm)',
                             'verdict', 'image-level, pooled over seeds'], pair_body)]
    classes = _class_keys(summary)
    if classes:
        pairs = {p['arm']: p for p in summary['pairs']}
        cls_body = [[k[4:]] + [_class_cell(a['metrics'][k], pairs.get(name), k)
                               for name, a in arms.items()] for k in classes]
        parts += ['', 'Table 3. Per-class IoU, mean ± sd over seeds (%); for the other arms '
                  f"also the difference to {summary['baseline']} paired by seed and its "
                  'verdict (Holm across pairs, uncorrected across classes).', '',
                  _md_table(['Class'] + list(arms), cls_body)]
    if summary.get('convergence'):
        parts += ['', convergence.to_markdown(summary['convergence']).rstrip('\n')]
    if summary.get('notes'):
        parts += ['', 'Notes:', ''] + [f'- {note}' for note in summary['notes']]
    return '\n'.join(parts) + '\n'


def to_csv(summary: Dict) -> str:
    """One row per (arm, metric): statistics over seeds and, for non-baseline arms, the
    seed-paired comparison with the baseline (unrounded)."""
    pairs = {p['arm']: p for p in summary['pairs']}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator='\n')
    writer.writeheader()
    for name, arm in summary['arms'].items():
        for key, stats in arm['metrics'].items():
            row = dict(arm=name, metric=key, n_seeds=stats['n_seeds'], mean=stats['mean'],
                       std=stats['std'], ci95_low=stats['ci95'][0], ci95_high=stats['ci95'][1])
            if name in pairs:
                t = pairs[name]['metrics'][key]
                row.update(baseline=summary['baseline'], n_pairs=t['n_pairs'],
                           diff_mean=t['diff_mean'], diff_ci95_low=t['diff_ci95'][0],
                           diff_ci95_high=t['diff_ci95'][1], p_value=t['p_value'],
                           p_holm=t['p_holm'], verdict=t['verdict'],
                           correction=t.get('correction', ''))
            writer.writerow({k: ('' if isinstance(v, float) and math.isnan(v) else v)
                             for k, v in row.items()})
    return buf.getvalue()


def to_latex(summary: Dict, metric: str = 'mIoU') -> str:
    """A booktabs table: mean ± sd per metric, and the seed-paired Δ``metric`` [95 % CI],
    Holm-corrected p and verdict against the baseline."""
    keys = _summary_keys(summary)
    pairs = {p['arm']: p['metrics'][metric] for p in summary['pairs']}
    lines = [r'\begin{tabular}{l' + 'r' * (len(keys) + 1) + 'rrl}', r'\toprule',
             ' & '.join(['Arm', '$n$'] + keys + [rf'$\Delta${metric} [95\% CI]',
                                                 r'$p_\mathrm{Holm}$', 'verdict'])
             + r' \\', r'\midrule']
    for name, arm in summary['arms'].items():
        cells = [name.replace('_', r'\_'), str(arm['n_seeds'])]
        cells += [f"{_f(arm['metrics'][k]['mean'])} $\\pm$ {_f(arm['metrics'][k]['std'])}"
                  for k in keys]
        if name in pairs:
            t = pairs[name]
            cells += [f"{_f(t['diff_mean'], signed=True)} {_ci(t['diff_ci95'], signed=True)}",
                      _p(t['p_holm']), t['verdict']]
        else:
            cells += ['baseline', '', '']
        lines.append(' & '.join(cells) + r' \\')
    lines += [r'\bottomrule', r'\end{tabular}']
    return '\n'.join(lines) + '\n'
