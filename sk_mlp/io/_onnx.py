"""ONNX export: skl2onnx converters for sk_mlp's estimators, and ``to_onnx``.

A layer above the estimators (needs the ``deploy`` extra: skl2onnx, onnx,
onnxruntime to run the result). The converters are registered with
skl2onnx's documented custom-converter API, so ``skl2onnx.to_onnx`` converts a
scikit-learn pipeline ending in an sk_mlp estimator into one graph once
:func:`register_onnx_converters` has run (``sk_mlp.to_onnx`` runs it).

The graph is the network's forward pass in evaluation mode (dropout is the
identity there): one ``Gemm`` per layer and the hidden activation between
them, then what ``predict`` / ``predict_proba`` do to the outputs.
"""

import re

import numpy as np
import pandas as pd


__all__ = ["input_name", "onnx_inputs", "register_onnx_converters", "to_onnx"]

_SQRT_HALF = 0.7071067811865476


def input_name(column):
    """The ONNX input name of a DataFrame column: its name as a valid
    identifier (other characters become ``_``; a leading digit gets a
    ``_`` before it), as :func:`to_onnx` declares it and :func:`onnx_inputs`
    feeds it."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", str(column))
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _skl2onnx():
    try:
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs skl2onnx and onnx: pip install 'sk_mlp[deploy]'."
        ) from exc
    return skl2onnx


class _Graph:
    """Small helper over skl2onnx's container: named constants and nodes."""

    def __init__(self, scope, operator, container, proto=None):
        from skl2onnx.common.data_types import guess_proto_type

        self.scope, self.container = scope, container
        # the graph's floats: the input's type, or ``proto`` when given
        self.proto = proto or guess_proto_type(operator.inputs[0].type)
        self.compute = self.proto  # the float type of the nodes being added

    @property
    def dtype(self):
        return np.float64 if self.compute == 11 else np.float32  # 11: DOUBLE

    def name(self, hint):
        return self.scope.get_unique_variable_name(hint)

    def const(self, value, hint="c", proto=None):
        from onnx import TensorProto

        value = np.asarray(value)
        if proto is None:
            proto = self.compute if value.dtype.kind == "f" else (
                TensorProto.INT64 if value.dtype.kind in "iub" else TensorProto.STRING)
            value = value.astype(self.dtype) if value.dtype.kind == "f" else value
        elif proto == TensorProto.DOUBLE:
            value = value.astype(np.float64)
        name = self.name(hint)
        values = value.ravel().tolist()
        if proto == TensorProto.STRING:
            values = [str(v).encode("utf-8") for v in value.ravel()]
        self.container.add_initializer(name, proto, list(value.shape), values)
        return name

    def node(self, op_type, inputs, output=None, op_domain="", op_version=None,
             **attrs):
        output = output or self.name(op_type.lower())
        self.container.add_node(op_type, inputs, [output], op_domain=op_domain,
                                op_version=op_version,
                                name=self.scope.get_unique_operator_name(op_type),
                                **attrs)
        return output


def _leaky_relu(g, x):  # torch's slope 0.01, as elementary ops: onnxruntime's
    # CPU LeakyRelu and Elu kernels are float32 only
    return g.node("Max", [x, g.node("Mul", [x, g.const(0.01)])])


def _elu(g, x):  # alpha 1
    negative = g.node("Sub", [g.node("Exp", [g.node("Min", [x, g.const(0.0)])]),
                              g.const(1.0)])
    return g.node("Where", [g.node("Greater", [x, g.const(0.0)]), x, negative])


def _gelu(g, x):  # exact GELU: x * (1 + erf(x / sqrt 2)) / 2
    scaled = g.node("Mul", [x, g.const(_SQRT_HALF)])
    if g.dtype == np.float64:  # onnxruntime's Erf is float32 only (~1e-7 rel.)
        erf = g.node("Cast", [g.node("Erf", [g.node("Cast", [scaled], to=1)])], to=11)
    else:
        erf = g.node("Erf", [scaled])
    return g.node("Mul", [g.node("Mul", [x, g.const(0.5)]),
                          g.node("Add", [erf, g.const(1.0)])])


# Hidden activation -> function adding its ONNX nodes to graph g for input x;
# the keys are exactly those of sk_mlp._torch.activations.ACTIVATIONS (tested).
ONNX_ACTIVATIONS = {
    "relu": lambda g, x: g.node("Relu", [x]),
    "tanh": lambda g, x: g.node("Tanh", [x]),
    "sigmoid": lambda g, x: g.node("Sigmoid", [x]),
    "logistic": lambda g, x: g.node("Sigmoid", [x]),
    "identity": lambda g, x: x,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "gelu": _gelu,
    "silu": lambda g, x: g.node("Mul", [x, g.node("Sigmoid", [x])]),
}


def _activation(g, x, name):
    """ONNX nodes for one hidden activation of ``sk_mlp._torch.activations``."""
    if name not in ONNX_ACTIVATIONS:
        raise NotImplementedError(f"no ONNX form for activation {name!r}")
    return ONNX_ACTIVATIONS[name](g, x)


def _forward(g, net, x):
    """Logits of the exported network ``net`` (a ``FittedNetwork``): input
    scaling, then Gemm (+ hidden activation) per layer.

    Computed in the network's own float type, as ``predict`` computes them
    (a float32 network in a float64 graph casts its input down): the outputs
    then agree to that type's rounding, even where sums nearly cancel. Sets
    ``g.compute`` to that type; :func:`_to_graph` casts back.
    """
    from onnx import TensorProto

    g.compute = TensorProto.DOUBLE if net.dtype == "float64" else TensorProto.FLOAT
    if g.compute != g.proto:
        x = g.node("Cast", [x], to=g.compute)
    if net.input_shift is not None:
        x = g.node("Mul", [g.node("Sub", [x, g.const(net.input_shift, "shift")]),
                           g.const(net.input_scale, "scale")])
        if net.input_clip is not None:  # z / sqrt(1 + (z / c)^2)
            ratio = g.node("Mul", [x, g.const(1.0 / net.input_clip)])
            x = g.node("Div", [x, g.node("Sqrt", [g.node("Add", [
                g.const(1.0), g.node("Mul", [ratio, ratio])])])])
    if net.embedding is not None:
        x = _embedding(g, net.embedding, x)
    scales = net.ensemble_scales
    if scales is not None:  # member i's copy of every row: rows (n * k, d)
        x = g.node("Mul", [g.node("Reshape", [x, g.const(np.array(
            [-1, 1, scales.shape[1]], dtype=np.int64))]), g.const(scales, "member_scales")])
        x = g.node("Reshape", [x, g.const(np.array([-1, scales.shape[1]], dtype=np.int64))])
    last = len(net.coefs) - 1
    for index, (weight, bias) in enumerate(zip(net.coefs, net.intercepts)):
        if index == last and scales is not None:
            return _ensemble_heads(g, net, x, weight, bias)
        x = g.node("Gemm", [x, g.const(weight, "W"), g.const(bias, "B")])
        if index < last:
            x = _activation(g, x, net.hidden_activation)
    return x


def _ensemble_heads(g, net, x, weight, bias):
    """An ensemble's last step: member i's rows (``x``, member-minor, of
    shape (n * k, fan_in)) through its own layer ``weight[i]``, then the
    logits of the members' mean output, as ``sk_mlp._torch.ensemble``'s
    ``ENSEMBLE_MEANS`` gives them (in ``log`` of the mean form: a member's
    probabilities are at most 1, so their mean neither overflows nor, for
    every class at once, underflows)."""
    k, fan_in, _ = weight.shape
    members = g.node("Transpose", [g.node("Reshape", [x, g.const(np.array(
        [-1, k, fan_in], dtype=np.int64))])], perm=[1, 0, 2])  # (k, n, fan_in)
    z = g.node("Add", [g.node("MatMul", [members, g.const(weight, "W")]),
                       g.const(bias[:, None, :], "B")])  # (k, n, out)

    mean = ONNX_ENSEMBLE_MEANS[net.output_activation]
    logits = mean(g, z, lambda values: g.node("Mul", [g.node("ReduceSum", [
        values, g.const(np.array([0], dtype=np.int64))], keepdims=0), g.const(1.0 / k)]))
    if net.ensemble_temperature not in (None, 1.0):  # a classifier's calibration
        logits = g.node("Div", [logits, g.const(float(net.ensemble_temperature))])
    return logits


# Output activation -> ONNX nodes of the members' mean output as logits, for
# the members' logits z (k, n, out) and ``mean`` over the members; the keys
# are those of sk_mlp._torch.ensemble.ENSEMBLE_MEANS (tested)
ONNX_ENSEMBLE_MEANS = {
    "identity": lambda g, z, mean: mean(z),
    "logistic": lambda g, z, mean: g.node("Sub", [
        g.node("Log", [mean(g.node("Sigmoid", [z]))]),
        g.node("Log", [mean(g.node("Sigmoid", [g.node("Neg", [z])]))])]),
    "softmax": lambda g, z, mean: g.node("Log", [mean(g.node("Softmax", [z], axis=2))]),
    "exp": lambda g, z, mean: g.node("Log", [mean(g.node("Exp", [z]))]),
}


def _periodic_features(g, embedding, values):
    """[sin, cos] of the columns' values (n, m, 1) times 2 pi frequencies."""
    angles = g.node("Mul", [values, g.const((2 * np.pi * embedding["frequencies"])[None],
                                            "freq")])
    return g.node("Concat", [g.node("Sin", [angles]), g.node("Cos", [angles])], axis=2)


def _piecewise_linear_features(g, embedding, values):
    """Each value's position in its column's bins (n, m, 1) -> (n, m, T),
    clipped as ``FittedNetwork`` states, 0 in the bins of width 0."""
    edges = embedding["edges"]
    width = np.diff(edges, axis=1)
    used = width > 0
    last = used.sum(axis=1, keepdims=True) - 1
    t = np.arange(width.shape[1])
    z = g.node("Mul", [g.node("Sub", [values, g.const(edges[None, :, :-1], "edges")]),
                       g.const(np.where(used, 1.0 / np.where(used, width, 1.0), 0.0)[None],
                               "inverse_width")])
    below = np.broadcast_to(t > 0, width.shape)[None]
    above = (t < last)[None]
    z = g.node("Where", [g.const(below, "clip_below", proto=9),
                         g.node("Max", [z, g.const(0.0)]), z])
    return g.node("Where", [g.const(above, "clip_above", proto=9),
                            g.node("Min", [z, g.const(1.0)]), z])


# numerical_embedding kind -> ONNX nodes of its features for the columns'
# values (n, m, 1); keys as sk_mlp._torch.embeddings.EMBEDDINGS (tested)
ONNX_EMBEDDING_FEATURES = {
    "periodic": _periodic_features,
    "piecewise_linear": _piecewise_linear_features,
}


def _embedding(g, embedding, x):
    """The numerical embedding's step of ``FittedNetwork``: the embedded
    columns through their features, a map per column and ReLU, after the
    columns passed as they are."""
    columns, weight = embedding["columns"], embedding["weight"]
    m = len(columns)
    passed = embedding["passed"]
    values = g.node("Gather", [x, g.const(columns, "embedded")], axis=1)  # (n, m)
    values = g.node("Reshape", [values, g.const(np.array([-1, m, 1], dtype=np.int64))])
    features = ONNX_EMBEDDING_FEATURES[embedding["kind"]](g, embedding, values)
    # (m, n, f) @ (m, f, d): one product per column
    mapped = g.node("MatMul", [g.node("Transpose", [features], perm=[1, 0, 2]),
                               g.const(weight, "embed_W")])
    codes = g.node("Relu", [g.node("Add", [g.node("Transpose", [mapped], perm=[1, 0, 2]),
                                            g.const(embedding["bias"][None], "embed_B")])])
    codes = g.node("Reshape", [codes, g.const(np.array([-1, m * weight.shape[2]],
                                                       dtype=np.int64))])
    parts = [codes] if not len(passed) else [
        g.node("Gather", [x, g.const(passed, "passed")], axis=1), codes]
    return g.node("Concat", parts, axis=1) if len(parts) > 1 else codes


def _to_graph(g, x, output=None):
    """``x`` in the graph's float type (and named ``output`` when given)."""
    if g.compute == g.proto:
        return g.node("Identity", [x], output) if output else x
    cast = g.node("Cast", [x], output, to=g.proto)
    g.compute = g.proto
    return cast


def _labels_from_index(g, net, index, output):
    """classes[index] as the label output (int64 or string classes)."""
    classes = np.asarray(net.classes)
    if classes.dtype.kind in "iub":
        classes = classes.astype(np.int64)
    else:
        classes = classes.astype(str)
    g.node("Gather", [g.const(classes, "classes"), index], output, axis=0)


def _binary_probabilities(g, p1, output):
    one_minus = g.node("Sub", [g.const(np.ones((1, 1))), p1])
    return g.node("Concat", [one_minus, p1], output, axis=1)


def _convert_mlp_classifier(scope, operator, container):
    g = _Graph(scope, operator, container)
    net = operator.raw_operator.export_network()
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    logits = _forward(g, net, operator.inputs[0].full_name)
    kind = net.target_type
    if kind == "multilabel-indicator":
        positive = g.node("Greater", [logits, g.const(np.zeros((1, 1)))])
        g.node("Cast", [positive], label, to=7)  # INT64
        _to_graph(g, g.node("Sigmoid", [logits]), proba)
        return
    if kind == "binary":
        index = g.node("Cast", [g.node("Greater", [
            g.node("Reshape", [logits, g.const(np.array([-1], dtype=np.int64))]),
            g.const(np.zeros(1))])], to=7)
        _binary_probabilities(g, _to_graph(g, g.node("Sigmoid", [logits])), proba)
    else:
        index = g.node("ArgMax", [logits], axis=1, keepdims=0)
        _to_graph(g, g.node("Softmax", [logits], axis=1), proba)
    _labels_from_index(g, net, index, label)


def _convert_perceptron(scope, operator, container):
    g = _Graph(scope, operator, container)
    net = operator.raw_operator.export_network()
    label, second = operator.outputs[0].full_name, operator.outputs[1].full_name
    scores = _to_graph(g, _forward(g, net, operator.inputs[0].full_name))
    binary = net.target_type == "binary"
    if binary:
        flat = g.node("Reshape", [scores, g.const(np.array([-1], dtype=np.int64))])
        index = g.node("Cast", [g.node("Greater", [flat, g.const(np.zeros(1))])], to=7)
    else:
        index = g.node("ArgMax", [scores], axis=1, keepdims=0)
    _labels_from_index(g, net, index, label)
    if net.output_activation == "logistic":  # predict_proba
        if binary:
            _binary_probabilities(g, g.node("Sigmoid", [scores]), second)
        else:  # one-vs-rest sigmoids, normalised
            p = g.node("Sigmoid", [scores])
            g.node("Div", [p, g.node("ReduceSum", [p, g.const(
                np.array([1], dtype=np.int64))], keepdims=1)], second)
    elif binary:  # decision_function as two columns, like skl2onnx's linear models
        g.node("Concat", [g.node("Neg", [scores]), scores], second, axis=1)
    else:
        g.node("Identity", [scores], second)


def _convert_mlp_regressor(scope, operator, container):
    g = _Graph(scope, operator, container)
    net = operator.raw_operator.export_network()
    out = _forward(g, net, operator.inputs[0].full_name)
    if net.output_activation == "exp":
        out = g.node("Exp", [out])
    # back to y's scale in float64, as predict does, then to the graph's type:
    # in float32 the product and the mean can nearly cancel
    from onnx import TensorProto

    scale = net.target_scale.reshape(1, -1)
    mean = net.target_shift.reshape(1, -1)
    wide = g.node("Cast", [out], to=TensorProto.DOUBLE)
    y = g.node("Add", [g.node("Mul", [wide, g.const(scale, "scale", TensorProto.DOUBLE)]),
                       g.const(mean, "mean", TensorProto.DOUBLE)])
    g.node("Cast", [y], operator.outputs[0].full_name, to=g.proto)


def _classifier_shapes(operator):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    net = operator.raw_operator.export_network()
    n = operator.inputs[0].get_first_dimension()
    classes = np.asarray(net.classes)
    label_type = Int64TensorType if classes.dtype.kind in "iub" else StringTensorType
    multilabel = net.target_type == "multilabel-indicator"
    operator.outputs[0].type = label_type([n, len(classes)] if multilabel else [n])
    operator.outputs[1].type = operator.inputs[0].type.__class__([n, len(classes)])


def _regressor_shapes(operator):
    n = operator.inputs[0].get_first_dimension()
    width = operator.raw_operator.export_network().layer_sizes[-1]
    operator.outputs[0].type = operator.inputs[0].type.__class__([n, width])


def _tabular_shapes(operator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    n = operator.inputs[0].get_first_dimension()
    floats = [v.type.__class__ for v in operator.inputs
              if isinstance(v.type, (FloatTensorType, DoubleTensorType))]
    width = len(operator.raw_operator.get_feature_names_out())
    operator.outputs[0].type = (floats[0] if floats else FloatTensorType)([n, width])


def _convert_tabular(scope, operator, container):
    """TabularPreprocessor in ONNX: its imputation, scaling and one-hot
    encoding, rare levels grouped as it groups them (which skl2onnx's own
    OneHotEncoder converter does not support)."""
    from skl2onnx.common.data_types import guess_proto_type

    from ..preprocessing import MISSING_CATEGORY

    prep = operator.raw_operator
    g = _Graph(scope, operator, container,
               proto=guess_proto_type(operator.outputs[0].type))
    inputs = {v.raw_name: v.full_name for v in operator.inputs}
    single = len(operator.inputs) == 1 and not hasattr(prep, "feature_names_in_")

    def column(name):
        if single:  # one matrix input: the column by position
            return g.node("Gather", [operator.inputs[0].full_name, g.const(
                np.array([int(name)], dtype=np.int64))], axis=1)
        return inputs[input_name(name)]

    transformers = prep.column_transformer_.named_transformers_
    parts = []
    if prep.numeric_columns_:
        steps = [step for _, step in transformers["numeric"].steps]
        x = g.node("Concat", [g.node("Cast", [column(c)], to=g.proto)
                              for c in prep.numeric_columns_], axis=1)
        medians = steps[0].statistics_.reshape(1, -1)
        x = g.node("Where", [g.node("IsNaN", [x]), g.const(medians, "median"), x])
        if len(steps) > 1:
            scaler = steps[1]
            center = getattr(scaler, "mean_", None)
            if center is None:
                center = getattr(scaler, "center_", None)
            if center is not None:
                x = g.node("Sub", [x, g.const(center.reshape(1, -1), "center")])
            if getattr(scaler, "scale_", None) is not None:
                x = g.node("Div", [x, g.const(scaler.scale_.reshape(1, -1), "scale")])
        parts.append(x)
    if prep.categorical_columns_:
        imputer, encoder = [step for _, step in transformers["categorical"].steps]
        rare_lists = getattr(encoder, "infrequent_categories_",
                             [None] * len(encoder.categories_))
        for i, name in enumerate(prep.categorical_columns_):
            rare = set() if rare_lists[i] is None else set(rare_lists[i])
            frequent = [c for c in encoder.categories_[i] if c not in rare]
            # the infrequent column comes last and takes unseen levels too;
            # without one, unseen levels encode as all zeros
            other = len(frequent) if rare else -1
            position = {str(c): j for j, c in enumerate(frequent)}
            position.update({str(c): other for c in rare})
            position[MISSING_CATEGORY] = position.get(str(imputer.statistics_[i]), other)
            index = g.node("LabelEncoder", [column(name)], op_domain="ai.onnx.ml",
                           op_version=2, keys_strings=list(position),
                           values_int64s=list(position.values()), default_int64=other)
            width = len(frequent) + bool(rare)
            hot = g.node("Equal", [index, g.const(
                np.arange(width, dtype=np.int64).reshape(1, -1))])
            parts.append(g.node("Cast", [hot], to=g.proto))
    g.node("Concat", parts, operator.outputs[0].full_name, axis=1)


def register_onnx_converters():
    """Register sk_mlp's estimators with skl2onnx (idempotent).

    After this, ``skl2onnx.to_onnx`` converts ``MLPClassifier``,
    ``MLPRegressor``, ``Perceptron`` and ``TabularPreprocessor`` (rare
    levels grouped as it groups them), alone or inside scikit-learn
    pipelines.
    Classifiers give a label output and a probability output (scores for
    the step perceptron) as plain tensors: pass
    ``options={"zipmap": False}`` to ``skl2onnx.to_onnx``, which
    :func:`to_onnx` does for you.

    Examples
    --------
    >>> import numpy as np, skl2onnx
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_mlp import MLPRegressor, register_onnx_converters
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), MLPRegressor(
    ...     hidden_layer_sizes=(8,), device="cpu", random_state=0)).fit(X, y)
    >>> _ = register_onnx_converters()
    >>> model = skl2onnx.to_onnx(reg, X[:1].astype(np.float32))
    >>> [output.name for output in model.graph.output]
    ['variable']
    """
    skl2onnx = _skl2onnx()
    from skl2onnx import update_registered_converter

    from ..neural_network._classifier import MLPClassifier
    from ..linear_model._perceptron import Perceptron
    from ..neural_network._regressor import MLPRegressor
    from ..preprocessing import TabularPreprocessor

    options = {"zipmap": [False, True, "columns"], "nocl": [False, True]}
    update_registered_converter(MLPClassifier, "SkMlpMLPClassifier",
                                _classifier_shapes, _convert_mlp_classifier,
                                options=options)
    update_registered_converter(Perceptron, "SkMlpPerceptron", _classifier_shapes,
                                _convert_perceptron, options=options)
    update_registered_converter(MLPRegressor, "SkMlpMLPRegressor", _regressor_shapes,
                                _convert_mlp_regressor)
    update_registered_converter(TabularPreprocessor, "SkMlpTabularPreprocessor",
                                _tabular_shapes, _convert_tabular)
    return skl2onnx


def _initial_types(X, dtype):
    """One ONNX input per DataFrame column (numbers or strings), or one
    matrix input for an array."""
    from skl2onnx.common.data_types import (DoubleTensorType, FloatTensorType,
                                            StringTensorType)

    numeric = DoubleTensorType if dtype == np.float64 else FloatTensorType
    if not isinstance(X, pd.DataFrame):
        return [("X", numeric([None, np.asarray(X).shape[1]]))]
    names = [input_name(column) for column in X.columns]
    if len(set(names)) < len(names):
        clashing = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"Columns {clashing} give the same ONNX input name once "
                         "spelt as identifiers: rename them apart first.")
    types = []
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            types.append((input_name(column), StringTensorType([None, 1])))
        else:
            types.append((input_name(column), numeric([None, 1])))
    return types


def onnx_inputs(X, dtype=np.float32):
    """The ``onnxruntime`` feed for ``X`` matching :func:`to_onnx`'s inputs.

    Parameters
    ----------
    X : pandas.DataFrame or array-like
    dtype : numpy dtype, default=np.float32
        The float type the model was converted with.

    Returns
    -------
    feed : dict
        Input name -> 2-D array.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_mlp import onnx_inputs
    >>> feed = onnx_inputs(pd.DataFrame({"rooms": [3, 4], "city": ["Oslo", None]}))
    >>> sorted(feed), feed["rooms"].dtype, feed["rooms"].shape
    (['city', 'rooms'], dtype('float32'), (2, 1))
    >>> onnx_inputs(np.eye(2))["X"].dtype  # an array feeds one input, "X"
    dtype('float32')
    """
    from ..preprocessing import MISSING_CATEGORY

    if not isinstance(X, pd.DataFrame):
        return {"X": np.asarray(X, dtype=dtype)}
    feed = {}
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            # missing categories spelt as TabularPreprocessor spells them
            values = series.astype(object).map(
                lambda v: MISSING_CATEGORY if pd.isna(v) else str(v))
            feed[input_name(column)] = values.to_numpy().reshape(-1, 1)
        else:  # integer columns too: float inputs, as the preprocessing casts them
            feed[input_name(column)] = series.to_numpy(dtype).reshape(-1, 1)
    return feed


def to_onnx(estimator, X_sample, *, dtype=np.float32, target_opset=None):
    """Convert an sk_mlp estimator, or a pipeline ending in one, to ONNX.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        sk_mlp estimators, scikit-learn transformers skl2onnx knows
        (scalers, imputers, ``OneHotEncoder``, ``ColumnTransformer``), and
        ``TabularPreprocessor``.
    X_sample : pandas.DataFrame or array-like
        A few rows of input, for the input names and types: one input per
        column for a DataFrame (strings for categorical columns; named by
        the column name made an identifier, as :func:`onnx_inputs` names them), one matrix
        ``"X"`` otherwise.
    dtype : {np.float32, np.float64}, default=np.float32
        Float type of the graph.
    target_opset : int or dict, default=None
        ONNX opset (or a dict of opsets per domain); None picks skl2onnx's
        latest tested opset, with version 3 of the ``ai.onnx.ml`` domain.

    Returns
    -------
    model : onnx.ModelProto
        Outputs ``label`` and ``probabilities`` for classifiers (labels as
        ``predict``, probabilities as ``predict_proba``; the step
        perceptron's second output is its decision scores), ``variable``
        for regressors. Run it with ``onnxruntime.InferenceSession(
        model.SerializeToString())`` fed by :func:`onnx_inputs`.

    Examples
    --------
    >>> import numpy as np, onnxruntime
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import MLPClassifier, to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((8,), max_iter=50, device="cpu", random_state=0).fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
    >>> labels, proba = session.run(None, {"X": X.astype(np.float32)})
    >>> bool((labels == clf.predict(X)).all())
    True
    """
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype!r}: use np.float32 or np.float64.")
    skl2onnx = register_onnx_converters()
    from sklearn.base import is_classifier

    from ._format import nested_estimators

    options = {id(step): {"zipmap": False} for step in nested_estimators(estimator)
               if is_classifier(step) and not hasattr(step, "steps")}
    if target_opset is None:
        from skl2onnx import get_latest_tested_opset_version

        # the ML domain's LabelEncoder needs version 2 or later
        target_opset = {"": get_latest_tested_opset_version(), "ai.onnx.ml": 3}
    return skl2onnx.convert_sklearn(
        estimator, initial_types=_initial_types(X_sample, dtype), options=options,
        target_opset=target_opset)
