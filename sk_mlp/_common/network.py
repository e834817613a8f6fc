"""``FittedNetwork``: the one documented export of a fitted estimator's
network, which ONNX export and ``save`` read instead of the estimators'
private attributes."""

from dataclasses import dataclass, field

import numpy as np
import torch

from .._torch.module import CLIP_BOUND


@dataclass(frozen=True)
class FittedNetwork:
    """What a fitted network computes, as NumPy arrays and plain values.

    ``predict`` of the estimator it came from is, row by row:

    1. ``z = (x - input_shift) * input_scale`` when ``input_shift`` is not
       None, then ``z / sqrt(1 + (z / input_clip)^2)`` when ``input_clip``
       is not None;
    2. when ``embedding`` is not None (``numerical_embedding``), each
       column ``j = embedding['columns'][i]`` of ``z`` becomes
       ``relu(f @ embedding['weight'][i] + embedding['bias'][i])``, and
       ``z`` becomes its columns ``embedding['passed']`` followed by those
       vectors, column by column. For ``'periodic'``, ``f = [sin(a),
       cos(a)]`` with ``a = 2 pi z_j embedding['frequencies'][i]``; for
       ``'piecewise_linear'``, with ``e = embedding['edges'][i]``, ``f_t =
       (z_j - e_t) / (e_(t+1) - e_t)`` for each bin ``t`` of positive width,
       clipped below at 0 unless ``t`` is the first bin and above at 1
       unless it is the last of positive width, and ``f_t = 0`` for the bins
       of width 0;
    3. for every layer but the last ``z = hidden_activation(z @ W + b)``
       (``W, b`` from ``coefs`` and ``intercepts``), for the last
       ``z = z @ W + b`` (the logits);
    4. ``output_activation`` of the logits: ``'softmax'``, ``'logistic'``
       (one sigmoid per column), ``'exp'``, ``'identity'``;

       with ``ensemble_scales`` (an ensemble of ``k`` members,
       ``ensemble_size=k``), steps 3 and 4 run once per member ``i``, on
       ``z * ensemble_scales[i]`` and with ``coefs[-1][i]`` and
       ``intercepts[-1][i]`` as the last layer, and the outputs are the
       mean of the ``k`` members' outputs, sharpened or softened by
       ``ensemble_temperature`` ``T`` (a classifier's calibration; 1
       otherwise): ``softmax(log(mean) / T)`` for ``'softmax'``,
       ``sigmoid(logit(mean) / T)`` for ``'logistic'`` (``T`` is 1 for the
       others);
    5. for a regressor, ``z * target_scale + target_shift``; for a
       classifier, the labels from ``classes`` (the largest column, or a
       single column's sign for two classes; each column's sign for
       ``'multilabel-indicator'``).

    Computed in ``dtype`` by the estimator (step 5 in float64).

    Attributes
    ----------
    coefs : tuple of ndarray of shape (fan_in, fan_out)
        Weights per layer, input side first (scikit-learn's ``coefs_``).
    intercepts : tuple of ndarray of shape (fan_out,)
        Biases per layer.
    hidden_activation : str
        Key of ``sk_mlp``'s activation registry (``'identity'`` without
        hidden layers).
    output_activation : str
        ``'softmax'``, ``'logistic'``, ``'exp'`` or ``'identity'``.
    target_type : str
        ``'binary'``, ``'multiclass'``, ``'multilabel-indicator'`` or
        ``'continuous'``.
    dtype : str
        ``'float32'`` or ``'float64'``: the type the network computes in.
    classes : ndarray or None
        Class labels of a classifier.
    input_shift, input_scale : ndarray of shape (n_features,) or None
        The fitted input scaling, when ``input_scaling`` is on.
    input_clip : float or None
        The soft clip's bound, when the input scaling clips.
    ensemble_scales : ndarray of shape (k, fan_in) or None
        An ensemble's per-member scales of the first layer's inputs; then
        ``coefs[-1]`` has shape (k, fan_in, n_outputs) and
        ``intercepts[-1]`` (k, n_outputs).
    ensemble_temperature : float or None
        An ensemble's temperature (step 4); None for one network, whose
        calibration is part of its last layer.
    embedding : dict or None
        The numerical embedding: ``'kind'`` (``'periodic'`` or
        ``'piecewise_linear'``), ``'columns'`` (int array of the embedded
        columns), ``'passed'`` (the others, in order), ``'weight'`` of
        shape (n_embedded, f, d) and ``'bias'`` of shape (n_embedded, d),
        and ``'frequencies'`` of shape (n_embedded, k) (periodic, f = 2k)
        or ``'edges'`` of shape (n_embedded, f + 1) (piecewise linear, on
        the scaled inputs' scale).
    target_shift, target_scale : ndarray of shape (n_outputs,) or None
        How a regressor's outputs return to the targets' scale.
    state : dict
        The fitted estimator's record as plain data, with ``tensors`` what
        :func:`sk_mlp.save` writes and :func:`sk_mlp.load` rebuilds from.
    tensors : dict of str to torch.Tensor
        The network's parameters and buffers, on the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import softmax
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((8,), input_scaling=None, ensemble_size=1, max_iter=20,
    ...                     device="cpu", random_state=0).fit(X, y)
    >>> net = clf.export_network()
    >>> hidden = np.maximum(X @ net.coefs[0] + net.intercepts[0], 0)  # relu
    >>> proba = softmax(hidden @ net.coefs[1] + net.intercepts[1], axis=1)
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-5))
    True
    """

    coefs: tuple
    intercepts: tuple
    hidden_activation: str
    output_activation: str
    target_type: str
    dtype: str
    classes: np.ndarray = None
    input_shift: np.ndarray = None
    input_scale: np.ndarray = None
    input_clip: float = None
    embedding: dict = None
    ensemble_scales: np.ndarray = None
    ensemble_temperature: float = None
    target_shift: np.ndarray = None
    target_scale: np.ndarray = None
    state: dict = field(default_factory=dict, repr=False)
    tensors: dict = field(default_factory=dict, repr=False)

    @property
    def layer_sizes(self):
        """Widths of every layer, input to output."""
        return [self.coefs[0].shape[-2], *(W.shape[-1] for W in self.coefs)]


def module_arrays(module):
    """Keyword arguments of :class:`FittedNetwork` read from an ``MLPModule``:
    its weights, its input scaling, its dtype and its tensors."""
    def numpy(tensor):
        return tensor.detach().cpu().double().numpy().copy()

    arrays = dict(
        coefs=tuple(numpy(linear.weight).swapaxes(-1, -2) for linear in module.linears),
        intercepts=tuple(numpy(linear.bias) for linear in module.linears),
        dtype="float64" if module.linears[0].weight.dtype == torch.float64 else "float32",
        tensors={name: value.detach().cpu() for name, value in module.state_dict().items()},
    )
    embedding = getattr(module, "embedding", None)
    if embedding is not None:
        arrays["embedding"] = embedding.export(numpy)
    ensemble = getattr(module, "ensemble", None)
    if ensemble is not None:
        arrays["ensemble_scales"] = numpy(ensemble.member_scales)
        arrays["ensemble_temperature"] = float(module.linears[-1].temperature)
    scaling = getattr(module, "scaling", None)
    if scaling is not None:
        arrays.update(input_shift=numpy(scaling.shift), input_scale=numpy(scaling.scale),
                      input_clip=float(CLIP_BOUND) if scaling.clip else None)
    return arrays
