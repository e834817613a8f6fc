"""``sk-mlp compare``: cross-validated comparison of sk_mlp's networks with SVM
and linear baselines (``compare``, ``summarize``, ``fit_best``), and the
command line over it."""

from ._compare import compare, detect_task
from ._registry import METRICS, MODELS, CompareError
from ._report import fit_best, summarize

__all__ = ["METRICS", "MODELS", "CompareError", "compare", "detect_task", "fit_best",
           "summarize"]
