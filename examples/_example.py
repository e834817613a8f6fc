"""What every example shares: its command line and where its pictures go.

Each ``plot_*.py`` runs as ``python examples/plot_NAME.py [--quick]
[--output DIR]``: ``--quick`` shrinks the work to seconds (what the tests
run), ``--output`` is where the PNGs are written (default: the current
directory).
"""

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

# Short example fits stop at max_iter on purpose.
warnings.simplefilter("ignore", ConvergenceWarning)


# The textbook's plain network: none of sk_mlp's default regularisation
# (dropout, weight decay, early stopping, a rate cut on plateaus) and the
# inputs as given, so that capacity, activations, one regulariser at a time
# or an exploding step show on their own.
PLAIN = dict(dropout=0.0, weight_decay=0.0, early_stopping=False,
             learning_rate="constant", n_iter_no_change=10, input_scaling=None)

# Real data lives beside the project, never inside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def setup(doc, data=None, full=False):
    """Parse the example's arguments; returns (quick, output directory), then
    the data folder when ``data`` (its default) is given, then whether
    ``--full`` was passed when ``full`` is True."""
    # (sphinx-gallery runs the script with its docstring as text: doc is empty)
    first = (doc or "").strip().splitlines()
    parser = argparse.ArgumentParser(description=first[0] if first else None)
    if data is not None:
        parser.add_argument("data", nargs="?", default=str(data),
                            help=f"data folder (default: {data})")
    parser.add_argument("--quick", action="store_true",
                        help="a small version that runs in seconds")
    parser.add_argument("--output", default=".", help="directory for the PNGs")
    if full:
        parser.add_argument("--full", action="store_true",
                            help="the whole data set (minutes, not seconds)")
    args = parser.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result = (args.quick, out)
    if data is not None:
        result += (Path(args.data),)
    if full:
        result += (args.full,)
    return result


def save(fig, out, name, quick=False):
    """Write ``fig`` as ``out/name`` and say so. The PNG records the script
    that made it, sk_mlp's defaults and whether the run was ``quick``, which
    the tests read to refuse a picture in ``docs/images`` made before the
    defaults it shows changed."""
    from sk_mlp._sklearn_defaults import picture_metadata

    path = Path(out) / name
    fig.tight_layout()
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "an example"
    fig.savefig(path, dpi=80, metadata=picture_metadata(script, quick))
    print(f"wrote {path}")
    return path
