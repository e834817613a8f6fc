"""The one table of rules that turns an MLP's parameters and its data into the
settings a fit trains with.

Every ``"auto"`` value and every setting derived from the data is resolved
here, once per ``fit``, right after the data are validated, into an
immutable :class:`FitSettings` record (the estimator's ``settings_``). The
training net is built from that record; nothing downstream re-derives a
setting. The constants of the rules are written here and nowhere else, and
each rule's sentence in :data:`RULES` is what the docstrings and the user guide
quote.

``partial_fit`` keeps the record the model has; only the parameters changed
with ``set_params`` since the record was made are resolved again, from the
facts (row count, ...) the record was made from.
"""

import copy
import dataclasses
import math
from numbers import Integral, Real

# ----------------------------------------------------------------- constants
# Where each value comes from (all measured on benchmarks/bench_quality.py)
# is told in the parameter's docstring (sk_mlp/_docs.py).
AUTO_EARLY_STOPPING_ROWS = 200
AUTO_WEIGHT_DECAY = 1e-3
AUTO_WEIGHT_DECAY_ROWS = 2000
AUTO_DROPOUT = 0.1
AUTO_LEARNING_RATE_SMALL = 5e-3
AUTO_LEARNING_RATE = 3e-3
AUTO_LEARNING_RATE_ROWS = 2000
AUTO_BATCH_SIZE = 200
# patience of the stopping rule: a validation split of 500 rows or more
# measures an epoch well enough that half the patience finds the same best
# epoch (bikeshare and a 20,000-row table: same score, 30-40 % fewer epochs),
# where small tables need the longer one (benchmarks/results/candidates.md)
AUTO_PATIENCE_SMALL = 10
AUTO_PATIENCE = 5
AUTO_PATIENCE_ROWS = 5000
# numerical_embedding='auto': the periodic embedding from this many rows,
# on at most this many embedded columns
AUTO_EMBEDDING = "periodic"
AUTO_EMBEDDING_ROWS = 1500
AUTO_EMBEDDING_COLUMNS = 32
# ensemble_size='auto': this many members, and fewer where the numerical
# embedding is on, whose first layer every member runs over 16 values a
# column (benchmarks/results/candidates.md)
AUTO_ENSEMBLE_SIZE = 3
AUTO_ENSEMBLE_SIZE_EMBEDDED = 2
# tol='auto': this tolerance; relative to the best loss for the regressor
AUTO_TOL = 1e-4
# label_smoothing='auto': this much smoothing on multiclass targets from this
# many rows, where early stopping's validation split (a tenth: 100 rows and
# more) is large enough to fit the temperature that calibrates the
# probabilities back (benchmarks/results/candidates.md)
AUTO_LABEL_SMOOTHING = 0.1
AUTO_LABEL_SMOOTHING_ROWS = 1000


@dataclasses.dataclass(frozen=True)
class DataFacts:
    """What the rules read from the data of the fit that resolves them.

    Attributes
    ----------
    n_samples : int
        Rows passed to ``fit`` (or to the first ``partial_fit``) with a
        positive sample weight: a row of weight 0 counts as dropped.
    can_split : bool
        Whether a validation split can be made there (every class on both
        sides, a positive weight left for training); False in
        ``partial_fit``, which never holds one out.
    n_embeddable : int
        Columns holding a value other than 0 and 1 in those rows (the
        columns a numerical embedding encodes); counted only for
        ``numerical_embedding='auto'``, 0 otherwise.
    n_classes : int
        Classes of a multiclass target (a softmax output); 0 for binary,
        multilabel and regression targets.
    """

    n_samples: int
    can_split: bool = True
    n_embeddable: int = 0
    n_classes: int = 0


@dataclasses.dataclass(frozen=True)
class FitSettings:
    """The resolved settings of a fit: plain values, no ``"auto"`` left.

    ``as_dict()`` gives them as a dict; ``settings_`` of a fitted
    ``MLPClassifier`` or ``MLPRegressor`` holds one.
    """

    n_samples: int
    can_split: bool
    hidden_layer_sizes: tuple
    dropout: tuple
    weight_decay: float
    learning_rate: float
    batch_size: int
    early_stopping: bool
    early_stopping_metric: str
    dtype: str
    ema_momentum: float
    n_iter_no_change: object  # int, or math.inf: never stop early
    ensemble_size: int
    n_embeddable: int = 0
    numerical_embedding: object = None  # a key of EMBEDDINGS, or None
    n_classes: int = 0
    label_smoothing: float = 0.0
    tol: float = AUTO_TOL
    tol_relative: bool = False

    @property
    def facts(self):
        """The :class:`DataFacts` this record was resolved from."""
        return DataFacts(self.n_samples, self.can_split, self.n_embeddable,
                         self.n_classes)

    def as_dict(self):
        """The settings as a plain dict (tuples kept)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`as_dict` (the form ``sk_mlp.save`` stores),
        checking every value's type."""
        names = {f.name for f in dataclasses.fields(cls)}
        if set(values) != names:
            raise ValueError(f"its settings name {sorted(values)}, expected "
                             f"{sorted(names)}")
        record = dict(values)
        for key in ("hidden_layer_sizes", "dropout"):
            record[key] = tuple(record[key])
        for key in ("n_samples", "batch_size", "n_embeddable", "n_classes",
                    "ensemble_size"):
            if not isinstance(record[key], Integral) or isinstance(record[key], bool):
                raise ValueError(f"its setting {key} is not an integer")
            record[key] = int(record[key])
        if not isinstance(record["tol_relative"], bool):
            raise ValueError("its setting tol_relative is not a boolean")
        for key in ("weight_decay", "learning_rate", "ema_momentum", "label_smoothing",
                    "tol"):
            if not isinstance(record[key], Real):
                raise ValueError(f"its setting {key} is not a number")
            record[key] = float(record[key])
        patience = record["n_iter_no_change"]
        if not isinstance(patience, Real) or isinstance(patience, bool) or patience < 1:
            raise ValueError("its setting n_iter_no_change is not a positive number")
        record["n_iter_no_change"] = _patience(patience)
        if record["ensemble_size"] < 1:
            raise ValueError("its setting ensemble_size is not positive")
        if record["numerical_embedding"] is not None and not isinstance(
                record["numerical_embedding"], str):
            raise ValueError("its setting numerical_embedding is not a name")
        record["dropout"] = tuple(float(r) for r in record["dropout"])
        record["hidden_layer_sizes"] = tuple(int(s) for s in record["hidden_layer_sizes"])
        return cls(**record)


# --------------------------------------------------------------------- rules
def _hidden_layer_sizes(p, facts, done):
    sizes = p["hidden_layer_sizes"]
    sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
               for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must contain positive integers only, got "
            f"{p['hidden_layer_sizes']!r}; use () for no hidden layer."
        )
    return tuple(int(s) for s in sizes)


def _dropout(p, facts, done):
    n_hidden = len(done["hidden_layer_sizes"])
    if isinstance(p["dropout"], str):  # 'auto'
        rates = (0.0 if p["solver"] == "lbfgs" else AUTO_DROPOUT,) * n_hidden
    elif isinstance(p["dropout"], Real):
        rates = (float(p["dropout"]),) * n_hidden
    else:
        rates = tuple(float(r) for r in p["dropout"])
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rates but there are {n_hidden} hidden "
                "layers: give one rate per hidden layer or a single float."
            )
        if not all(0.0 <= r < 1.0 for r in rates):
            raise ValueError(f"every dropout rate must be in [0, 1), got {rates}.")
    if p["solver"] == "lbfgs" and any(rates):
        raise ValueError(
            "solver='lbfgs' needs a deterministic loss: set dropout=0, or use a "
            "stochastic solver ('adam', 'adamw', 'sgd') with dropout."
        )
    return rates


def _weight_decay(p, facts, done):
    if p["solver"] == "lbfgs":
        return 0.0
    if p["weight_decay"] == "auto":
        share = AUTO_WEIGHT_DECAY_ROWS / max(facts.n_samples, 1)
        return AUTO_WEIGHT_DECAY * min(1.0, max(0.1, share))
    return float(p["weight_decay"])


def _learning_rate(p, facts, done):
    if p["learning_rate_init"] == "auto":
        return (AUTO_LEARNING_RATE_SMALL if facts.n_samples <= AUTO_LEARNING_RATE_ROWS
                else AUTO_LEARNING_RATE)
    return float(p["learning_rate_init"])


def _batch_size(p, facts, done):
    return AUTO_BATCH_SIZE if p["batch_size"] == "auto" else int(p["batch_size"])


def _early_stopping(p, facts, done):
    if p["solver"] == "lbfgs":
        return False
    if p["early_stopping"] == "auto":
        return facts.n_samples >= AUTO_EARLY_STOPPING_ROWS and facts.can_split
    return bool(p["early_stopping"])


def early_stopping_required(params):
    """Whether a validation split that cannot be made is an error
    (``early_stopping=True``) rather than a reason to train without one
    (``'auto'``)."""
    return params["early_stopping"] is True


def _early_stopping_metric(p, facts, done):
    if p["early_stopping_metric"] == "auto":
        return "loss" if p["early_stopping"] == "auto" else "score"
    return p["early_stopping_metric"]


def _dtype(p, facts, done):
    if p["dtype"] == "auto":
        return "float64" if p["solver"] == "lbfgs" else "float32"
    return p["dtype"]


def _ema_momentum(p, facts, done):
    return 0.0 if p["solver"] == "lbfgs" else float(p["ema_momentum"])


def _patience(value):
    return math.inf if math.isinf(value) else int(value)


def _n_iter_no_change(p, facts, done):
    if isinstance(p["n_iter_no_change"], str):  # 'auto'
        return (AUTO_PATIENCE_SMALL if facts.n_samples < AUTO_PATIENCE_ROWS
                else AUTO_PATIENCE)
    return _patience(p["n_iter_no_change"])


def _numerical_embedding(p, facts, done):
    if p["numerical_embedding"] == "auto":
        return (AUTO_EMBEDDING if facts.n_samples >= AUTO_EMBEDDING_ROWS
                and 0 < facts.n_embeddable <= AUTO_EMBEDDING_COLUMNS else None)
    return p["numerical_embedding"]


def _ensemble_size(p, facts, done):
    if p["ensemble_size"] == "auto":
        return (AUTO_ENSEMBLE_SIZE if done["numerical_embedding"] is None
                else AUTO_ENSEMBLE_SIZE_EMBEDDED)
    return int(p["ensemble_size"])


def _label_smoothing(p, facts, done):
    value = p.get("label_smoothing", 0.0)  # the regressor has none
    if value == "auto":
        return (AUTO_LABEL_SMOOTHING if facts.n_classes >= 3 and done["early_stopping"]
                and facts.n_samples >= AUTO_LABEL_SMOOTHING_ROWS else 0.0)
    return float(value)


def _tol(p, facts, done):
    return AUTO_TOL if p["tol"] == "auto" else float(p["tol"])


def _tol_relative(p, facts, done):
    # the classifier's parameters, and only its, include label_smoothing
    return p["tol"] == "auto" and "label_smoothing" not in p


@dataclasses.dataclass(frozen=True)
class Rule:
    """How one setting is resolved: the parameters it reads, the function
    computing it (``fn(params, facts, resolved_so_far)``) and its sentence
    for the documentation."""

    reads: tuple
    fn: object
    doc: str


# setting -> rule, in the order they are resolved (a rule may read the
# settings above it). The ``doc`` sentences are quoted by the docstrings
# (neural_network/_docs.py) and the user guide's table of rules.
RULES = {
    "hidden_layer_sizes": Rule(
        ("hidden_layer_sizes",), _hidden_layer_sizes,
        "An int is one layer, and every size must be a positive integer."),
    "dropout": Rule(
        ("dropout", "solver", "hidden_layer_sizes"), _dropout,
        f"``'auto'`` is {AUTO_DROPOUT} after every hidden layer with the stochastic "
        "solvers and 0 with ``'lbfgs'``, whose line search needs a deterministic "
        "loss; a float applies to every hidden layer."),
    "weight_decay": Rule(
        ("weight_decay", "solver"), _weight_decay,
        f"``'auto'`` is {AUTO_WEIGHT_DECAY:g} up to {AUTO_WEIGHT_DECAY_ROWS:,} rows "
        f"passed to ``fit`` (rows of weight 0 do not count), then {AUTO_WEIGHT_DECAY:g} * {AUTO_WEIGHT_DECAY_ROWS} / "
        f"n_samples, and {AUTO_WEIGHT_DECAY / 10:g} from "
        f"{10 * AUTO_WEIGHT_DECAY_ROWS:,} rows on; 0 with ``'lbfgs'``, whose "
        "penalty is ``alpha``."),
    "learning_rate": Rule(
        ("learning_rate_init",), _learning_rate,
        f"``'auto'`` (the regressor's default) is {AUTO_LEARNING_RATE_SMALL:g} up to "
        f"{AUTO_LEARNING_RATE_ROWS:,} rows passed to ``fit`` (rows of weight 0 do not "
        f"count) and "
        f"{AUTO_LEARNING_RATE:g} beyond."),
    "batch_size": Rule(
        ("batch_size",), _batch_size,
        f"``'auto'`` is {AUTO_BATCH_SIZE}; a size beyond the rows takes them all in "
        "one batch."),
    "early_stopping": Rule(
        ("early_stopping", "solver"), _early_stopping,
        f"``'auto'`` holds out a validation split from {AUTO_EARLY_STOPPING_ROWS} "
        "rows passed to ``fit`` on, wherever one can be made (every class on both "
        "sides, a positive weight left for training); never with ``'lbfgs'`` or "
        "in ``partial_fit``."),
    "early_stopping_metric": Rule(
        ("early_stopping_metric", "early_stopping"), _early_stopping_metric,
        "``'auto'`` is the validation loss under ``early_stopping='auto'`` and "
        "scikit-learn's validation score under ``early_stopping=True``."),
    "dtype": Rule(
        ("dtype", "solver"), _dtype,
        "``'auto'`` is float32 for the stochastic solvers and float64 for "
        "``'lbfgs'``, whose line search needs the precision."),
    "ema_momentum": Rule(
        ("ema_momentum", "solver"), _ema_momentum,
        "the given momentum; 0 with ``'lbfgs'``, and ``partial_fit`` never "
        "averages (it steps the weights it is given)."),
    "n_iter_no_change": Rule(
        ("n_iter_no_change",), _n_iter_no_change,
        f"``'auto'`` (the regressor's default) is {AUTO_PATIENCE_SMALL} epochs below "
        f"{AUTO_PATIENCE_ROWS:,} rows passed to ``fit`` (rows of weight 0 do not count) "
        f"and {AUTO_PATIENCE} from there, where the validation loss is steady enough "
        "to need less patience."),
    "numerical_embedding": Rule(
        ("numerical_embedding",), _numerical_embedding,
        f"``'auto'`` is ``'{AUTO_EMBEDDING}'`` from {AUTO_EMBEDDING_ROWS:,} rows passed "
        f"to ``fit`` (rows of weight 0 do not count) when 1 to "
        f"{AUTO_EMBEDDING_COLUMNS} columns hold a value other than 0 and 1 there, "
        "and None otherwise (small tables, where its per-column maps overfit, "
        "and wide ones, images among them, where it would multiply the first "
        "layer); a warm start or ``partial_fit`` keeps the fitted network's."),
    "ensemble_size": Rule(
        ("ensemble_size", "numerical_embedding"), _ensemble_size,
        f"``'auto'`` is {AUTO_ENSEMBLE_SIZE} members, and "
        f"{AUTO_ENSEMBLE_SIZE_EMBEDDED} where ``numerical_embedding`` resolves to an "
        "embedding (the first layer, which every member runs, then reads 16 values "
        "per embedded column); a warm start or ``partial_fit`` keeps the fitted "
        "network's."),
    "label_smoothing": Rule(
        ("label_smoothing", "early_stopping"), _label_smoothing,
        f"``'auto'`` (the classifier's default) is {AUTO_LABEL_SMOOTHING} on multiclass "
        f"targets (3 classes or more) from {AUTO_LABEL_SMOOTHING_ROWS:,} rows passed "
        "to ``fit`` (rows of weight 0 do not count) with early stopping's "
        "validation split, and 0 otherwise (binary and multilabel targets, small "
        "tables, no split, ``partial_fit``); a fit that smooths the labels and "
        "holds out a split then calibrates the probabilities back on it (a "
        "temperature; see ``label_smoothing``). The regressor has none (0)."),
    "tol": Rule(
        ("tol",), _tol,
        f"``'auto'`` (the regressor's default) is {AUTO_TOL:g}; a number is used "
        "as given."),
    "tol_relative": Rule(
        ("tol",), _tol_relative,
        "True for the regressor's ``tol='auto'``: an epoch improves on the best "
        "when it lowers the best loss by more than ``tol`` times that loss, so the "
        "same data in other units (``y`` times 1,000) trains the same epochs, and a "
        "target fitted closely (a small loss) trains on while its loss still "
        "falls by more than 0.01 % an epoch; False for a number (scikit-learn's "
        "absolute tolerance on the reported loss) and for the classifier, whose "
        "cross-entropy has no units."),
}

# the parameters some rule reads
RULE_PARAMETERS = frozenset(name for rule in RULES.values() for name in rule.reads)


def resolve(params, facts):
    """The :class:`FitSettings` of ``params`` (an estimator's
    ``get_params(deep=False)``) on data described by ``facts``."""
    done = {}
    for name, rule in RULES.items():
        done[name] = rule.fn(params, facts, done)
    return FitSettings(n_samples=int(facts.n_samples), can_split=bool(facts.can_split),
                       n_embeddable=int(facts.n_embeddable),
                       n_classes=int(facts.n_classes), **done)


def rules_table():
    """The rules as a Markdown table (setting, parameters read, rule): the
    user guide's table (docs/user_guide/estimators.md), checked by the tests."""
    rows = ["| setting | reads | rule |", "| --- | --- | --- |"]
    for name, rule in RULES.items():
        reads = ", ".join(f"`{r}`" for r in rule.reads)
        rows.append(f"| `{name}` | {reads} | {rule.doc.replace('``', '`')} |")
    return "\n".join(rows)


# ------------------------------------------- the parameters a record came from
def _is_plain(value):
    """Whether ``value`` is plain data a model file can store."""
    if value is None or isinstance(value, (bool, Integral, Real, str)):
        return True
    if isinstance(value, (tuple, list)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    return False


def plain_params(params):
    """The parameters the settings were resolved from, as plain copies (a
    random_state that is a RandomState object is left out: it is compared
    by identity, see :func:`same_value`)."""
    return {name: copy.deepcopy(value) for name, value in params.items()
            if _is_plain(value)}


def same_value(a, b):
    """Parameter equality: sequences by their items, numbers by value."""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list))
                and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b)))
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    try:
        return a is b or bool(a == b)
    except (TypeError, ValueError):
        return False
