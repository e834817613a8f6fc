"""Full-batch L-BFGS, scikit-learn's solver for small data sets.

SciPy's L-BFGS-B drives the optimisation, exactly as in scikit-learn
(``maxiter=max_iter``, ``maxfun=max_fun``, ``gtol=tol``); the loss and its
gradient come from the skorch net's module through autograd, on the net's
device, a bounded chunk of rows at a time (sparse chunks are densified one at
a time). Every L-BFGS iteration is recorded in the net's ``History``.
"""

import warnings

import numpy as np
import scipy.optimize
import torch
from sklearn.exceptions import ConvergenceWarning

from .allocator import tune_cpu_allocator
from .callbacks import print_iteration


def fit_lbfgs(net, data, *, max_iter, max_fun, tol, chunk, verbose=False):
    """Minimise the net's full-batch training loss over ``data`` (a
    ``TensorData``); return the number of iterations run.

    Warns with ``ConvergenceWarning`` when SciPy stops before convergence
    (iteration or evaluation budget spent, or a failed line search).
    """
    module = net.module_
    params = list(module.parameters())
    dtype, device = params[0].dtype, params[0].device
    if device.type == "cpu":
        tune_cpu_allocator()
    n = len(data)
    total_weight = (n if data.sample_weight is None
                    else float(data.sample_weight.sum()) * data.weight_mean)

    def set_params(theta):
        with torch.no_grad():
            vector = torch.from_numpy(theta).to(device=device, dtype=dtype)
            torch.nn.utils.vector_to_parameters(vector, params)

    def loss_and_grad(theta):
        set_params(theta)
        for p in params:
            p.grad = None
        value = 0.0
        for start in range(0, n, chunk):
            Xb, yb = data.take(slice(start, start + chunk))
            # the chunk's weighted mean loss, weighted by its share of rows
            part = net.get_loss(module(Xb), yb, training=False) * (len(Xb) / n)
            part.backward()
            value += float(part.detach())
        if net.l2_alpha:
            penalty = net.l2_penalty() / total_weight
            penalty.backward()
            value += float(penalty.detach())
        grad = torch.nn.utils.parameters_to_vector([p.grad for p in params])
        return value, grad.detach().double().cpu().numpy()

    def record(intermediate_result):
        net.history.new_epoch()
        net.history.record("epoch", len(net.history))
        with np.errstate(over="ignore", under="ignore"):
            loss = float(np.float64(intermediate_result.fun) * net.loss_scale)
        net.history.record("train_loss", loss)
        if verbose:
            print_iteration(net.history[-1])

    theta0 = torch.nn.utils.parameters_to_vector(params).detach().double().cpu().numpy()
    module.train()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SciPy's line-search notes
        result = scipy.optimize.minimize(
            loss_and_grad, theta0, method="L-BFGS-B", jac=True, callback=record,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    set_params(result.x)
    module.eval()
    n_iter = min(result.nit, max_iter)
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {n_iter} iteration(s) "
            f"(status={result.status}):\n{result.message}\n\n"
            f"Increase the number of iterations (max_iter={max_iter}) or of loss "
            f"evaluations (max_fun={max_fun}), or scale the data (e.g. "
            "StandardScaler).",
            ConvergenceWarning,
        )
    return n_iter
