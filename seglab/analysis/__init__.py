"""Offline analysis of finished runs: results, curves, comparisons, seed statistics, tests.

Nothing here runs during training or testing (``import seglab`` does not import it); the
command-line tools in ``tools/analysis_tools/`` are built on it. The files it reads are named
in :mod:`seglab.evaluation.metric_files`, next to the metrics that write them.
"""
from .arms import Arm, arms_in_root, check_comparable, is_arm_folder, load_arm, summarize
from .comparison import comparison_rows
from .convergence import arm_convergence, convergence_table
from .curve_bands import band, run_series
from .curves import read_curves, series
from .predictions import confusion_matrix, iter_samples, load_eval_dataset
from .run_results import RunResults, evaluation_history, load_run, per_image_scores
from .seed_runner import SeedJob, plan, run_grid
from .seed_stats import compare_to_baseline, describe, holm, paired_seed_test
from .significance import pair_scores, paired_tests

__all__ = [
    'Arm', 'arms_in_root', 'check_comparable', 'is_arm_folder', 'load_arm', 'summarize',
    'comparison_rows', 'arm_convergence', 'convergence_table', 'band', 'run_series',
    'read_curves', 'series', 'confusion_matrix',
    'iter_samples', 'load_eval_dataset', 'RunResults', 'evaluation_history', 'load_run',
    'per_image_scores', 'SeedJob', 'plan', 'run_grid', 'compare_to_baseline', 'describe',
    'holm', 'paired_seed_test', 'pair_scores', 'paired_tests'
]
