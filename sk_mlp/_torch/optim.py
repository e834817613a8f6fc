"""Registry of optimisers: public ``solver`` name -> torch class and its options.

Weight decay is applied to weight matrices only: every optimiser gets
parameter groups that set ``weight_decay=0`` for the biases (and an
ensemble's input scales).
"""

import functools
import math

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


@functools.lru_cache(maxsize=None)
def fused_available(cls, device_type):
    """Whether ``cls(..., fused=True)`` steps on ``device_type`` here.

    The fused kernels update every parameter in one call instead of several
    small tensor operations per parameter, which is most of an optimiser
    step's cost for the small networks of tabular data.
    """
    try:
        param = torch.nn.Parameter(torch.zeros(2, device=device_type))
        param.grad = torch.ones(2, device=device_type)
        cls([param], lr=0.1, fused=True).step()
        return True
    except (RuntimeError, TypeError, ValueError):
        return False


def optimizer_params(est, device, weight_decay, learning_rate):
    """skorch ``optimizer*`` parameters for estimator ``est`` on ``device``,
    at step size ``learning_rate``, decaying the weight matrices by
    ``weight_decay``."""
    # L-BFGS is driven by SciPy (see _lbfgs); the net's optimiser is never stepped
    cls, options = OPTIMIZERS["sgd" if est.solver == "lbfgs" else est.solver]
    params = {
        "optimizer": cls,
        "lr": learning_rate,
        "optimizer__weight_decay": weight_decay,  # explicit: AdamW's default is 0.01
    }
    if weight_decay > 0 or est.alpha > 0:
        # skorch matches parameter names with fnmatch: no decay on biases,
        # nor on an ensemble's input scales (random signs, not weights to
        # shrink); skorch makes no group where nothing matches. (Without
        # decay one group is enough, and one group steps faster.)
        params["optimizer__param_groups"] = [("*bias", {"weight_decay": 0.0}),
                                             ("*member_scales", {"weight_decay": 0.0})]
    params.update({f"optimizer__{k}": v for k, v in options(est).items()})
    if fused_available(cls, torch.device(device).type):
        params["optimizer__fused"] = True
    return params


# Learning-rate schedules: name -> fn(lr0, epoch, samples_seen, max_iter,
# power_t), or None where the rate is left alone ('adaptive' is driven by the
# stopping rule: divided by 5 when the monitored quantity stalls).
SCHEDULES = {
    "constant": None,
    "adaptive": None,
    # scikit-learn's meaning: lr0 / (t + 1)^power_t, t = samples seen
    "invscaling": lambda lr0, epoch, t, max_iter, power_t: lr0 / (t + 1) ** power_t,
    "cosine": lambda lr0, epoch, t, max_iter, power_t: lr0 * 0.5 * (
        1.0 + math.cos(math.pi * epoch / max_iter)
    ),
}


def carry_optimizer_state(old, new):
    """Copy the per-parameter state (moments, momentum buffers) of skorch net
    ``old``'s optimiser into ``new``'s, matched by parameter name, where both
    use the same optimiser class; ``new``'s hyperparameters stay its own."""
    if type(old.optimizer_) is not type(new.optimizer_):
        return
    previous = dict(old.module_.named_parameters())
    for name, param in new.module_.named_parameters():
        state = old.optimizer_.state.get(previous.get(name))
        if not state:
            continue
        new.optimizer_.state[param] = {
            key: (value.detach().clone().to(param.dtype)
                  if torch.is_tensor(value) and value.is_floating_point()
                  and value.shape == param.shape else
                  value.detach().clone() if torch.is_tensor(value) else value)
            for key, value in state.items()
        }
