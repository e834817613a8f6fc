"""MLPClassifier: softmax (multiclass) or sigmoid (binary, multilabel) outputs."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._base import BaseMLP
from ._docs import MLP_ATTRIBUTES, MLP_PARAMETERS


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""Multilayer perceptron classifier on PyTorch, trained through skorch.

    Binary and multilabel targets get sigmoid outputs and the binary
    cross-entropy; multiclass targets get a softmax output and the
    cross-entropy. Labels may be of any type (ints, strings, bools).

    Parameters
    ----------
{MLP_PARAMETERS}
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
    >>> clf.predict_proba(X[:1]).sum()
    np.float64(1.0...)
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        learning_rate_init=0.001,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.0,
        dropout=0.0,
        init="xavier_uniform",
        device="auto",
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            shuffle=shuffle,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            weight_decay=weight_decay,
            dropout=dropout,
            init=init,
            device=device,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
        )

    _y_numeric = False

    def _encode_targets(self, y, reset):
        check_classification_targets(y)
        if reset:
            binarizer = LabelBinarizer().fit(y)
            if len(binarizer.classes_) < 2 and binarizer.y_type_ != "multilabel-indicator":
                raise ValueError(
                    "MLPClassifier needs samples of at least 2 classes in the data, "
                    f"but the data contain only one class: {binarizer.classes_[0]!r}."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        binarizer = self._label_binarizer
        if not reset:
            target_type = type_of_target(y)
            if (target_type == "multilabel-indicator") != (binarizer.y_type_ == "multilabel-indicator"):
                raise ValueError(
                    f"warm_start cannot change the target type from "
                    f"{binarizer.y_type_!r} to {target_type!r}."
                )
            unseen = np.setdiff1d(np.unique(y), self.classes_) if y.ndim == 1 else []
            if len(unseen):
                raise ValueError(
                    f"warm_start=True but y contains labels {list(unseen)} not seen "
                    f"in the first fit (classes_={list(self.classes_)}). Refit with "
                    "warm_start=False to learn new classes."
                )
        if binarizer.y_type_ == "multiclass":
            return np.searchsorted(self.classes_, y), len(self.classes_)
        encoded = binarizer.transform(y)
        return encoded, encoded.shape[1]

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _target_tensor(self, y, device):
        if self._output_activation() == "softmax":
            return torch.as_tensor(y, dtype=torch.int64, device=device)
        return torch.as_tensor(np.asarray(y, dtype=np.float32), device=device)

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
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels (or label indicators for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        proba = self._forward(X)
        if self._output_activation() == "softmax":
            return self.classes_[np.argmax(proba, axis=1)]
        return self._label_binarizer.inverse_transform(proba, threshold=0.5)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
