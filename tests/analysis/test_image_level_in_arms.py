"""Arms tables carry a multi-task run's image-level metrics (final evaluation) next to the
segmentation metrics; arms without them show n/a, never a fake zero."""
import json
import math

from seglab.analysis.arms import load_arm, summarize


def _run(folder, miou, image=None):
    log = folder / '20260101_000000'
    (log / 'vis_data').mkdir(parents=True)
    (log / 'vis_data' / 'scalars.json').write_text(
        json.dumps({'loss': 1.0, 'step': 10}) + '\n' + json.dumps({'mIoU': miou, 'step': 10}))
    record = {'summary': {'aAcc': 50.0, 'mIoU': miou}, 'per_class': {}, 'iter': 10,
              'stage': 'val', 'image_set': 'val', 'num_images': 4}
    (log / 'detailed_metrics.json').write_text(json.dumps(record))
    if image is not None:
        (log / 'image_metrics.json').write_text(json.dumps({'summary': image}))
    (folder / 'ablation_run.json').write_text('{}')


def test_image_metrics_join_the_multitask_arm_only(tmp_path):
    for seed, (m, box) in enumerate([(40.0, 0.20), (42.0, 0.24)]):
        _run(tmp_path / 'mask' / f'seed{seed}', m - 2)
        _run(tmp_path / 'multi' / f'seed{seed}', m, {'presence_mAP': 70.0 + seed,
                                                      'box_MAE': box, 'box_mIoU': 25.0})
    arms = [load_arm(str(tmp_path / 'mask')), load_arm(str(tmp_path / 'multi'))]
    summary = summarize(arms, baseline='mask')
    assert summary['metrics'][:2] == ['aAcc', 'mIoU']
    assert {'presence_mAP', 'box_MAE', 'box_mIoU'} <= set(summary['metrics'])
    multi = summary['arms']['multi']['metrics']
    assert multi['box_MAE']['mean'] == 0.22 and multi['presence_mAP']['mean'] == 70.5
    assert math.isnan(summary['arms']['mask']['metrics']['box_MAE']['mean'])
    # the best-epoch selection has no image-level metrics of that epoch: none are reported
    best = load_arm(str(tmp_path / 'multi'), select='best')
    assert 'box_MAE' not in next(iter(best.runs.values())).summary


def test_metrics_without_a_pair_get_no_verdict_row(tmp_path):
    from seglab.analysis.arm_report import to_markdown
    for seed in (0, 1):
        _run(tmp_path / 'mask' / f'seed{seed}', 38.0 + seed)
        _run(tmp_path / 'multi' / f'seed{seed}', 40.0 + 2 * seed,
             {'presence_mAP': 70.0, 'box_MAE': 0.2, 'box_mIoU': 25.0})
    text = to_markdown(summarize([load_arm(str(tmp_path / 'mask')),
                                  load_arm(str(tmp_path / 'multi'))], baseline='mask'))
    table2 = text.split('Table 2.')[1].split('Table 3.')[0] if 'Table 3.' in text else \
        text.split('Table 2.')[1]
    assert '| multi | mIoU | 2 |' in table2
    assert 'box_MAE' not in table2 and 'presence_mAP' not in table2
    assert 'box_MAE' in text.split('Table 2.')[0]  # Table 1 keeps them
