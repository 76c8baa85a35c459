"""Which runs the reduced-studies runner selects (``--dry-run`` prints their commands)."""
import os
import subprocess

from helpers import REPO

SCRIPT = os.path.join(REPO, 'tools', 'misc', 'run_reduced_studies.sh')


def _selected(*args):
    # seed 9: never exported, so no run is skipped for having results in projects/
    env = dict(os.environ, SEEDS='9', PY='python')
    out = subprocess.run(['bash', SCRIPT, '--dry-run', *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return [line.split('--variant ')[1].split()[0] for line in out.splitlines()
            if '--variant' in line]


def test_a_full_run_name_selects_that_run_only():
    assert _selected('001-segnet') == ['001-segnet']


def test_a_prefix_selects_every_run_it_starts():
    assert _selected('001') == ['001-segnet', '001-segnet-residual',
                                '001-mmseg-unet-s5-d16-w16']
    assert _selected('003-cdfl') == ['003-cdfl-0.01-mnv2-pretrained',
                                     '003-cdfl-100-mnv2-pretrained',
                                     '003-cdfl-1000-mnv2-pretrained']
    assert _selected('003-focal', '003-lovasz') == ['003-focal-mnv2-pretrained',
                                                    '003-lovasz-mnv2-pretrained']


def test_export_1_exports_each_seed_into_its_study_folder_after_it_trains():
    env = dict(os.environ, SEEDS='9', PY='python', EXPORT='1')
    out = subprocess.run(['bash', SCRIPT, '--dry-run', '001-segnet'], env=env, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0].startswith('python tools/analysis_tools/ablation.py ')
    assert out[1] == ('python tools/misc/export_runs.py work_dirs/studies/001 '
                      'projects/001_segnet-residual/results/runs')
    assert len(out) == 2
