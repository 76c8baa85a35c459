"""seglab.utils.dist.distributed_session: a single-process gloo group, no torchrun needed."""
import socket

import pytest
import torch.distributed as torch_dist
from mmengine.config import Config

from seglab.utils.dist import distributed_session


@pytest.fixture
def one_rank_env(monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)


def cfg(launcher):
    return Config(dict(launcher=launcher, env_cfg=dict()))


def test_session_starts_gloo_and_destroys_it(one_rank_env):
    config = cfg('pytorch')
    with distributed_session(config):
        assert torch_dist.is_initialized() and torch_dist.get_backend() == 'gloo'
        assert config.env_cfg.dist_cfg.backend == 'gloo'
        # DDP on CPU: no device_ids (mmengine's default passes the local rank as a GPU).
        assert config.model_wrapper_cfg.device_ids is None
    assert not torch_dist.is_initialized()


def test_session_destroys_the_group_when_training_raises(one_rank_env):
    with pytest.raises(RuntimeError, match='boom'):
        with distributed_session(cfg('pytorch')):
            assert torch_dist.is_initialized()
            raise RuntimeError('boom')
    assert not torch_dist.is_initialized()


def test_non_distributed_launch_starts_nothing(one_rank_env):
    with distributed_session(cfg('none')):
        assert not torch_dist.is_initialized()
