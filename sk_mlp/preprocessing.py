"""Preparing mixed-type tables for a neural network: ``TabularPreprocessor``.

A layer above the estimators: no estimator imports this module. It is what
``sk_mlp.compare`` puts in front of every model, and it is public so that a
user's own pipeline can use the same steps.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, RobustScaler, StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["TabularPreprocessor", "column_kinds"]

# How numeric columns are scaled after median imputation.
_SCALERS = {
    "standard": StandardScaler,
    "robust": RobustScaler,
    "none": None,
}


def _is_categorical(series):
    """Object, string, category and bool columns are one-hot encoded."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(
        series
    )


def _looks_like_id(series):
    """A column that names each row: unique per row, so it cannot generalise.

    Text columns whose every value is distinct, and integer columns that are a
    run of consecutive distinct integers (1, 2, ..., n in any order), are
    identifiers. A continuous numeric column with distinct values is not.
    """
    values = series.dropna()
    n = len(series)
    if n < 3 or len(values) != n or values.nunique() != n:
        return False
    if _is_categorical(series):
        return True
    numbers = values.to_numpy(dtype=float)
    if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)):
        return False
    return numbers.max() - numbers.min() == n - 1


def column_kinds(X):
    """Sort the columns of a table into what ``TabularPreprocessor`` does with them.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)

    Returns
    -------
    kinds : dict
        ``{"numeric": [...], "categorical": [...], "dropped": {column: reason}}``
        with column names for a DataFrame and integer positions otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_mlp.preprocessing import column_kinds
    >>> table = pd.DataFrame({"Id": [1, 2, 3, 4], "area": [50.0, 72.5, 61.0, 50.0],
    ...                       "town": ["a", "b", "a", "c"], "unit": ["m2"] * 4})
    >>> column_kinds(table)
    {'numeric': ['area'], 'categorical': ['town'], 'dropped': {'Id': 'an identifier \
(unique per row)', 'unit': 'constant'}}
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    kinds = {"numeric": [], "categorical": [], "dropped": {}}
    for column in frame.columns:
        series = frame[column]
        if series.nunique(dropna=False) <= 1:
            kinds["dropped"][column] = "constant"
        elif _looks_like_id(series):
            kinds["dropped"][column] = "an identifier (unique per row)"
        elif _is_categorical(series):
            kinds["categorical"].append(column)
        else:
            kinds["numeric"].append(column)
    return kinds


# How a missing category is spelt once categories are text: the imputer
# replaces it by the most frequent level. A string (not NaN) so that the
# fitted steps also convert to ONNX, whose string imputer needs one; an empty
# string in the data counts as missing too.
MISSING_CATEGORY = ""


def _as_text(frame):
    """Categories as strings, so that columns mixing numbers and text, or
    bools, encode without type errors; missing values become
    ``MISSING_CATEGORY``."""
    return frame.astype(object).map(
        lambda value: MISSING_CATEGORY if pd.isna(value) else str(value)
    )


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Turn a mixed-type table into standardised numbers, fitted on training rows.

    Numeric columns are imputed with their median and scaled; categorical
    columns (object, string, category or bool) are imputed with their most
    frequent value and one-hot encoded, with levels rarer than
    ``min_frequency`` grouped into one "infrequent" column and levels unseen
    in training mapped there too (or to all zeros when no level was rare).
    Constant columns and identifier columns (distinct on every row: row
    names, running numbers) are dropped, since they carry nothing that
    generalises; ``dropped_columns_`` says which and why.

    Everything is learnt in ``fit``, so inside a ``Pipeline`` each
    cross-validation fold fits its own imputation, scaling and categories:
    nothing leaks from the validation rows.

    Parameters
    ----------
    min_frequency : int or float, default=5
        Categories seen fewer times than this (a count, or a fraction of the
        rows when below 1) are grouped as infrequent.
    max_categories : int, default=None
        Upper limit of one-hot columns per categorical column, the
        infrequent group included. None means no limit.
    numeric_scaling : {"standard", "robust", "none"}, default="standard"
        ``"standard"``: zero mean, unit variance. ``"robust"``: median and
        interquartile range, less moved by outliers. ``"none"``: impute only.
    drop_constant : bool, default=True
        Drop columns with a single value (missing counts as a value).
    drop_ids : bool, default=True
        Drop identifier columns (see above).

    Attributes
    ----------
    numeric_columns_ : list
        Columns imputed and scaled.
    categorical_columns_ : list
        Columns one-hot encoded.
    dropped_columns_ : dict
        Dropped column -> the reason.
    column_transformer_ : sklearn.compose.ColumnTransformer
        The fitted transformer doing the work.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_mlp.preprocessing import TabularPreprocessor
    >>> table = pd.DataFrame({"Id": [1, 2, 3, 4], "area": [50.0, None, 61.0, 50.0],
    ...                       "town": ["a", "b", "a", None]})
    >>> prep = TabularPreprocessor(min_frequency=1).fit(table)
    >>> prep.dropped_columns_
    {'Id': 'an identifier (unique per row)'}
    >>> prep.get_feature_names_out().tolist()
    ['area', 'town_a', 'town_b']
    >>> prep.transform(table).round(2)
    array([[-0.58,  1.  ,  0.  ],
           [-0.58,  0.  ,  1.  ],
           [ 1.73,  1.  ,  0.  ],
           [-0.58,  1.  ,  0.  ]])
    """

    _parameter_constraints = {
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "max_categories": [Interval(Integral, 2, None, closed="left"), None],
        "numeric_scaling": [StrOptions(set(_SCALERS))],
        "drop_constant": ["boolean"],
        "drop_ids": ["boolean"],
    }

    def __init__(self, *, min_frequency=5, max_categories=None,
                 numeric_scaling="standard", drop_constant=True, drop_ids=True):
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.numeric_scaling = numeric_scaling
        self.drop_constant = drop_constant
        self.drop_ids = drop_ids

    def _frame(self, X, reset):
        if isinstance(X, pd.DataFrame):
            frame = X
        else:
            if hasattr(X, "toarray"):
                raise TypeError(
                    "TabularPreprocessor takes dense tables (a pandas DataFrame or "
                    "a 2-D array); densify sparse input with .toarray() first, or "
                    "pass it straight to the estimator, which accepts sparse input."
                )
            array = np.asarray(X)
            if array.ndim != 2:
                raise ValueError(
                    f"Expected a 2-D table, got an array of shape {array.shape}. "
                    "Reshape your data with X.reshape(-1, 1) for a single feature."
                )
            frame = pd.DataFrame(array)
        validate_data(self, frame, skip_check_array=True, reset=reset)
        for axis, what in ((0, "sample"), (1, "feature")):
            if frame.shape[axis] == 0:
                raise ValueError(
                    f"Found array with 0 {what}(s) (shape={frame.shape}) while a "
                    f"minimum of 1 is required by TabularPreprocessor: the table "
                    f"is empty."
                )
        complex_columns = [c for c in frame.columns
                           if pd.api.types.is_complex_dtype(frame[c])]
        if complex_columns:
            raise ValueError(
                f"Complex data not supported (columns {complex_columns[:5]}): pass "
                "the real and imaginary parts as separate columns."
            )
        return frame

    def fit(self, X, y=None):
        """Learn column kinds, imputation values, scales and categories.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : object
        """
        self._validate_params()
        frame = self._frame(X, reset=True)
        kinds = column_kinds(frame)
        dropped = {
            column: reason for column, reason in kinds["dropped"].items()
            if (reason == "constant" and self.drop_constant)
            or (reason != "constant" and self.drop_ids)
        }
        kept = [column for column in frame.columns if column not in dropped]
        self.numeric_columns_ = [c for c in kept if not _is_categorical(frame[c])]
        self.categorical_columns_ = [c for c in kept if _is_categorical(frame[c])]
        self.dropped_columns_ = dropped
        scaler = _SCALERS[self.numeric_scaling]
        numeric = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            *([scaler()] if scaler is not None else []),
        )
        categorical = make_pipeline(
            SimpleImputer(strategy="most_frequent", missing_values=MISSING_CATEGORY,
                          keep_empty_features=True),
            OneHotEncoder(handle_unknown="infrequent_if_exist",
                          min_frequency=self.min_frequency,
                          max_categories=self.max_categories,
                          sparse_output=False),
        )
        self.column_transformer_ = ColumnTransformer(
            [("numeric", numeric, self.numeric_columns_),
             ("categorical", categorical, self.categorical_columns_)],
            remainder="drop", verbose_feature_names_out=False,
        )
        self.column_transformer_.fit(self._prepare(frame))
        return self

    def _prepare(self, frame):
        frame = frame.copy()
        if self.categorical_columns_:
            frame[self.categorical_columns_] = _as_text(frame[self.categorical_columns_])
        if self.numeric_columns_:
            try:
                frame[self.numeric_columns_] = frame[self.numeric_columns_].astype(float)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"A numeric column holds non-numbers at transform time ({exc}); "
                    "columns must keep the kind they had in fit."
                ) from exc
        return frame

    def transform(self, X):
        """Impute, scale and one-hot encode ``X`` with what fit learnt.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            float64, dense.
        """
        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        return np.asarray(self.column_transformer_.transform(self._prepare(frame)),
                          dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (one-hot columns as ``column_level``).

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray(
            [str(name) for name in self.column_transformer_.get_feature_names_out()],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
