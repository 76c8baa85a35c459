"""seglab: an MMSegmentation 1.x plugin for encoder-decoder networks under class imbalance."""
import os
import os.path as osp
from importlib import metadata

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def mmcv_requirement() -> list:
    """mmcv-lite unless a full mmcv is already installed (or SEGLAB_MMCV=full).

    Installing mmcv-lite on top of a compiled mmcv would overwrite its Python files, so an
    existing full mmcv is kept as it is.
    """
    if os.environ.get('SEGLAB_MMCV', '').lower() == 'full':
        return ['mmcv>=2.0.0,<2.2.0']
    try:
        metadata.distribution('mmcv')
        return ['mmcv>=2.0.0,<2.2.0']
    except metadata.PackageNotFoundError:
        return read_requirements('mmcv.txt')


def version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'seglab', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='seglab',
    version=version(),
    description='MMSegmentation plugin: U-Net/SegNet/attention decoders and losses '
    'for class-imbalanced segmentation, with reproducible studies',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(include=['seglab', 'seglab.*']),
    include_package_data=True,
    install_requires=read_requirements('runtime.txt') + mmcv_requirement(),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'benchmark': read_requirements('benchmark.txt'),
        'onnx': read_requirements('onnx.txt'),
        'tensorboard': read_requirements('tensorboard.txt'),
    },
    zip_safe=False,
)
