"""Study-000-style comparison tables of several runs (Table 1: overall + relative improvement
over a baseline; per-class IoU table), as Markdown and CSV."""
import csv
import io
import math
from typing import Dict, List, Optional, Sequence

from .arms import split_label
from .run_results import BENCHMARK_KEYS, SUMMARY_KEYS, RunResults

BENCHMARK_HEADERS = {'params': 'Params (M)', 'flops': 'GFLOPs', 'images_per_s': 'images/s'}
BENCHMARK_SCALE = {'params': 1e-6, 'flops': 1e-9, 'images_per_s': 1.0}


def relative_improvement(value: float, baseline: float) -> float:
    """``(value - baseline) / baseline * 100`` (study 000 Table 1: +124.6%)."""
    if baseline == 0 or math.isnan(baseline) or math.isnan(value):
        return float('nan')
    return (value - baseline) / baseline * 100.0


def _fmt(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'n/a'
    return f'{value:+.{digits}f}' if signed else f'{value:.{digits}f}'


def pick_baseline(runs: Sequence[RunResults], baseline: Optional[str]) -> RunResults:
    if baseline is None:
        return runs[0]
    for run in runs:
        if run.name == baseline:
            return run
    raise ValueError(f'--baseline {baseline!r} is none of the runs '
                     f'{[r.name for r in runs]}')


def summary_columns(runs: Sequence[RunResults]) -> List[str]:
    return [k for k in SUMMARY_KEYS if any(k in r.summary for r in runs)]


def benchmark_columns(runs: Sequence[RunResults]) -> List[str]:
    return [k for k in BENCHMARK_KEYS if any(k in r.benchmark for r in runs)]


def class_names(runs: Sequence[RunResults]) -> List[str]:
    """Classes in first-seen order, dropping those with no IoU in any run."""
    names: List[str] = []
    for run in runs:
        names += [c for c in run.per_class_iou if c not in names]
    return [c for c in names
            if any(not math.isnan(r.per_class_iou.get(c, float('nan'))) for r in runs)]


def comparison_rows(runs: Sequence[RunResults], baseline: Optional[str] = None,
                    metric: str = 'mIoU') -> List[Dict[str, object]]:
    """One flat dict per run: summary metrics, relative improvement, benchmark, IoU.<class>."""
    base = pick_baseline(runs, baseline)
    rows = []
    for run in runs:
        row: Dict[str, object] = {'run': run.name, 'step': run.step,
                                  'split': split_label(run), 'select': run.select}
        for key in summary_columns(runs):
            row[key] = run.summary.get(key, float('nan'))
        row[f'{metric}_rel_improvement_%'] = (
            float('nan') if run is base else relative_improvement(
                run.summary.get(metric, float('nan')), base.summary.get(metric, float('nan'))))
        for key in benchmark_columns(runs):
            row[key] = run.benchmark.get(key, float('nan'))
        for cls in class_names(runs):
            row[f'IoU.{cls}'] = run.per_class_iou.get(cls, float('nan'))
        rows.append(row)
    return rows


def to_csv(rows: List[Dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator='\n')
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ('' if isinstance(v, float) and math.isnan(v) else v)
                         for k, v in row.items()})
    return buf.getvalue()


def _md_table(header: List[str], body: List[List[str]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(cells) + ' |' for cells in body]
    return '\n'.join(lines)


def to_markdown(runs: Sequence[RunResults], baseline: Optional[str] = None,
                metric: str = 'mIoU') -> str:
    """Table 1 (overall, relative improvement, benchmark) and Table 2 (per-class IoU)."""
    base = pick_baseline(runs, baseline)
    keys = summary_columns(runs)
    bench = benchmark_columns(runs)
    header = ['Run'] + keys + [f'Δ{metric} vs {base.name}'] + [BENCHMARK_HEADERS[k] for k in bench]
    body = []
    for run in runs:
        rel = 'N/A' if run is base else _fmt(relative_improvement(
            run.summary.get(metric, float('nan')), base.summary.get(metric, float('nan'))),
            1, signed=True) + '%'
        body.append([run.name] + [_fmt(run.summary.get(k, float('nan'))) for k in keys]
                    + [rel]
                    + [_fmt(run.benchmark.get(k, float('nan')) * BENCHMARK_SCALE[k])
                       for k in bench])
    which = ('final evaluation' if all(r.select == 'final' for r in runs)
             else 'best validation mIoU')
    steps = ', '.join(f'{r.name}: {r.step}' for r in runs)
    parts = [f'Table 1. Overall performance (%, {which} of each run; split '
             f'{split_label(runs[0])}; steps {steps}); '
             f'relative {metric} improvement over {base.name}.', '',
             _md_table(header, body)]
    classes = class_names(runs)
    if classes:
        cls_body = [[cls] + [_fmt(r.per_class_iou.get(cls, float('nan'))) for r in runs]
                    for cls in classes]
        parts += ['', 'Table 2. Per-class IoU (%).', '',
                  _md_table(['Class'] + [f'{r.name} IoU' for r in runs], cls_body)]
    return '\n'.join(parts) + '\n'
