"""A ``CheckpointHook`` that survives ``kill -9`` at any moment, also during a save."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmseg.registry import HOOKS
from .atomic_backend import AtomicLocalBackend, remove_stale_temporaries


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """Save checkpoints atomically and move ``last_checkpoint`` only after a complete write.

    mmengine 0.10's ``CheckpointHook`` (a) streams into the final file name, (b) writes the
    ``last_checkpoint`` pointer in place, and (c) with ``max_keep_ckpts`` deletes the oldest
    checkpoint *before* writing the new one. A kill during a save can therefore leave a
    truncated file, an empty pointer, or, with ``max_keep_ckpts=1``, no checkpoint at all.
    This hook writes through :class:`~seglab.engine.AtomicLocalBackend` (temporary file +
    rename), then moves the pointer atomically, and only then prunes old checkpoints. Before
    training, it deletes the temporary files (``.iter_N.pth.*.tmp``) saves interrupted by a
    kill left in the checkpoint folder and the work dir.

    Args:
        **kwargs: As :class:`mmengine.hooks.CheckpointHook`, except ``backend_args``
            (Default: dict(backend='atomic_local')).
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('backend_args') is None and kwargs.get('file_client_args') is None:
            kwargs['backend_args'] = dict(backend='atomic_local')
        super().__init__(**kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)  # resolves self.out_dir
        if not is_main_process() or not isinstance(self.file_backend, AtomicLocalBackend):
            return
        for folder in dict.fromkeys([self.out_dir, runner.work_dir]):
            for path in remove_stale_temporaries(folder):
                runner.logger.info(f'Removed {path}, left by an interrupted atomic write.')

    def _save_checkpoint_with_step(self, runner, step, meta):
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        stale = []
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids
                                        or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        self.file_backend.put_text(self.last_ckpt,
                                   osp.join(runner.work_dir, 'last_checkpoint'))
        for old_step in stale:
            old_path = self.file_backend.join_path(self.out_dir,
                                                   self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(old_path):
                self.file_backend.remove(old_path)
