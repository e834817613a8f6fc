"""Registry of optimisers: public ``solver`` name -> torch class and its options.

Weight decay is applied to weight matrices only: every optimiser gets a
parameter group that sets ``weight_decay=0`` for the biases.
"""

import torch


def _adam_options(est):
    return {"betas": (est.beta_1, est.beta_2), "eps": est.epsilon}


def _sgd_options(est):
    return {
        "momentum": est.momentum,
        "nesterov": bool(est.nesterovs_momentum and est.momentum > 0),
    }


# name -> (optimizer class, function of the estimator giving its extra options)
OPTIMIZERS = {
    "adam": (torch.optim.Adam, _adam_options),
    "adamw": (torch.optim.AdamW, _adam_options),
    "sgd": (torch.optim.SGD, _sgd_options),
}


def optimizer_params(est):
    """skorch ``optimizer*`` parameters for estimator ``est``."""
    cls, options = OPTIMIZERS[est.solver]
    params = {
        "optimizer": cls,
        "lr": est.learning_rate_init,
        "optimizer__weight_decay": est.weight_decay,
        # skorch matches parameter names with fnmatch: no decay on biases.
        "optimizer__param_groups": [("*bias", {"weight_decay": 0.0})],
    }
    params.update({f"optimizer__{k}": v for k, v in options(est).items()})
    return params
