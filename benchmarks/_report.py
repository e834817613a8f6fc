"""What the benchmark scripts share: their printed report is also written to
``benchmarks/results/NAME.txt``, which the documentation site includes as
written, so the numbers it shows are the last run's, never a hand copy."""

import contextlib
import io
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def recorded(name, directory=RESULTS):
    """Print as usual and write the same text to ``directory/NAME.txt``
    (``directory=None``: print only)."""
    if directory is None:
        yield
        return
    path = Path(directory) / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as file, contextlib.redirect_stdout(_Tee(sys.stdout, file)):
        yield
    print(f"(written to {path})")
