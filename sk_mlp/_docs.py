"""Parameter documentation shared by the MLP estimators' docstrings."""

MLP_PARAMETERS = """\
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer. ``()`` means no hidden layer: the model is
        then softmax/logistic regression (classifier) or linear regression.

    activation : {'relu', 'tanh', 'sigmoid', 'logistic', 'identity', \\
'leaky_relu', 'elu', 'gelu', 'silu'}, default='relu'
        Activation after every hidden layer. ``'logistic'`` is an alias of
        ``'sigmoid'``.

    solver : {'adam', 'adamw', 'sgd'}, default='adam'
        Optimiser. Under ``'adamw'`` the weight decay is decoupled from the
        gradient (Loshchilov & Hutter).

    learning_rate_init : float, default=0.001
        Step size of the optimiser.

    batch_size : int or 'auto', default='auto'
        Minibatch size; ``'auto'`` is ``min(200, n_samples)``.

    max_iter : int, default=200
        Maximum number of epochs (passes over the data).

    tol : float, default=1e-4
        Training stops once the loss has not improved by at least ``tol``
        for ``n_iter_no_change`` consecutive epochs.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
default='constant'
        Learning-rate schedule, set once per epoch: ``'constant'`` keeps
        ``learning_rate_init``; ``'invscaling'`` uses
        ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the samples
        seen; ``'adaptive'`` divides the rate by 5 whenever the monitored
        quantity stalls for ``n_iter_no_change`` epochs (and stops once it
        would fall below 1e-6); ``'cosine'`` anneals it to 0 over
        ``max_iter`` epochs.

    power_t : float, default=0.5
        Exponent of ``'invscaling'``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), stop when the validation score has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and restore the weights of the
        best epoch.

    validation_fraction : float, default=0.1
        Share of the training data held out with ``early_stopping``.

    max_grad_norm : float or None, default=None
        Clip the gradient norm of every step to this value (off when None).

    n_iter_no_change : int, default=10
        Number of epochs without improvement tolerated before stopping.

    shuffle : bool, default=True
        Shuffle the samples every epoch.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``.

    nesterovs_momentum : bool, default=True
        Use Nesterov momentum with ``solver='sgd'`` and ``momentum > 0``.

    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and numerical-stability constant.

    weight_decay : float, default=0.0
        L2 strength lambda on the weight matrices only, never on the biases:
        lambda * w is added to each weight's gradient (a penalty of
        lambda/2 * ||W||^2 in the loss), decoupled under ``solver='adamw'``.

    dropout : float or sequence of float, default=0.0
        Dropout rate in [0, 1) after every hidden activation, or one rate per
        hidden layer. Inverted dropout: active during training only, so
        predictions are deterministic.

    init : {'xavier_uniform', 'xavier_normal', 'kaiming_uniform', \\
'kaiming_normal', 'normal'}, default='xavier_uniform'
        Initialisation of every weight matrix (Kaiming uses the gain of
        ``activation``); ``'normal'`` is N(0, 0.01^2). Biases start at zero.

    dtype : {'float32', 'float64'}, default='float32'
        Precision of the network and of the data inside it. ``'float64'`` is
        slower, but makes results reproducible to ~1e-12 whatever the
        summation order (e.g. weighted versus repeated samples).

    device : str, default='auto'
        ``'auto'`` (CUDA when available, else CPU), ``'cpu'``, ``'cuda'`` or
        ``'cuda:N'``.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout masks. With an
        int, fits on the CPU are reproducible bit for bit.

    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``.

    verbose : int, default=0
        Show one progress bar for the whole fit (epochs, losses, validation
        score, time left) when positive; nothing is printed at 0.
"""

MLP_ATTRIBUTES = """\
    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a pandas DataFrame with string columns.

    n_outputs_ : int
        Number of network outputs.

    n_layers_ : int
        Number of layers, input and output layers included.

    out_activation_ : str
        Output activation.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the (fan_in, fan_out) weight matrix of layer ``i``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.

    n_params_ : int
        Number of trainable parameters: ``(d+1)*h + (h+1)*k`` for one hidden
        layer of width ``h``, ``d`` inputs and ``k`` outputs.

    loss_ : float
        Training loss of the last epoch.

    loss_curve_ : list of float
        Training loss of every epoch.

    best_loss_ : float or None
        Lowest training loss reached (None with ``early_stopping``).

    validation_scores_ : list of float or None
        Validation score of each epoch with ``early_stopping``.

    best_validation_score_ : float or None
        Best validation score, that of the weights kept.

    validation_loss_curve_ : list of float or None
        Validation loss of each epoch with ``early_stopping``.

    history_ : list of dict
        Per-epoch record (train and validation loss, validation score,
        learning rate, duration); ``pandas.DataFrame(est.history_)`` shows it.

    n_iter_ : int
        Number of epochs run.

    t_ : int
        Number of training samples seen.

    net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.module_`` is the torch module.
"""
