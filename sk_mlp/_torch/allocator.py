"""The C allocator's thresholds for training on the CPU (Linux, glibc).

PyTorch's CPU tensors come from ``malloc``, with no cache of its own. With
glibc's defaults a small network's step thrashes it: the activations and
gradients of a batch (about 1 MB each for 200 rows of a 3-member ensemble
over 480 embedded inputs) are freed together at the end of the step, the
free space at the top of the heap then exceeds the trim threshold (which
glibc moves to twice the largest block seen, a few MB), the heap is given
back to the kernel, and the next step takes every page of it again as a
page fault the kernel must zero. On the suite's noisy regression table
that was about 4,000 page faults an epoch and 9-12 % of its time
(``benchmarks/bench_training.py --parts allocator``).

:func:`tune_cpu_allocator`, called by the first fit on a CPU, sets two of
glibc's ``mallopt`` thresholds for the process: blocks up to
:data:`MMAP_THRESHOLD` come from the heap (glibc's own dynamic rule goes as
far as 32 MB), and up to :data:`TRIM_THRESHOLD` of free space stays at the
heap's top instead of going back to the kernel. Nothing computed changes;
the cost is that much memory kept by the process once it has been used.
Setting the environment variable ``SK_MLP_MALLOC`` to ``default`` (or
``0``, ``off``) before the first fit leaves the allocator alone. Other C
libraries, and other systems, are left alone too.
"""

import ctypes
import ctypes.util
import os
import sys

# bytes: blocks below come from the heap, and free space kept at its top
MMAP_THRESHOLD = 16 << 20
TRIM_THRESHOLD = 64 << 20
# glibc's mallopt parameter numbers (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
ENV = "SK_MLP_MALLOC"
_OFF = frozenset({"default", "0", "off", "false", "no"})

# None until the first call; then whether the thresholds were set
_state = {"tuned": None}


def _glibc():
    """The process's C library if it is glibc, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    # musl and others have no gnu_get_libc_version (musl's mallopt is a stub)
    if not (hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt")):
        return None
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return libc


def tune_cpu_allocator():
    """Set glibc's heap thresholds once per process (see the module's
    docstring); return whether they are set. Later calls return the first
    call's answer without touching anything."""
    if _state["tuned"] is None:
        _state["tuned"] = False
        if os.environ.get(ENV, "").strip().lower() not in _OFF:
            libc = _glibc()
            if libc is not None:
                _state["tuned"] = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                                       and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _state["tuned"]
