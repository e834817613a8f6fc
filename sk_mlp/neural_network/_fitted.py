"""The fitted attributes of the MLP estimators, read from the skorch net.

scikit-learn's names and shapes (``coefs_``, ``loss_curve_``, ...), plus
sk_mlp's own (``n_params_``, ``validation_loss_curve_``, ``history_``). A
mixin of ``BaseMLP``: nothing here trains or validates.
"""

from sklearn.utils.validation import check_is_fitted


class FittedAttributesMixin:
    """Properties over ``self.net_`` (the fitted skorch net)."""

    def _raw_layers(self):
        """(weight as (fan_in, fan_out), bias) of every layer in float64, with
        a 'standard' input scaling folded into the first, so they act on the
        inputs as given: x W + b = ((x - shift) * scale) W' + b' (not
        behind a numerical embedding, which the first layer reads, nor behind
        an ensemble's input scales). An ensemble's output layer is a stack of
        (fan_in, fan_out) matrices, one per member."""
        module = self.net_.module_
        layers = [(layer.weight.detach().cpu().double().numpy().swapaxes(-1, -2),
                   layer.bias.detach().cpu().double().numpy())
                  for layer in module.linears]
        scaling = module.scaling
        if (scaling is not None and not scaling.clip and module.embedding is None
                and module.ensemble is None):
            shift = scaling.shift.cpu().double().numpy()
            scale = scaling.scale.cpu().double().numpy()
            weight, bias = layers[0]
            layers[0] = (weight * scale[:, None], bias - (shift * scale) @ weight)
        return layers

    @property
    def coefs_(self):
        """Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out), in the
        training data's precision (float32 or float64, as scikit-learn).
        With ``input_scaling='standard'`` the scaling is folded into
        ``coefs_[0]`` and ``intercepts_[0]``, so they act on the raw inputs as
        scikit-learn's do; with ``'robust'`` they act on the scaled, clipped
        inputs (the clip cannot be folded)."""
        return [weight.astype(self._output_dtype) for weight, _ in self._raw_layers()]

    @property
    def intercepts_(self):
        """Bias vectors, ``intercepts_[i]`` of shape (fan_out,) (see ``coefs_``)."""
        return [bias.astype(self._output_dtype) for _, bias in self._raw_layers()]

    @property
    def n_layers_(self):
        """Number of layers, input and output included."""
        return len(self.net_.module_.linears) + 1

    @property
    def n_outputs_(self):
        """Number of network outputs."""
        return self.net_.module_.linears[-1].out_features

    @property
    def out_activation_(self):
        """Name of the output activation ('softmax', 'logistic' or 'identity')."""
        check_is_fitted(self)
        return self._output_activation()

    @property
    def n_params_(self):
        """Number of trainable parameters (the model's capacity)."""
        return sum(p.numel() for p in self.net_.module_.parameters() if p.requires_grad)

    @property
    def loss_curve_(self):
        """Training loss after each epoch, over all fits of a warm start."""
        return [float(loss) for loss in self.net_.history[:, "train_loss"]]

    @property
    def loss_(self):
        """Training loss of the last epoch."""
        return self.loss_curve_[-1]

    @property
    def best_loss_(self):
        """Lowest training loss of any epoch (None with early stopping, as in
        scikit-learn, where the best model is chosen on validation data)."""
        if self.validation_scores_ is not None:
            return None
        return min(self.loss_curve_)

    def _history_values(self, key):
        values = [row[key] for row in self.net_.history if key in row]
        return [float(v) for v in values] or None

    @property
    def validation_scores_(self):
        """Validation score (accuracy, or R^2 for regression) of each epoch
        with ``early_stopping``; None without."""
        return self._history_values("valid_score")

    @property
    def best_validation_score_(self):
        """Validation score of the restored weights (the best score when
        early stopping watches the score), or None without early stopping."""
        scores = self.validation_scores_
        if scores is None:
            return None
        restored = [row["valid_score"] for row in self.net_.history
                    if row.get("restored")]
        return float(restored[-1]) if restored else max(scores)

    @property
    def validation_loss_curve_(self):
        """Validation loss of each epoch with ``early_stopping``; None without."""
        return self._history_values("valid_loss")

    @property
    def history_(self):
        """Per-epoch record as a list of dicts: ``epoch``, ``train_loss``,
        ``valid_loss`` and ``valid_score`` (with early stopping), ``lr``,
        ``dur`` (seconds), ``grad_norm`` (with ``max_grad_norm``; largest
        norm before clipping), ``restored`` (True on the epoch whose weights
        early stopping kept). ``pandas.DataFrame(est.history_)`` tabulates it."""
        return [
            {k: v for k, v in row.items() if k not in ("batches", "train_batch_count")}
            for row in self.net_.history
        ]
