"""The C allocator's thresholds (``sk_mlp._torch.allocator``): set once per
process by the first fit on a CPU, as documented, never where the user opted
out or the C library is not glibc. (What they buy, fewer page faults and a
faster epoch, is measured by ``benchmarks/bench_training.py --parts
allocator``, not here.)"""

import subprocess
import sys

import numpy as np
import pytest

from sk_mlp import MLPClassifier, MLPRegressor, Perceptron
from sk_mlp._torch import allocator

from .conftest import DEVICE


class FakeLibc:
    """Records ``mallopt`` calls; answers ``result`` (glibc: 1 on success)."""

    def __init__(self, result=1):
        self.calls, self.result = [], result

    def gnu_get_libc_version(self):
        return b"2.41"

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return self.result


@pytest.fixture
def fresh(monkeypatch):
    """A process in which no fit has run yet, with a fake glibc."""
    libc = FakeLibc()
    monkeypatch.setattr(allocator, "_state", {"tuned": None})
    monkeypatch.setattr(allocator, "_glibc", lambda: libc)
    monkeypatch.delenv(allocator.ENV, raising=False)
    return libc


def test_sets_both_thresholds_once(fresh):
    assert allocator.tune_cpu_allocator() is True
    assert fresh.calls == [(-3, allocator.MMAP_THRESHOLD), (-1, allocator.TRIM_THRESHOLD)]
    assert allocator.tune_cpu_allocator() is True
    assert len(fresh.calls) == 2  # never again in this process


@pytest.mark.parametrize("value", ["default", "0", "off", "OFF", " no "])
def test_environment_opts_out(fresh, monkeypatch, value):
    monkeypatch.setenv(allocator.ENV, value)
    assert allocator.tune_cpu_allocator() is False
    assert fresh.calls == []


def test_a_refusal_is_reported(fresh):
    fresh.result = 0
    assert allocator.tune_cpu_allocator() is False


def test_other_c_libraries_and_systems_are_left_alone(monkeypatch):
    monkeypatch.setattr(allocator, "_state", {"tuned": None})
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    assert allocator.tune_cpu_allocator() is False
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator._glibc() is None


def _recorder(monkeypatch):
    calls = []
    for module in ("sk_mlp._torch.training", "sk_mlp._torch.lbfgs"):
        monkeypatch.setattr(f"{module}.tune_cpu_allocator", lambda: calls.append(1))
    return calls


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(max_iter=2, device=DEVICE, random_state=0),
    lambda: MLPRegressor(solver="lbfgs", max_iter=2, device=DEVICE, random_state=0),
    lambda: Perceptron(max_iter=2, device=DEVICE, random_state=0),
], ids=["adam", "lbfgs", "perceptron"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fits_tune_on_the_cpu_only(monkeypatch, make):
    calls = _recorder(monkeypatch)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    make().fit(X, y)
    assert bool(calls) == (DEVICE == "cpu")


_CHILD = """
import numpy as np, warnings
warnings.simplefilter("ignore")
from sk_mlp import MLPRegressor
from sk_mlp._torch import allocator
before = allocator._state["tuned"]
MLPRegressor(max_iter=2, device="cpu").fit(np.random.rand(30, 2), np.random.rand(30))
print(before, allocator.tune_cpu_allocator())
"""


@pytest.mark.parametrize("value", ["", "default"])
def test_a_real_process(value, monkeypatch):
    """In a fresh interpreter: nothing set on import, set by the first CPU
    fit where the C library is glibc, left alone when opted out."""
    monkeypatch.setenv(allocator.ENV, value)
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         check=True).stdout.split()
    expected = allocator._glibc() is not None and value == ""
    assert out == ["None", str(expected)]
