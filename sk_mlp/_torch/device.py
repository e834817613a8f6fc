"""Turn the public ``device`` parameter into a torch device, and say what
it computes fast."""

import functools
import os
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


@functools.lru_cache(maxsize=None)
def _cpu_has_bfloat16():
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX),
    as oneDNN, which runs torch's bfloat16 products on the CPU, reports it."""
    check = getattr(getattr(torch.ops, "mkldnn", None), "_is_mkldnn_bf16_supported", None)
    try:
        return bool(torch.backends.mkldnn.is_available() and check is not None and check())
    except (RuntimeError, AttributeError):
        return False


def fast_bfloat16(device):
    """Whether ``device`` (a name :func:`resolve_device` returned) computes
    bfloat16 matrix products in hardware: a CUDA GPU that supports bfloat16
    (compute capability 8.0 and up), or a CPU with AVX512-BF16 or AMX
    instructions. Elsewhere bfloat16 is emulated and slower than float32.
    ``SK_MLP_BFLOAT16=0`` says no everywhere (e.g. to compare runs across
    machines)."""
    if os.environ.get("SK_MLP_BFLOAT16", "").strip() == "0":
        return False
    kind = torch.device(device).type
    if kind == "cuda":
        index = torch.device(device).index or 0
        return torch.cuda.get_device_capability(index)[0] >= 8
    return kind == "cpu" and _cpu_has_bfloat16()
