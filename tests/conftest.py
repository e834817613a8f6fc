"""Test configuration: the device under test comes from SK_MLP_TEST_DEVICE.

    SK_MLP_TEST_DEVICE=cuda pytest      # run the suite on the GPU
"""

import os

import pytest
import torch

DEVICE = os.environ.get("SK_MLP_TEST_DEVICE", "cpu")

if DEVICE.startswith("cuda") and not torch.cuda.is_available():
    raise pytest.UsageError(
        f"SK_MLP_TEST_DEVICE={DEVICE} but PyTorch sees no CUDA GPU."
    )


@pytest.fixture
def device():
    """The device every estimator in the tests is built for."""
    return DEVICE
