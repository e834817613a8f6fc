"""Test configuration.

The device under test comes from SK_MLP_TEST_DEVICE::

    SK_MLP_TEST_DEVICE=cuda python -m pytest      # run the suite on the GPU

Property tests (hypothesis) run under one of two settings profiles, chosen by
the HYPOTHESIS_PROFILE environment variable:

``ci`` (the default, what the README's test command and CI run)
    A fixed, derandomized set of ``CI_EXAMPLES`` cases per property and no
    example database: the same commit passes or fails the same way on every
    run and every machine.
``explore``
    ``EXPLORE_FACTOR`` times as many cases, freshly random on each run, to
    look for new failures before a change is called done::

        HYPOTHESIS_PROFILE=explore python -m pytest tests/test_hostile.py

    A case it finds is pinned with ``@example`` beside its property, so the
    ``ci`` profile replays it from then on.
"""

import os
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

DEVICE = os.environ.get("SK_MLP_TEST_DEVICE", "cpu")

# Real data lives beside the project (../shared/data), never inside it;
# SK_MLP_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get(
    "SK_MLP_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_data(relative):
    """Path of ``relative`` in the shared data; the calling test is skipped,
    naming the path, where it is absent (a clone away from the shared data:
    the package never ships it, so there is nothing to test against)."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs {path}, which is absent: set SK_MLP_SHARED_DATA to the "
                    "shared data folder")
    return path

if DEVICE.startswith("cuda") and not torch.cuda.is_available():
    raise pytest.UsageError(
        f"SK_MLP_TEST_DEVICE={DEVICE} but PyTorch sees no CUDA GPU."
    )

CI_EXAMPLES = 150
EXPLORE_FACTOR = 20

_COMMON = dict(
    deadline=None,  # fits take a variable time; speed is not what is tested
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True,
                          database=None, **_COMMON)
settings.register_profile("explore", max_examples=CI_EXAMPLES * EXPLORE_FACTOR,
                          derandomize=False, **_COMMON)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if _PROFILE not in ("ci", "explore"):
    raise pytest.UsageError(
        f"HYPOTHESIS_PROFILE={_PROFILE!r}: use 'ci' (default, deterministic) or "
        "'explore' (20x the cases, random)."
    )
settings.load_profile(_PROFILE)


def pytest_report_header(config):
    current = settings()
    return (f"hypothesis profile: {_PROFILE} (max_examples={current.max_examples}, "
            f"derandomize={current.derandomize}); device: {DEVICE}")


@pytest.fixture
def device():
    """The device every estimator in the tests is built for."""
    return DEVICE
