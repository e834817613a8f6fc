"""Turn the public ``device`` parameter into a torch device."""

import re

import torch

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def resolve_device(device):
    """Return the torch device name for ``device``.

    ``"auto"`` picks ``"cuda"`` when PyTorch sees a GPU, else ``"cpu"``.
    Raises ``ValueError`` for a malformed name or an unavailable GPU.
    """
    if not _DEVICE_PATTERN.match(device):
        raise ValueError(
            f"device={device!r} is not understood: use 'auto', 'cpu', 'cuda' "
            "or 'cuda:N'."
        )
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but PyTorch sees no CUDA GPU "
                f"(torch {torch.__version__}). Use device='cpu' or 'auto'."
            )
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) are visible."
            )
    return device
