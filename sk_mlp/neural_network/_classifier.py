"""MLPClassifier: softmax (multiclass) or sigmoid (binary, multilabel) outputs."""

from numbers import Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._common.fitting import (check_partial_fit_classes, class_weight_per_sample,
                               log_of_proba)
from .._torch.calibration import apply_temperature, fit_temperature
from ._base import BaseMLP, _stochastic_solver
from ._docs import MLP_ATTRIBUTES, mlp_parameters
from ._settings import RULES


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""Multilayer perceptron classifier on PyTorch, trained through skorch.

    Binary and multilabel targets get sigmoid outputs and the binary
    cross-entropy; multiclass targets get a softmax output and the
    cross-entropy. Labels may be of any type (ints, strings, bools).

    Parameters
    ----------
{mlp_parameters('classifier')}
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss (multiplying ``sample_weight``):
        the remedy for imbalanced classes. ``'balanced'`` uses
        ``n_samples / (n_classes * class_count)``, counted with
        ``sample_weight`` where one is given (a row of weight 0 counts as
        dropped). The validation loss and score of early stopping are
        weighted the same way, so the restored epoch is the one that serves
        the weighted loss.

    label_smoothing : float in [0, 1) or 'auto', default='auto'
        Trains on softened targets: 1 - e on the true class and e spread
        evenly over all classes (binary and multilabel: each 0/1 target moved
        e/2 towards 1/2). It keeps the network from chasing ever larger
        logits, which buys accuracy on many classes (Fashion-MNIST 0.902 ->
        0.906, digits 0.979 -> 0.984 over the seeds and folds of the quality
        benchmark) but leaves the probabilities under-confident; so a fit that
        smooths and holds out early stopping's validation split then
        calibrates them back on it: the output logits (an ensemble's: of its
        members' mean) are divided by the temperature minimising the
        validation loss (Guo et al. 2017; recorded as
        ``history_[-1]['temperature']``), which changes no prediction
        (digits' log-loss: 0.078 unsmoothed, 0.185 smoothed, 0.056
        calibrated).
        Without a split (``partial_fit``, early stopping off) the smoothed
        probabilities stay.
        {RULES['label_smoothing'].doc} ``loss_`` is the loss against the
        softened targets. 0 is scikit-learn's plain cross-entropy.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels (for multilabel targets, ``arange(n_labels)``).

{MLP_ATTRIBUTES}
    See Also
    --------
    MLPRegressor : The same network for regression.
    Perceptron : Rosenblatt's single-layer perceptron.
    sklearn.neural_network.MLPClassifier : scikit-learn's CPU implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sk_mlp import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                     max_iter=300, device="cpu", random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> round(float(clf.predict_proba(X[:1]).sum()), 6)
    1.0
    """

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol="auto",
        learning_rate="adaptive",
        power_t=0.5,
        early_stopping="auto",
        early_stopping_metric="auto",
        validation_fraction=0.1,
        validation_split="random",
        max_grad_norm=None,
        n_iter_no_change="auto",
        max_fun=15000,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay="auto",
        dropout="auto",
        init="sklearn",
        dtype="auto",
        device="auto",
        random_state=None,
        warm_start=False,
        verbose=0,
        class_weight=None,
        label_smoothing="auto",
        input_scaling="standard",
        ema_momentum=0.0,
        numerical_embedding="auto",
        ensemble_size="auto",
        autocast="auto",
    ):
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            learning_rate=learning_rate,
            power_t=power_t,
            early_stopping=early_stopping,
            early_stopping_metric=early_stopping_metric,
            validation_fraction=validation_fraction,
            validation_split=validation_split,
            max_grad_norm=max_grad_norm,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            shuffle=shuffle,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            weight_decay=weight_decay,
            dropout=dropout,
            init=init,
            dtype=dtype,
            device=device,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            input_scaling=input_scaling,
            ema_momentum=ema_momentum,
            numerical_embedding=numerical_embedding,
            ensemble_size=ensemble_size,
            autocast=autocast,
        )

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    }

    def _criterion_params(self, settings):
        return {"label_smoothing": settings.label_smoothing}

    def _n_classes(self):
        return len(self.classes_) if self._output_activation() == "softmax" else 0

    def _after_training(self, valid):
        """With label smoothing, the probabilities calibrated back on the
        validation split: the output logits divided by the temperature that
        minimises the validation loss (``calibration.fit_temperature``;
        recorded in ``history_`` as ``temperature``)."""
        if not self.settings_.label_smoothing:
            return
        module = self.net_.module_
        mode = module.training
        module.eval()
        try:
            with torch.no_grad():
                logits = torch.cat([module(batch[0]) for batch in
                                    self.net_.get_iterator(valid, training=False)])
        finally:
            module.train(mode)
        temperature = fit_temperature(logits, valid.y, valid.sample_weight,
                                      self._output_activation())
        apply_temperature(module, temperature)
        self.net_.history.record("temperature", temperature)

    _y_numeric = False

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing the current network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            All classes that can ever appear in ``y``; required on the first
            call, optional (and must be the same) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        first = not self._is_fitted()
        # a multilabel target names its columns itself (checked on the first call only)
        check_partial_fit_classes(self, classes, first, required=not first or (
            classes is not None or type_of_target(y) != "multilabel-indicator"))
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, reset, classes=None, sample_weight=None,
                        incremental=False):
        check_classification_targets(y)
        if not reset and not incremental and y.ndim == 1 and not np.array_equal(
                np.unique(y), self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{np.unique(y)}"
            )
        if reset:
            # multilabel targets define their labels themselves (as in
            # scikit-learn, ``classes`` is then only checked for presence)
            multilabel = type_of_target(y) == "multilabel-indicator"
            binarizer = LabelBinarizer().fit(
                y if classes is None or multilabel else np.unique(classes))
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        binarizer = self._label_binarizer
        if not reset or classes is not None:
            target_type = type_of_target(y)
            if (target_type == "multilabel-indicator") != (binarizer.y_type_ == "multilabel-indicator"):
                raise ValueError(
                    f"warm_start cannot change the target type from "
                    f"{binarizer.y_type_!r} to {target_type!r}."
                )
            unseen = np.setdiff1d(np.unique(y), self.classes_) if y.ndim == 1 else []
            if len(unseen):
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not among the "
                    f"classes the network was built for (classes_="
                    f"{self.classes_.tolist()}). Refit from scratch (warm_start=False, "
                    "or pass every class to the first partial_fit)."
                )
        if binarizer.y_type_ == "multiclass":
            return np.searchsorted(self.classes_, y), len(self.classes_)
        encoded = binarizer.transform(y)
        return encoded, encoded.shape[1]

    def _export_targets(self):
        return {"classes_": self.classes_, "y_type": self._label_binarizer.y_type_}

    def _import_targets(self, targets):
        classes = np.asarray(targets["classes_"])
        if targets["y_type"] not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(f"unknown target type {targets['y_type']!r}")
        binarizer = LabelBinarizer()
        binarizer.classes_, binarizer.y_type_ = classes, targets["y_type"]
        binarizer.sparse_input_ = False
        self._label_binarizer, self.classes_ = binarizer, classes

    def _sample_weights(self, y, sample_weight):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return sample_weight
        return class_weight_per_sample(self.class_weight, y, sample_weight,
                                       count_weight=True)

    def _n_minority(self, y, weights):
        if self._label_binarizer.y_type_ != "binary":
            return 0
        counted = y if weights is None else y[weights > 0]
        _, counts = np.unique(counted, return_counts=True)
        return int(counts.min()) if len(counts) == 2 else 0

    def _check_validation_targets(self, y, y_val):
        if y_val.ndim == 1:
            check_classification_targets(y_val)
            unseen = np.setdiff1d(np.unique(y_val), np.unique(y))
            if len(unseen):
                raise ValueError(
                    f"y_val holds classes {unseen.tolist()} that y does not have "
                    f"(y has {np.unique(y).tolist()}): the network learns the "
                    "classes of y only. Move rows of those classes into the "
                    "training data, or drop them from the validation data."
                )

    def _stratify(self, y):
        y_type = self._label_binarizer.y_type_
        if y_type == "multilabel-indicator":
            return None
        # binary: on the encoded labels, as scikit-learn (classes False/True);
        # multiclass: on the labels (scikit-learn does not stratify there)
        return self._label_binarizer.transform(y).astype(bool) if y_type == "binary" else y

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _target_tensor(self, y):
        if self._output_activation() == "softmax":
            return torch.as_tensor(y, dtype=torch.int64, device=self.net_.device)
        return self._as_tensor(y)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``; rows sum to 1
            except for multilabel targets, where each column is the
            probability of its label.
        """
        proba = self._forward(X)
        if self._label_binarizer.y_type_ == "binary":
            proba = np.hstack([1.0 - proba, proba])
        return proba.astype(self._output_dtype, copy=False)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return log_of_proba(self.predict_proba(X))

    def predict_proba_mc(self, X, n_samples=30):
        """Monte-Carlo dropout: class probabilities with dropout left on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_samples : int, default=30
            Number of stochastic forward passes.

        Returns
        -------
        mean : ndarray of shape (n, n_classes)
            Mean probability over the passes.
        std : ndarray of shape (n, n_classes)
            Standard deviation over the passes (0 everywhere when
            ``dropout=0``): a measure of the model's uncertainty. The masks
            are drawn from ``random_state``, so results are reproducible.
        """
        mean, std = self._forward_mc(X, n_samples)
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - mean, mean]), np.hstack([std, std])
        return mean, std

    def predict(self, X):
        """Predict class labels (or label indicators for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        # decided on the logits: argmax and the sign agree with the softmax
        # and the 0.5 threshold of the sigmoid, without computing them
        logits = self._forward(X, activate=False)
        if self._output_activation() == "softmax":
            return self.classes_[np.argmax(logits, axis=1)]
        return self._label_binarizer.inverse_transform(logits, threshold=0.0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
