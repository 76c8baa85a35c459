"""Using a trained seglab model from Python: mmseg's inference API, working on seglab configs.

``from seglab.apis import init_model, inference_model`` is a drop-in for ``mmseg.apis``
(importing it also makes mmseg importable on mmcv-lite); see README "Using a trained model".
"""
from mmseg.apis import show_result_pyplot

from .inference import MMSegInferencer, inference_model, init_model
from .pipeline import InferencePipelineError, inference_pipeline
from .uncertainty import mc_dropout_inference

__all__ = [
    'init_model', 'inference_model', 'MMSegInferencer', 'show_result_pyplot',
    'inference_pipeline', 'InferencePipelineError', 'mc_dropout_inference'
]
