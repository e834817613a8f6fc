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
AUTO_LEARNING_RATE_CLASSIFIER = 1e-3
AUTO_BATCH_SIZE = 200
# batch_size='auto' grows with the rows from here: the power of two nearest
# to sqrt(AUTO_BATCH_SCALE * rows), at most AUTO_BATCH_SIZE_MAX, so the
# steps of an epoch grow as sqrt(rows), not as the rows (on 200,000 rows
# batches of 1,024 / 2,048 / 4,096 fit in 58 / 52 / 60 s to 0.974 / 0.974
# / 0.974, batches of 200 in 144 s; benchmarks/results/candidates.md)
AUTO_BATCH_GROWTH_ROWS = 16000
AUTO_BATCH_SCALE = 13
AUTO_BATCH_SIZE_MAX = 4096
# autocast='auto': bfloat16 products from this batch size on, where the
# device multiplies bfloat16 in hardware (below it, on the CPU, the casts
# cost about what the products save, and on 20,000 rows (batches of 512)
# three seeds scored 0.9512 against float32's 0.9526)
AUTO_AUTOCAST_BATCH = 1024
# patience of the stopping rule: a validation split of 500 rows or more
# measures an epoch well enough that half the patience finds the same best
# epoch (bikeshare and a 20,000-row table: same score, 30-40 % fewer epochs),
# where small tables need the longer one (benchmarks/results/candidates.md)
AUTO_PATIENCE_SMALL = 10
AUTO_PATIENCE = 5
AUTO_PATIENCE_ROWS = 5000
# ... and counted in optimiser steps once the batch has grown: at most the
# epochs holding this many steps, at least AUTO_PATIENCE_MIN epochs (an
# epoch of 1,000,000 rows is 244 steps of 4,096: patience 2, where 5 spent
# three epochs of a plateau before every rate cut; benchmarks/results/
# candidates.md)
AUTO_PATIENCE_STEPS = 500
AUTO_PATIENCE_MIN = 2
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
# ... and one network from this many rows, where the members' variance is
# small and their cost is a multiple of every epoch
AUTO_ENSEMBLE_ROWS = 16000
# ... except on a binary target whose rarer class has fewer rows than this:
# there the members' mean is what keeps the ranking of a few hundred
# positives steady (30,000-row tables with 1 % positives, issue 41: ROC AUC
# 0.9127 / 0.9497 with 3 members against 0.8841 / 0.9341 with one;
# benchmarks/results/rare.txt)
AUTO_RARE_ROWS = 1000
# tol='auto': this tolerance; relative to the best loss for the regressor
AUTO_TOL = 1e-4
# tol='auto' under early stopping: this tolerance on the validation loss.
# Past the kept epoch a finer one lets the 'adaptive' schedule go on cutting
# the rate (and the patience restart) for gains that keep no later epoch:
# issue 38's scaling table ends in 24 / 27 / 16 epochs instead of 31 / 34 /
# 29 at 20,000 / 200,000 / 1,000,000 rows with the same kept epoch and
# accuracy; the suite's 21 tables x 5 folds train 4,871 epochs instead of
# 5,248 (digits 261 against 428); no table of the suite, the held-out set or
# the rare-positive tables moves beyond its fold std
# (benchmarks/results/candidates.md)
AUTO_TOL_VALIDATION = 1e-3
# label_smoothing='auto': this much smoothing on multiclass targets from this
# many rows, where early stopping's validation split (a tenth: 100 rows and
# more) is large enough to fit the temperature that calibrates the
# probabilities back (benchmarks/results/candidates.md)
AUTO_LABEL_SMOOTHING = 0.1
AUTO_LABEL_SMOOTHING_ROWS = 1000


# autocast: the types a training step's products may run in (None: the
# network's own dtype)
AUTOCAST_DTYPES = (None, "bfloat16")


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
    fast_bfloat16 : bool
        Whether the fit's device multiplies bfloat16 in hardware (a CUDA GPU
        of compute capability 8.0 and up, a CPU with AVX512-BF16 or AMX;
        ``sk_mlp._torch.device.fast_bfloat16``).
    validation_given : bool
        Whether ``fit`` was given validation data (``X_val``, ``y_val``):
        then ``n_samples`` counts its rows too (the rows a fit holding out
        its own split would have been given), and nothing is split off.
    n_minority : int
        Rows (of positive weight) of the rarer class of a binary target; 0
        for every other target.
    """

    n_samples: int
    can_split: bool = True
    n_embeddable: int = 0
    n_classes: int = 0
    fast_bfloat16: bool = False
    validation_given: bool = False
    n_minority: int = 0

    # the facts added since the first saved files: their defaults are what
    # the settings of a file without them were resolved with (no embedded
    # columns or classes counted, no fast bfloat16, no validation data
    # given, no rare class)
    ADDED = ("n_embeddable", "n_classes", "fast_bfloat16", "validation_given",
             "n_minority")

    @classmethod
    def from_values(cls, values):
        """The facts named in ``values`` (a settings record as a dict),
        each as its type."""
        return cls(**{f.name: f.type(values[f.name]) for f in dataclasses.fields(cls)})

    @classmethod
    def added_defaults(cls):
        """``{fact: default}`` of the facts in :attr:`ADDED`, which a saved
        record made before them lacks."""
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        return {name: defaults[name] for name in cls.ADDED}


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
    fast_bfloat16: bool = False
    autocast: object = None  # a key of AUTOCAST_DTYPES
    validation_given: bool = False
    n_minority: int = 0

    @property
    def facts(self):
        """The :class:`DataFacts` this record was resolved from."""
        return DataFacts.from_values(self.as_dict())

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
                    "ensemble_size", "n_minority"):
            if not isinstance(record[key], Integral) or isinstance(record[key], bool):
                raise ValueError(f"its setting {key} is not an integer")
            record[key] = int(record[key])
        for key in ("tol_relative", "fast_bfloat16", "validation_given"):
            if not isinstance(record[key], bool):
                raise ValueError(f"its setting {key} is not a boolean")
        if record["autocast"] not in AUTOCAST_DTYPES:
            raise ValueError("its setting autocast is not None or 'bfloat16'")
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
def _is_classifier(p):
    """Whether ``p`` are a classifier's parameters: its, and only its,
    include ``label_smoothing``."""
    return "label_smoothing" in p


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
        # the rate of a batch of AUTO_BATCH_SIZE; under the 'adaptive'
        # schedule, which cuts it back once the loss stalls, grown with the
        # square root of the batch (the noise of an average of b gradients
        # falls as 1 / sqrt(b)): fewer, larger steps go as far. A constant
        # rate is not grown: it would stay above the noise floor to the end
        # (a 60,000-row regression: RMSE 1.031 against 1.011)
        if _is_classifier(p):
            base = AUTO_LEARNING_RATE_CLASSIFIER
        else:
            base = (AUTO_LEARNING_RATE_SMALL if facts.n_samples <= AUTO_LEARNING_RATE_ROWS
                    else AUTO_LEARNING_RATE)
        if p["learning_rate"] != "adaptive":
            return base
        return base * math.sqrt(max(done["batch_size"], AUTO_BATCH_SIZE) / AUTO_BATCH_SIZE)
    return float(p["learning_rate_init"])


def _auto_batch_size(n_samples):
    if n_samples < AUTO_BATCH_GROWTH_ROWS:
        return AUTO_BATCH_SIZE
    size = math.sqrt(AUTO_BATCH_SCALE * n_samples)
    return int(min(AUTO_BATCH_SIZE_MAX, 2 ** round(math.log2(size))))


def _batch_size(p, facts, done):
    return _auto_batch_size(facts.n_samples) if p["batch_size"] == "auto" \
        else int(p["batch_size"])


def _early_stopping(p, facts, done):
    if p["solver"] == "lbfgs":
        return False
    if p["early_stopping"] == "auto":
        return facts.validation_given or (
            facts.n_samples >= AUTO_EARLY_STOPPING_ROWS and facts.can_split)
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
        small = facts.n_samples < AUTO_PATIENCE_ROWS and not _is_classifier(p)
        epochs = AUTO_PATIENCE_SMALL if small else AUTO_PATIENCE
        steps = max(facts.n_samples / done["batch_size"], 1.0)
        return max(AUTO_PATIENCE_MIN, min(epochs, round(AUTO_PATIENCE_STEPS / steps)))
    return _patience(p["n_iter_no_change"])


def _numerical_embedding(p, facts, done):
    if p["numerical_embedding"] == "auto":
        return (AUTO_EMBEDDING if facts.n_samples >= AUTO_EMBEDDING_ROWS
                and 0 < facts.n_embeddable <= AUTO_EMBEDDING_COLUMNS else None)
    return p["numerical_embedding"]


def _ensemble_size(p, facts, done):
    if p["ensemble_size"] == "auto":
        rare = 0 < facts.n_minority < AUTO_RARE_ROWS
        if facts.n_samples >= AUTO_ENSEMBLE_ROWS and not rare:
            return 1
        return (AUTO_ENSEMBLE_SIZE if done["numerical_embedding"] is None
                else AUTO_ENSEMBLE_SIZE_EMBEDDED)
    return int(p["ensemble_size"])


def _label_smoothing(p, facts, done):
    value = p.get("label_smoothing", 0.0)  # the regressor has none
    if value == "auto":
        return (AUTO_LABEL_SMOOTHING if facts.n_classes >= 3 and done["early_stopping"]
                and facts.n_samples >= AUTO_LABEL_SMOOTHING_ROWS else 0.0)
    return float(value)


def _autocast(p, facts, done):
    value = p.get("autocast")
    if value == "auto":
        return ("bfloat16" if facts.fast_bfloat16 and done["dtype"] == "float32"
                and p["solver"] != "lbfgs"
                and min(done["batch_size"], facts.n_samples) >= AUTO_AUTOCAST_BATCH
                else None)
    if value is not None and (p["solver"] == "lbfgs" or done["dtype"] != "float32"):
        raise ValueError(
            f"autocast={value!r} runs a float32 network's products in {value}; "
            f"it cannot serve solver={p['solver']!r} with dtype={done['dtype']!r}: "
            "use dtype='float32' with a stochastic solver, or autocast=None.")
    return value


def _tol(p, facts, done):
    if p["tol"] != "auto":
        return float(p["tol"])
    return AUTO_TOL_VALIDATION if done["early_stopping"] else AUTO_TOL


def _tol_relative(p, facts, done):
    return p["tol"] == "auto" and not _is_classifier(p)


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
    "batch_size": Rule(
        ("batch_size",), _batch_size,
        f"``'auto'`` is {AUTO_BATCH_SIZE} below {AUTO_BATCH_GROWTH_ROWS:,} rows passed "
        "to ``fit`` (rows of weight 0 do not count) and from there the power of two "
        f"nearest to sqrt({AUTO_BATCH_SCALE} * rows), at most {AUTO_BATCH_SIZE_MAX:,} "
        "(512 at 20,000 rows, 1,024 at 60,000, 2,048 at 200,000, 4,096 from 645,300): "
        "an epoch's steps then grow as the square root of the rows, not as the rows; "
        "a size beyond the rows takes them all in one batch."),
    "learning_rate": Rule(
        ("learning_rate_init", "batch_size", "learning_rate"), _learning_rate,
        f"``'auto'`` (the default) is, for a batch of {AUTO_BATCH_SIZE}, "
        f"{AUTO_LEARNING_RATE_CLASSIFIER:g} for the classifier, and for the regressor "
        f"{AUTO_LEARNING_RATE_SMALL:g} up to {AUTO_LEARNING_RATE_ROWS:,} rows passed to "
        f"``fit`` (rows of weight 0 do not count) and {AUTO_LEARNING_RATE:g} beyond; "
        f"times sqrt(batch_size / {AUTO_BATCH_SIZE}) for a larger batch under "
        "``learning_rate='adaptive'`` (the classifier's default schedule, which "
        "cuts the rate back once the loss stalls; the noise of a mean of b "
        "gradients falls as 1 / sqrt(b), so a larger step goes as far); a "
        "constant rate is not grown."),
    "early_stopping": Rule(
        ("early_stopping", "solver"), _early_stopping,
        f"``'auto'`` holds out a validation split from {AUTO_EARLY_STOPPING_ROWS} "
        "rows passed to ``fit`` on, wherever one can be made (every class on both "
        "sides, a positive weight left for training), and whenever ``fit`` is "
        "given ``X_val`` and ``y_val``; never with ``'lbfgs'`` or in "
        "``partial_fit``."),
    "early_stopping_metric": Rule(
        ("early_stopping_metric", "early_stopping"), _early_stopping_metric,
        "``'auto'`` is the validation loss under ``early_stopping='auto'`` and "
        "scikit-learn's validation score under ``early_stopping=True``."),
    "dtype": Rule(
        ("dtype", "solver"), _dtype,
        "``'auto'`` is float32 for the stochastic solvers and float64 for "
        "``'lbfgs'``, whose line search needs the precision."),
    "autocast": Rule(
        ("autocast", "solver", "dtype", "batch_size"), _autocast,
        "``'auto'`` is ``'bfloat16'`` where the device multiplies bfloat16 in "
        "hardware (a CUDA GPU of compute capability 8.0 and up, a CPU with "
        "AVX512-BF16 or AMX), the network is float32 and trained by a stochastic "
        f"solver, and a batch holds {AUTO_AUTOCAST_BATCH:,} rows or more (the batch "
        "size, or the rows where they are fewer; on smaller "
        "batches the casts cost about what the products save); None otherwise."),
    "ema_momentum": Rule(
        ("ema_momentum", "solver"), _ema_momentum,
        "the given momentum; 0 with ``'lbfgs'``, and ``partial_fit`` never "
        "averages (it steps the weights it is given)."),
    "n_iter_no_change": Rule(
        ("n_iter_no_change", "batch_size"), _n_iter_no_change,
        f"``'auto'`` is {AUTO_PATIENCE} epochs for the classifier, and for the "
        f"regressor {AUTO_PATIENCE_SMALL} below {AUTO_PATIENCE_ROWS:,} rows passed to "
        f"``fit`` (rows of weight 0 do not count) and {AUTO_PATIENCE} from there, where "
        "the validation loss is steady enough to need less patience; at most the "
        f"epochs that hold {AUTO_PATIENCE_STEPS} optimiser steps (rows / batch_size "
        f"steps an epoch), and at least {AUTO_PATIENCE_MIN}: patience counted in "
        "steps once an epoch is many (2 epochs at 1,000,000 rows)."),
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
        f"per embedded column), below {AUTO_ENSEMBLE_ROWS:,} rows passed to ``fit`` "
        "(rows of weight 0 do not count); one network from there, where the "
        "members' mean removes little variance and every epoch would cost their "
        "number of times the arithmetic, except on a binary target whose rarer "
        f"class has fewer than {AUTO_RARE_ROWS:,} such rows, where the mean keeps "
        "the ranking of its few positives steady; a warm start or ``partial_fit`` "
        "keeps the fitted network's."),
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
        ("tol", "early_stopping"), _tol,
        f"``'auto'`` (the default) is {AUTO_TOL_VALIDATION:g} under early stopping, "
        "where it judges the validation loss (a smaller gain restarts neither the "
        "patience nor the schedule's count, and the kept epoch is still the one of "
        f"lowest loss), and {AUTO_TOL:g} without it (the training loss, and "
        "``'lbfgs'``'s gradient tolerance); a number is used as given."),
    "tol_relative": Rule(
        ("tol",), _tol_relative,
        "True for the regressor's ``tol='auto'``: an epoch improves on the best "
        "when it lowers the best loss by more than ``tol`` times that loss, so the "
        "same data in other units (``y`` times 1,000) trains the same epochs, and a "
        "target fitted closely (a small loss) trains on while its loss still "
        "falls by more than that share of itself an epoch; False for a number "
        "(scikit-learn's absolute tolerance on the reported loss) and for the "
        "classifier, whose cross-entropy has no units."),
}

# the parameters some rule reads
RULE_PARAMETERS = frozenset(name for rule in RULES.values() for name in rule.reads)


def resolve(params, facts):
    """The :class:`FitSettings` of ``params`` (an estimator's
    ``get_params(deep=False)``) on data described by ``facts``."""
    done = {}
    for name, rule in RULES.items():
        done[name] = rule.fn(params, facts, done)
    facts = DataFacts.from_values(dataclasses.asdict(facts))
    return FitSettings(**dataclasses.asdict(facts), **done)


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
