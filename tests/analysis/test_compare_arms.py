"""Arms x seeds tables, split refusal, --select, curves with bands and the epoch axis,
significance pairing and the seed runner's skip/resume logic, on work dirs written here."""
import csv
import json
import os
import os.path as osp
import sys
import textwrap

import numpy as np
import pytest
from scipy import stats

from seglab.evaluation.metric_files import (DETAILED_METRICS, DETAILED_METRICS_HISTORY,
                                            PER_IMAGE, SCALARS)

import helpers

STAMP = '20260101_000000'


def load_tool(name):
    return helpers.load_tool(f'tools/analysis_tools/{name}.py', f'arms_{name}')


def write_run(work_dir, evaluations, stage='val', image_set='a1b2c3d4e5f6', per_image=None,
              by_epoch=False, iters_per_epoch=5, history=True, train_epochs=True,
              log_every=1):
    """A work dir as DetailedIoUMetric + mmengine leave it. ``evaluations``: ``[(iter,
    {metric: value}, {class: IoU})]`` in time order; the last one is final."""
    d = osp.join(work_dir, STAMP)
    os.makedirs(osp.dirname(osp.join(d, SCALARS)), exist_ok=True)
    records, lines, done = [], [], 0
    for it, summary, per_class in evaluations:
        epoch = it // iters_per_epoch if by_epoch else 1
        records.append(dict(step=it, iter=it, epoch=epoch, stage=stage, num_images=4,
                            image_set=image_set, summary=summary,
                            per_class={c: {'IoU': v} for c, v in per_class.items()}))
        for i in range(done + 1, it + 1):
            if i % log_every:
                continue
            line = dict(loss=10.0 / i, step=i)
            if by_epoch and train_epochs:  # log_processor.by_epoch=True
                line.update(epoch=epoch, iter=i - (epoch - 1) * iters_per_epoch)
            lines.append(line)
        done = it
        lines.append(dict(summary, **{f'IoU.{c}': v for c, v in per_class.items()},
                          step=epoch if by_epoch else it))
    with open(osp.join(d, DETAILED_METRICS), 'w') as f:
        json.dump(records[-1], f)
    if history:
        with open(osp.join(d, DETAILED_METRICS_HISTORY), 'w') as f:
            f.writelines(json.dumps(r) + '\n' for r in records)
    with open(osp.join(d, SCALARS), 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in lines)
    if per_image is not None:
        with open(osp.join(d, PER_IMAGE), 'w') as f:
            for path, score in per_image.items():
                f.write(json.dumps(dict(img_path=path, mIoU=score, IoU={})) + '\n')
    return work_dir


MIOU = {'ce': [40.0, 42.0, 39.5], 'focal': [43.0, 45.5, 42.0], 'dice': [40.5, 41.0, 40.6]}


@pytest.fixture
def arms_root(tmp_path):
    root = tmp_path / 'root'
    for arm, values in MIOU.items():
        for seed, miou in enumerate(values):
            summary = dict(aAcc=80 + miou / 10, mIoU=miou, mAcc=miou + 5, mDice=miou + 7,
                           mBIoU=miou - 20)
            early = dict(summary, mIoU=miou + (3 if arm == 'dice' else -3))
            per_image = {f'/mnt/{arm}{seed}/VOC2012/JPEGImages/img{i}.jpg': miou / 100 + i / 50
                         for i in range(4)}
            write_run(str(root / arm / f'seed{seed}'),
                      [(4, early, {'bg': 90.0, 'cat': miou - 10}),
                       (8, summary, {'bg': 91.0, 'cat': miou - 5})], per_image=per_image)
    return root


def test_arm_table_statistics_match_scipy(arms_root):
    summary = load_tool('compare_runs').main([str(arms_root), '--baseline', 'ce', '--latex'])
    saved = json.load(open(arms_root / 'summary.json'))
    assert saved['baseline'] == 'ce' and set(saved['arms']) == {'ce', 'dice', 'focal'}
    focal = saved['arms']['focal']['metrics']['mIoU']
    x = MIOU['focal']
    assert focal['n_seeds'] == 3 and focal['mean'] == pytest.approx(np.mean(x))
    assert focal['std'] == pytest.approx(np.std(x, ddof=1))
    assert focal['ci95'] == pytest.approx(
        list(stats.t.interval(0.95, 2, loc=np.mean(x), scale=stats.sem(x))))
    assert saved['arms']['ce']['metrics']['IoU.cat']['mean'] == pytest.approx(
        np.mean(MIOU['ce']) - 5)
    pairs = {p['arm']: p['metrics']['mIoU'] for p in saved['pairs']}
    p_raw = {a: stats.ttest_rel(MIOU[a], MIOU['ce']).pvalue for a in ('focal', 'dice')}
    low = min(p_raw.values())
    for arm in ('focal', 'dice'):
        diff = np.subtract(MIOU[arm], MIOU['ce'])
        assert pairs[arm]['diff_mean'] == pytest.approx(diff.mean())
        assert pairs[arm]['diff_ci95'] == pytest.approx(
            list(stats.t.interval(0.95, 2, loc=diff.mean(), scale=stats.sem(diff))))
        assert pairs[arm]['p_value'] == pytest.approx(p_raw[arm])
        # Holm over the two pairs: the smaller p doubled, the larger kept (if larger).
        want = 2 * low if p_raw[arm] == low else max(2 * low, p_raw[arm])
        assert pairs[arm]['p_holm'] == pytest.approx(min(1.0, want))
    assert pairs['focal']['verdict'] == 'better'
    assert pairs['dice']['verdict'] == 'unresolved'
    image = [p for p in saved['pairs'] if p['arm'] == 'focal'][0][
        'image_level_pooled_over_seeds']
    # Same images under different mounts pair: 4 images x 3 seeds.
    assert image['n_images'] == 12
    rows = list(csv.DictReader(open(arms_root / 'summary.csv')))
    row = [r for r in rows if r['arm'] == 'focal' and r['metric'] == 'mIoU'][0]
    assert row['verdict'] == 'better' and float(row['p_holm']) == pytest.approx(
        pairs['focal']['p_holm'])
    markdown = open(arms_root / 'summary.md').read()
    assert '| focal | mIoU | 3 |' in markdown and '**better**' in markdown
    assert 'image-level, pooled over seeds' in markdown
    assert r'\toprule' in open(arms_root / 'summary.tex').read()
    assert summary['select'] == 'final'


def test_select_best_uses_the_highest_validation_miou(arms_root, tmp_path):
    out = str(tmp_path / 'best')
    load_tool('compare_runs').main([str(arms_root / 'ce'), str(arms_root / 'dice'),
                                    '--select', 'best', '--out', out])
    saved = json.load(open(out + '.json'))
    assert saved['select'] == 'best'
    assert saved['arms']['dice']['steps'] == {'0': 4, '1': 4, '2': 4}
    assert saved['arms']['dice']['metrics']['mIoU']['mean'] == pytest.approx(
        np.mean(MIOU['dice']) + 3)
    assert saved['arms']['ce']['steps'] == {'0': 8, '1': 8, '2': 8}
    assert 'best validation mIoU' in open(out + '.md').read()


def test_refuses_runs_on_different_splits(tmp_path):
    summary = dict(aAcc=90.0, mIoU=50.0)
    a = write_run(str(tmp_path / 'val_run'), [(8, summary, {})], image_set='aaaaaaaaaaaa')
    b = write_run(str(tmp_path / 'test_run'), [(8, summary, {})], stage='test',
                  image_set='bbbbbbbbbbbb')
    with pytest.raises(SystemExit) as err:
        load_tool('compare_runs').main([a, b])
    message = str(err.value)
    assert message.startswith('refusing to compare runs evaluated on different splits')
    assert 'val_run: val 4 img #aaaaaa' in message and 'test_run: test 4 img #bbbbbb' in message
    c = write_run(str(tmp_path / 'arm' / 'seed0'), [(8, summary, {})], stage='test',
                  image_set='aaaaaaaaaaaa')
    with pytest.raises(SystemExit, match='arm/seed0: test 4 img #aaaaaa'):
        load_tool('compare_runs').main([a, osp.dirname(c)])


def test_epoch_based_validation_points_land_at_their_iteration(tmp_path):
    from seglab.analysis.curves import read_curves
    from seglab.analysis.run_results import load_run
    run = write_run(str(tmp_path / 'epochs'),
                    [(5, dict(mIoU=10.0), {}), (10, dict(mIoU=20.0), {}),
                     (15, dict(mIoU=30.0), {})], by_epoch=True, iters_per_epoch=5)
    train, val, by_epoch = read_curves(run)
    assert by_epoch and [(p['iter'], p['epoch']) for p in val] == [(5, 1), (10, 2), (15, 3)]
    assert train[-1]['iter'] == 15 and train[-1]['epoch'] == 3
    assert load_run(run).val_curve == [(5, 10.0), (10, 20.0), (15, 30.0)]


def test_epoch_axis_when_train_lines_log_the_global_iteration(tmp_path):
    from seglab.analysis.curves import read_curves
    run = write_run(str(tmp_path / 'global'), [(7, dict(mIoU=10.0), {}),
                                               (14, dict(mIoU=20.0), {})],
                    by_epoch=True, iters_per_epoch=7, log_every=7)
    path = osp.join(run, STAMP, SCALARS)
    lines = [json.loads(line) for line in open(path)]
    with open(path, 'w') as f:  # as study 002's loops log: epoch 2, iter 14, step 14
        f.writelines(json.dumps(dict(r, iter=r['step']) if 'loss' in r else r) + '\n'
                     for r in lines)
    train, val, _ = read_curves(run)
    assert [(p['iter'], p['epoch']) for p in train] == [(7, 1), (14, 2)]
    assert [(p['iter'], p['epoch']) for p in val] == [(7, 1), (14, 2)]


def test_epoch_axis_without_metric_history_or_train_epochs(tmp_path):
    from seglab.analysis.curves import read_curves
    evaluations = [(6, dict(mIoU=10.0), {}), (12, dict(mIoU=20.0), {})]
    plain = write_run(str(tmp_path / 'plain'), evaluations, by_epoch=True, iters_per_epoch=6,
                      history=False, train_epochs=False)
    train, val, by_epoch = read_curves(plain)
    # mmseg's default log_processor: train lines carry no epoch; each by-epoch validation
    # is placed at the train line logged before it.
    assert by_epoch and [(p['iter'], p['epoch']) for p in val] == [(6, 1), (12, 2)]
    assert train[2]['epoch'] == pytest.approx(0.5)
    # Train lines every 4 iterations: the first validation follows the line of step 4; the
    # metric's history knows it came after 6 iterations.
    exact = write_run(str(tmp_path / 'exact'), evaluations, by_epoch=True, iters_per_epoch=6,
                      train_epochs=False, log_every=4)
    assert [(p['iter'], p['epoch']) for p in read_curves(exact)[1]] == [(6, 1), (12, 2)]
    os.remove(osp.join(exact, STAMP, DETAILED_METRICS_HISTORY))
    assert [(p['iter'], p['epoch']) for p in read_curves(exact)[1]] == [(4, 1), (12, 2)]


def test_resumed_process_replaces_the_points_after_its_checkpoint(tmp_path):
    from seglab.analysis.curves import read_curves
    run = write_run(str(tmp_path / 'r'), [(4, dict(mIoU=1.0), {}), (6, dict(mIoU=2.0), {})])
    scalars = osp.join(run, '20260101_000100', SCALARS)
    os.makedirs(osp.dirname(scalars))
    with open(scalars, 'w') as f:  # resumed from iter 4
        f.writelines(json.dumps(r) + '\n' for r in
                     [dict(loss=0.5, step=5), dict(loss=0.4, step=6), dict(mIoU=3.0, step=6)])
    train, val, _ = read_curves(run)
    assert [p['step'] for p in train] == [1, 2, 3, 4, 5, 6]
    assert [p['loss'] for p in train][-2:] == [0.5, 0.4]
    assert [(p['iter'], p['mIoU']) for p in val] == [(4, 1.0), (6, 3.0)]


def test_plot_curves_bands_are_t_intervals(arms_root, tmp_path):
    from PIL import Image
    out = str(tmp_path / 'curves.png')
    drawn = load_tool('plot_curves').main([str(arms_root / 'ce'), str(arms_root / 'focal'),
                                           '--keys', 'mIoU', 'mBIoU', 'loss', '--formats',
                                           'pdf', 'svg', '--dpi', '40', '--size', '9', '3',
                                           '--out', out])
    xs, mean, low, high = drawn['mIoU']['focal']
    x = MIOU['focal']
    assert xs == [4.0, 8.0] and mean[1] == pytest.approx(np.mean(x))
    assert [low[1], high[1]] == pytest.approx(
        list(stats.t.interval(0.95, 2, loc=np.mean(x), scale=stats.sem(x))))
    assert drawn['mBIoU']['ce'][1][1] == pytest.approx(np.mean(MIOU['ce']) - 20)
    with Image.open(out) as image:
        assert image.size == (360, 120)
    assert osp.getsize(str(tmp_path / 'curves.pdf')) > 0
    assert open(str(tmp_path / 'curves.svg')).read().lstrip().startswith('<?xml')
    sd = load_tool('plot_curves').main([str(arms_root / 'ce'), '--keys', 'mIoU', '--band',
                                        'sd', '--out', out])['mIoU']['ce']
    assert sd[3][1] - sd[1][1] == pytest.approx(np.std(MIOU['ce'], ddof=1))
    with pytest.raises(SystemExit, match='iteration-based run has no epoch axis'):
        load_tool('plot_curves').main([str(arms_root / 'ce'), '--x', 'epoch', '--out', out])


def test_significance_pairs_mounts_and_names_disjoint_runs(tmp_path):
    sig = load_tool('significance')
    a = write_run(str(tmp_path / 'a'), [(8, dict(mIoU=1.0), {})],
                  per_image={f'/mnt/x/VOC/JPEGImages/i{i}.jpg': 0.1 * i for i in range(5)})
    b = write_run(str(tmp_path / 'b'), [(8, dict(mIoU=1.0), {})],
                  per_image={f'/data/VOC/JPEGImages/i{i}.jpg': 0.1 * i + 0.05 * (i % 2)
                             for i in range(5)})
    assert sig.main([a, b])['n'] == 5
    c = write_run(str(tmp_path / 'c'), [(8, dict(mIoU=1.0), {})],
                  per_image={f'/data/other/k{i}.jpg': 0.1 for i in range(3)})
    with pytest.raises(SystemExit, match=r'share no image \(5 and 3 images'):
        sig.main([a, c])


def test_significance_on_arm_folders_is_the_seed_level_test(arms_root, capsys):
    result = load_tool('significance').main([str(arms_root / 'ce'),
                                             str(arms_root / 'focal')])
    assert result['p_value'] == pytest.approx(
        stats.ttest_rel(MIOU['focal'], MIOU['ce']).pvalue)
    assert 'seed-level' in capsys.readouterr().out


FAKE_TRAIN = textwrap.dedent('''
    """Stand-in for tools/train.py: 'trains' to max_iters, checkpointing each iteration,
    and optionally dies at iteration KILL_AT (a killed job)."""
    import json, os, os.path as osp, sys
    args = sys.argv[1:]
    work_dir = args[args.index('--work-dir') + 1]
    opts = dict(o.split('=', 1) for o in args[args.index('--cfg-options') + 1:])
    max_iters, seed = int(opts['train_cfg.max_iters']), int(opts['randomness.seed'])
    start = 0
    if '--resume' in args:
        start = int(open(osp.join(work_dir, 'last_checkpoint')).read().split('_')[-1])
    stamp = osp.join(work_dir, '20260101_00000%d' % (start % 10))
    scalars = osp.join(stamp, SCALARS_PATH)
    os.makedirs(osp.dirname(scalars), exist_ok=True)
    with open(osp.join(work_dir, 'calls.txt'), 'a') as f:
        f.write('%d\\n' % start)
    for it in range(start + 1, max_iters + 1):
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write('iter_%d' % it)
        if it == int(os.environ.get('KILL_AT', -1)) and '--resume' not in args:
            sys.exit(137)
    miou = 10.0 * seed + max_iters
    with open(scalars, 'w') as f:
        f.write(json.dumps(dict(mIoU=miou, aAcc=90.0, step=max_iters)) + '\\n')
''').replace('SCALARS_PATH', repr(SCALARS))


def test_runner_skips_finished_and_resumes_killed_runs(tmp_path, monkeypatch, capsys):
    from seglab.analysis.seed_runner import plan, run_grid
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    (repo / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    root = str(tmp_path / 'root')
    jobs = plan(['configs/x/a.py', 'configs/x/b.py'], [1, 2], root,
                ['train_cfg.max_iters=4'])
    assert [(j.arm, j.seed) for j in jobs] == [('a', 1), ('a', 2), ('b', 1), ('b', 2)]
    assert jobs[1].work_dir == osp.join(root, 'a', 'seed2')
    monkeypatch.setenv('KILL_AT', '2')
    lines = []
    records = run_grid(jobs[:2], str(repo), echo=lines.append)
    assert [r['status'] for r in records] == ['failed', 'failed']
    monkeypatch.delenv('KILL_AT')
    lines = []
    records = run_grid(jobs, str(repo), echo=lines.append)
    assert [r['status'] for r in records] == ['resumed', 'resumed', 'done', 'done']
    assert [r['mIoU'] for r in records] == [14.0, 24.0, 14.0, 24.0]
    assert open(osp.join(root, 'a', 'seed1', 'calls.txt')).read().split() == ['0', '2']
    assert lines[0].startswith('[1/4] a seed1: resumed in ')
    assert lines[0].endswith(', final mIoU 14.00 at iteration 4')
    assert lines[1].startswith('progress: 1/4 runs, elapsed ') and 'ETA ' in lines[1]
    records = run_grid(jobs, str(repo), echo=lines.append)
    assert {r['status'] for r in records} == {'skipped'}
    changed = plan(['configs/x/a.py'], [1], root, ['train_cfg.max_iters=5'])
    with pytest.raises(SystemExit, match='holds a finished run with other settings'):
        run_grid(changed, str(repo), echo=lines.append)
    with pytest.raises(ValueError, match='the runner sets it from --seeds'):
        plan(['a.py'], [1], root, ['randomness.seed=3'])
    dry = []
    run_grid(plan(['configs/x/c.py'], [7], root), str(repo), dry_run=True, echo=dry.append)
    assert dry[0] == '[1/1] c seed7: new' and dry[1].endswith('randomness.seed=7')
    assert not osp.exists(osp.join(root, 'c'))
    assert sys.executable in dry[1]


def test_runner_leaves_a_seed_another_runner_trains_to_it(tmp_path):
    import subprocess
    from seglab.analysis.seed_runner import plan, run_grid
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    (repo / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    jobs = plan(['configs/x/a.py'], [1, 2], str(tmp_path / 'root'), ['train_cfg.max_iters=4'])
    other = subprocess.Popen(
        [sys.executable, '-c', 'import sys, time; from seglab.analysis import run_lock; '
         'h, _ = run_lock.acquire(sys.argv[1]); print(h is not None, flush=True); '
         'time.sleep(60)', jobs[0].work_dir], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == 'True'
        lines = []
        records = run_grid(jobs, str(repo), echo=lines.append)
        assert [r['status'] for r in records] == ['busy', 'done']
        assert lines[0].startswith('[1/2] a seed1: being trained by another runner ({"pid": '
                                   f'{other.pid}, ')
        assert lines[0].endswith("a/seed1/ablation.lock); left to it")
        assert not osp.exists(osp.join(jobs[0].work_dir, 'calls.txt'))  # nothing trained there
    finally:
        other.kill()
        other.wait()
    records = run_grid(jobs, str(repo), echo=[].append)
    assert [r['status'] for r in records] == ['done', 'skipped']


def test_image_set_fingerprint_ignores_the_mount_and_tells_splits_apart():
    from seglab.evaluation.metrics.detailed_iou_metric import image_set_fingerprint
    names = [f'JPEGImages/{i:04d}.jpg' for i in range(5)]
    here = image_set_fingerprint([f'/mnt/a/VOC2012/{n}' for n in names])
    assert here == image_set_fingerprint([f'/data/VOC2012/{n}' for n in reversed(names)])
    assert here != image_set_fingerprint([f'/data/VOC2012/{n}' for n in names[:4]])
    assert len(here) == 12


def test_named_study_grid_dry_run(tmp_path, capsys):
    root = str(tmp_path / 'presets')
    records = load_tool('ablation').main(['--grid', '004-loss-presets-camvid', '--seeds', '0',
                                          '1', '--work-dir', root, '--dry-run'])
    arms = sorted({r['arm'] for r in records})
    assert len(records) == 2 * len(arms) and len(arms) == 7
    assert 'attention-unet_1xb4-ce-only-20e_camvid-360x480' in arms
    out = capsys.readouterr().out
    assert out.count(': new') == 14 and not osp.exists(root)


def _finish_marker(seed_dir, **identity):
    with open(osp.join(seed_dir, 'ablation_run.json'), 'w') as f:
        json.dump(identity, f)


def test_runner_arm_counts_only_finished_seeds(tmp_path):
    from seglab.analysis.arms import load_arm
    root = tmp_path / 'root'
    for arm, values in (('ce', [40.0, 42.0, 10.0]), ('focal', [43.0, 45.5, 44.0])):
        for seed, miou in enumerate(values):
            d = write_run(str(root / arm / f'seed{seed}'),
                          [(8, dict(aAcc=90.0, mIoU=miou), {'bg': 90.0})])
            open(osp.join(d, 'train_output.log'), 'w').close()
            if not (arm == 'ce' and seed == 2):  # ce seed2 was killed mid-training
                _finish_marker(d)
    arm = load_arm(str(root / 'ce'))
    assert list(arm.runs) == ['0', '1'] and list(arm.excluded) == ['2']
    # Hand-made arm folders (no runner file anywhere) keep every seed with an evaluation.
    hand = tmp_path / 'hand'
    for seed in range(2):
        write_run(str(hand / f'seed{seed}'), [(8, dict(mIoU=40.0 + seed), {})])
    assert list(load_arm(str(hand)).runs) == ['0', '1']

    load_tool('compare_runs').main([str(root), '--failed', 'ce/seed2'])
    saved = json.load(open(root / 'summary.json'))
    assert saved['arms']['ce']['metrics']['mIoU']['values'] == {'0': 40.0, '1': 42.0}
    assert saved['arms']['ce']['excluded_seeds'] == {'2': 'unfinished (no ablation_run.json)'}
    assert saved['incomplete_runs'] == ['ce/seed2']
    markdown = open(root / 'summary.md').read()
    assert markdown.startswith('**INCOMPLETE: these runs failed or did not finish and are not '
                               'in the statistics: ce/seed2.**')
    assert '- ce seed2 excluded: unfinished (no ablation_run.json)' in markdown


def test_seed_grid_with_a_failed_run_still_writes_a_marked_summary(tmp_path, monkeypatch):
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    (repo / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    root = tmp_path / 'root'
    for seed in (1, 2):  # resumed runs survive KILL_AT; the new runs of arm b are killed
        (root / 'a' / f'seed{seed}').mkdir(parents=True)
        (root / 'a' / f'seed{seed}' / 'last_checkpoint').write_text('iter_1')
    ablation = load_tool('ablation')
    monkeypatch.setattr(ablation, 'REPO', str(repo))
    monkeypatch.setenv('KILL_AT', '2')
    with pytest.raises(SystemExit, match='2 run'):
        ablation.main(['configs/x/a.py', 'configs/x/b.py', '--seeds', '1', '2',
                       '--work-dir', str(root), '--cfg-options', 'train_cfg.max_iters=4'])
    saved = json.load(open(root / 'summary.json'))
    assert saved['incomplete_runs'] == ['b/seed1', 'b/seed2']
    assert list(saved['arms']) == ['a'] and saved['arms']['a']['seeds'] == ['1', '2']
    assert saved['notes'][0].startswith('arm b left out: ')
    assert open(root / 'summary.md').read().startswith('**INCOMPLETE')


def test_runner_identity_covers_amp_and_started_runs(tmp_path, monkeypatch):
    from seglab.analysis.seed_runner import plan, run_grid
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    (repo / 'tools' / 'train.py').write_text(FAKE_TRAIN)
    root = str(tmp_path / 'root')
    lines = []
    jobs = plan(['configs/x/a.py'], [1], root, ['train_cfg.max_iters=4'])
    assert [r['status'] for r in run_grid(jobs, str(repo), echo=lines.append)] == ['done']
    with pytest.raises(SystemExit, match=r"finished run with other settings.*'amp': "
                                         r'\(False, True\)'):
        run_grid(jobs, str(repo), amp=True, echo=lines.append)
    # An interrupted run is not resumed under other options, and the check comes before
    # any job of the grid trains.
    monkeypatch.setenv('KILL_AT', '2')
    started = plan(['configs/x/b.py'], [1], root, ['train_cfg.max_iters=4'])
    assert [r['status'] for r in run_grid(started, str(repo), echo=lines.append)] == ['failed']
    monkeypatch.delenv('KILL_AT')
    other = plan(['configs/x/c.py', 'configs/x/b.py'], [1], root, ['train_cfg.max_iters=5'])
    with pytest.raises(SystemExit, match='holds an unfinished run with other settings'):
        run_grid(other, str(repo), echo=lines.append)
    assert not osp.exists(osp.join(root, 'c'))


def test_runner_recognises_the_finished_runs_of_a_moved_checkout(tmp_path, monkeypatch):
    from seglab.analysis import seed_runner
    from seglab.analysis.seed_runner import plan, run_grid

    def checkout(name):
        repo = tmp_path / name
        (repo / 'tools').mkdir(parents=True)
        (repo / 'tools' / 'train.py').write_text(FAKE_TRAIN)
        for folder in ('x', 'y'):
            (repo / 'configs' / folder).mkdir(parents=True)
            (repo / 'configs' / folder / 'a.py').write_text('')
        return repo

    def statuses(repo, config):
        monkeypatch.setattr(seed_runner, 'REPO_ROOT', str(repo))
        jobs = plan([config], [1], root, ['train_cfg.max_iters=4'])
        return [r['status'] for r in run_grid(jobs, str(repo), echo=[].append)]

    root = str(tmp_path / 'root')
    old = checkout('old')
    assert statuses(old, str(old / 'configs' / 'x' / 'a.py')) == ['done']
    marker = osp.join(root, 'a', 'seed1', 'ablation_run.json')
    recorded = json.load(open(marker))
    assert recorded['config'] == 'configs/x/a.py'
    moved = tmp_path / 'moved'
    os.rename(old, moved)
    assert statuses(moved, str(moved / 'configs' / 'x' / 'a.py')) == ['skipped']
    monkeypatch.chdir(moved)  # a config given relative to the working directory
    assert statuses(moved, 'configs/x/a.py') == ['skipped']
    # A file written before paths were recorded relative holds the absolute path.
    with open(marker, 'w') as f:
        json.dump(dict(recorded, config=str(moved / 'configs' / 'x' / 'a.py')), f)
    assert statuses(moved, 'configs/x/a.py') == ['skipped']
    with pytest.raises(SystemExit, match=r"'config': \('configs/x/a.py', 'configs/y/a.py'\)"):
        statuses(moved, 'configs/y/a.py')
    outside = tmp_path / 'elsewhere' / 'a.py'
    assert seed_runner.config_identity(str(outside)) == osp.realpath(outside)


def test_post_training_test_gets_the_training_options(tmp_path):
    from seglab.analysis.seed_runner import SeedJob, eval_argv
    job = SeedJob('a', 3, 'configs/x/a.py', str(tmp_path / 'a' / 'seed3'))
    argv = eval_argv(job, 'REPO', 'ckpt.pth')
    assert argv[argv.index('--cfg-options') + 1:] == ['randomness.seed=3']
    job.options = ['model.x=1']
    argv = eval_argv(job, 'REPO', 'ckpt.pth', amp=True)
    assert argv[argv.index('--cfg-options') + 1:] == [
        'model.x=1', 'randomness.seed=3', 'optim_wrapper.type=CPUAwareAmpOptimWrapper']


def test_runner_reports_a_run_without_miou(tmp_path):
    from seglab.analysis.seed_runner import plan, run_grid
    job = plan(['configs/x/a.py'], [1], str(tmp_path))[0]
    write_run(job.work_dir, [(4, dict(aAcc=90.0), {})])
    _finish_marker(job.work_dir, **job.identity())
    lines = []
    assert run_grid([job], 'REPO', echo=lines.append)[0]['mIoU'] is None
    assert lines[0] == '[1/1] a seed1: skipped (finished earlier), final mIoU n/a at iteration 4'


def test_image_level_column_without_common_images_is_a_note(arms_root):
    with open(arms_root / 'focal' / 'seed1' / STAMP / PER_IMAGE, 'w') as f:
        f.write(json.dumps(dict(img_path='/elsewhere/x.jpg', mIoU=0.5, IoU={})) + '\n')
    summary = load_tool('compare_runs').main([str(arms_root), '--baseline', 'ce'])
    pair = [p for p in summary['pairs'] if p['arm'] == 'focal'][0]
    assert pair['image_level_pooled_over_seeds'] is None
    assert pair['metrics']['mIoU']['verdict'] == 'better'
    assert any(n.startswith('focal: no image-level test (') and 'share no image' in n
               for n in summary['notes'])
    assert pair['metrics']['IoU.cat']['correction'].endswith('uncorrected across classes')


def test_added_metrics_are_compared_and_unknown_ones_refused(tmp_path, arms_root):
    root = tmp_path / 'batch'
    batch_avg = {'a': [20.0, 22.0, 21.0], 'b': [25.0, 26.0, 27.5]}
    for arm, values in batch_avg.items():
        for seed, value in enumerate(values):
            write_run(str(root / arm / f'seed{seed}'),
                      [(8, dict(mIoU=30.0 + seed, mIoU_batch_avg=value), {'bg': 90.0})])
    compare = load_tool('compare_runs')
    summary = compare.main([str(root), '--add-metrics', 'mIoU_batch_avg',
                            '--out', str(tmp_path / 's')])
    assert summary['metrics'] == ['mIoU', 'mIoU_batch_avg', 'IoU.bg']
    pair = summary['pairs'][0]['metrics']['mIoU_batch_avg']
    diff = np.subtract(batch_avg['b'], batch_avg['a'])
    assert pair['diff_mean'] == pytest.approx(diff.mean())
    assert pair['p_value'] == pytest.approx(stats.ttest_rel(batch_avg['b'],
                                                            batch_avg['a']).pvalue)
    assert '| b | mIoU_batch_avg | 3 |' in open(tmp_path / 's.md').read()
    with pytest.raises(SystemExit, match=r"no run has the metric\(s\) \['mPrecision'\]; "
                                         r"the runs have \['aAcc', 'mAcc', 'mBIoU'"):
        compare.main([str(arms_root), '--add-metrics', 'mPrecision', '--out',
                      str(tmp_path / 'x')])


def test_per_class_table_shows_the_paired_difference_and_verdict(arms_root, tmp_path):
    load_tool('compare_runs').main([str(arms_root), '--baseline', 'ce',
                                    '--out', str(tmp_path / 's')])
    table3 = open(tmp_path / 's.md').read().split('Table 3.')[1]
    cat = [line for line in table3.splitlines() if line.startswith('| cat |')][0]
    cells = [c.strip() for c in cat.strip('|').split('|')]
    # IoU.cat is mIoU - 5 in every run: its paired difference is mIoU's.
    ce, focal = np.subtract(MIOU['ce'], 5), np.subtract(MIOU['focal'], 5)
    assert cells[1] == f'{ce.mean():.2f} ± {np.std(ce, ddof=1):.2f}'
    assert cells[3] == (f'{focal.mean():.2f} ± {np.std(focal, ddof=1):.2f} '
                        f'(+{(focal - ce).mean():.2f}, better)')
