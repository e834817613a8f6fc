"""What ``fit`` is told about its rows besides ``X`` and ``y``: their
weights, and their validation rows: a validation set of its own (``X_val``, ``y_val``, ``sample_weight_val``, as
scikit-learn's ``HistGradientBoosting*`` take them) or the rows' ``groups``
(``validation_split='group'``), checked with clear errors and, for a given
set, appended after the training rows, so that every fact, statistic and
encoding of the fit sees the rows a fit holding out the same split would
see."""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight, validate_data

from .._common.fitting import check_groups, validation_split

# What fit is told about its validation rows besides X and y: the rows'
# groups (validation_split='group') or a validation set of its own.
Validation = namedtuple("Validation", ["groups", "X_val", "y_val", "sample_weight_val"],
                        defaults=(None, None, None, None))


class ValidationRowsMixin:
    """The rows' weights and validation rows of
    :class:`~sk_mlp.neural_network._base.BaseMLP`: the checks of
    ``sample_weight`` (``_check_weights``) and of what fit is told about
    its validation rows (``_check_validation_rows``), a given set
    appended (``_append_validation``), the split drawn (``_split_rows``) and
    the training and validation data it makes (``_split``), and the hook
    through which the classifier checks ``y_val``'s classes."""

    def _check_weights(self, sample_weight, X):
        if sample_weight is None:
            return None
        # (scikit-learn's check refuses NaN and infinity)
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if sample_weight.max(initial=0.0) <= 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sample_weight

    def _check_validation_rows(self, X, validation, incremental):
        """``(groups, given)``: the checked ``groups`` of a fit that splits by
        them (None otherwise), and ``given`` True where fit was given
        validation data (None otherwise); a clear error for any argument
        that cannot mean what it says."""
        groups, X_val, y_val, _ = validation
        if X_val is not None or y_val is not None:
            # scikit-learn's HistGradientBoosting* words
            if y_val is None:
                raise ValueError("X_val is provided, but y_val was not provided.")
            if X_val is None:
                raise ValueError("y_val is provided, but X_val was not provided.")
            if self.early_stopping is False:
                raise ValueError(
                    "X_val and y_val are passed to fit while at the same time "
                    "early_stopping is False. When passing X_val and y_val to fit, "
                    "early_stopping should be set to either 'auto' or True."
                )
            if self.solver == "lbfgs":
                raise ValueError(
                    "X_val and y_val are passed to fit, but solver='lbfgs' never "
                    "validates (it has no early stopping): use a stochastic solver "
                    "('adam', 'adamw', 'sgd') or leave X_val and y_val out."
                )
            if groups is not None:
                raise ValueError(
                    "groups choose the rows early stopping holds out of X "
                    "(validation_split='group'); with X_val and y_val nothing is "
                    "held out. Pass one or the other."
                )
            return None, True
        if groups is not None:
            if self.validation_split != "group":
                raise ValueError(
                    f"groups were passed to fit, but validation_split="
                    f"{self.validation_split!r} does not split by them: set "
                    "validation_split='group' to hold out whole groups, or leave "
                    "groups out."
                )
            return check_groups(groups, X.shape[0]), None
        if (self.validation_split == "group" and not incremental
                and self.solver != "lbfgs" and self.early_stopping is not False):
            raise ValueError(
                "validation_split='group' holds out whole groups: pass them to fit "
                "as fit(X, y, groups=...), one label per row (or choose another "
                "validation_split)."
            )
        return None, None

    def _append_validation(self, X, y, sample_weight, validation):
        """``(X, y, sample_weight, split)`` of the training rows followed by
        the checked validation rows, and the split that takes them apart
        again (the validation rows last)."""
        _, X_val, y_val, sample_weight_val = validation
        X_val, y_val = validate_data(
            self, X_val, y_val, reset=False, dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"], multi_output=True, y_numeric=self._y_numeric)
        y_val = self._validate_y_shape(y_val)
        if y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                f"y_val has shape {y_val.shape}, y has {y.shape}: the validation "
                "targets need the same columns as the training targets."
            )
        self._check_validation_targets(y, y_val)
        if sample_weight_val is not None:
            if np.all(np.asarray(sample_weight_val) == 0):
                raise ValueError(
                    "Every row of X_val has sample_weight_val 0, so the weighted "
                    "validation loss is undefined; give some a positive weight."
                )
            try:
                sample_weight_val = _check_sample_weight(sample_weight_val, X_val,
                                                         ensure_non_negative=True)
            except ValueError as exc:
                raise ValueError(f"sample_weight_val: {exc}") from exc
        if sample_weight is not None or sample_weight_val is not None:
            # the side without weights weighs every row 1
            sample_weight = np.concatenate([
                np.ones(X.shape[0]) if sample_weight is None else sample_weight,
                np.ones(X_val.shape[0]) if sample_weight_val is None
                else sample_weight_val])
        n_train, n_rows = X.shape[0], X.shape[0] + X_val.shape[0]
        if sp.issparse(X):
            X = sp.vstack([X, sp.csr_matrix(X_val, dtype=X.dtype)], format="csr")
        else:
            X_val = X_val.toarray() if sp.issparse(X_val) else X_val
            X = np.concatenate([X, X_val.astype(X.dtype, copy=False)])
        y = np.concatenate([np.asarray(y), np.asarray(y_val)])
        return X, y, sample_weight, (np.arange(n_train), np.arange(n_train, n_rows))

    def _check_validation_targets(self, y, y_val):
        """Refuse validation targets the network cannot score (hook: the
        classifier's classes)."""

    def _split_rows(self, y, weights, seed, groups=None):
        """``(training rows, validation rows)`` of early stopping's split, as
        ``validation_split`` says (a random one stratified where the task
        says so)."""
        how = self.validation_split
        return validation_split(np.arange(len(y)), self.validation_fraction, seed,
                                stratify=self._stratify(y) if how == "random" else None,
                                weights=weights, how=how, groups=groups)

    def _split(self, X, targets, weights, split):
        """Training and validation :class:`TensorData` (validation None
        without a ``split``); each part keeps its rows' weights.

        Without a validation split the data are used as they are: a float32
        C-ordered ``X`` becomes a tensor without any copy on the CPU.
        """
        if split is None:
            return self._tensor_data(X, self._target_tensor(targets), weights), None
        index, valid_index = split
        n_train, n_rows = len(index), X.shape[0]
        if (n_train + len(valid_index) == n_rows
                and np.array_equal(index, np.arange(n_train))
                and np.array_equal(valid_index, np.arange(n_train, n_rows))):
            # the validation rows after the training rows (validation_split=
            # 'last', or X_val): two views of X instead of two copies
            index, valid_index = slice(0, n_train), slice(n_train, X.shape[0])

        def part(rows):
            return self._tensor_data(X[rows], self._target_tensor(targets[rows]),
                                     None if weights is None else weights[rows])

        return part(index), part(valid_index)
