"""mmengine's early stopping with its counters saved in the checkpoint, so resume is exact."""
import math

from mmengine.hooks import EarlyStoppingHook

from mmseg.registry import HOOKS

STATE_KEY = 'early_stopping'


@HOOKS.register_module()
class ResumableEarlyStoppingHook(EarlyStoppingHook):
    """:class:`mmengine.hooks.EarlyStoppingHook` whose ``wait_count`` and ``best_score``
    survive ``--resume``.

    mmengine's hook keeps both in memory only: a resumed run restarts the patience count and
    forgets the best score, so it stops at another epoch than the uninterrupted run. They are
    saved under ``checkpoint['meta']['early_stopping']`` and read back (as numbers only) when
    the checkpoint is loaded. A checkpoint without them (written by mmengine's hook) leaves
    the fresh state and says so in the log.

    Args:
        **kwargs: As :class:`mmengine.hooks.EarlyStoppingHook` (``monitor``, ``rule``,
            ``min_delta``, ``strict``, ``check_finite``, ``patience``,
            ``stopping_threshold``).
    """

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[STATE_KEY] = dict(
            monitor=str(self.monitor), wait_count=int(self.wait_count),
            best_score=float(self.best_score))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = (checkpoint.get('meta') or {}).get(STATE_KEY)
        if not isinstance(state, dict):
            runner.logger.warning(f'{type(self).__name__}: the checkpoint has no early-'
                                  'stopping state; the patience count starts from 0')
            return
        try:
            wait_count, best_score = int(state['wait_count']), float(state['best_score'])
            if wait_count < 0 or math.isnan(best_score):
                raise ValueError('negative wait_count or NaN best_score')
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"checkpoint meta.{STATE_KEY} is malformed ({err!r}); expected "
                             'a wait_count >= 0 and a numeric best_score') from None
        if state.get('monitor') != self.monitor:
            runner.logger.warning(f'{type(self).__name__}: the checkpoint\'s early-stopping '
                                  f'state is for monitor {state.get("monitor")!r}, not '
                                  f'{self.monitor!r}; the patience count starts from 0')
            return
        self.wait_count, self.best_score = wait_count, best_score
