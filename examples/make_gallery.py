"""Run every example and collect its pictures for the README gallery.

    python examples/make_gallery.py [--quick] [--output docs/images]

Each ``plot_*.py`` runs in a fresh interpreter at its default size (or with
``--quick``) and writes its PNGs to the output folder; the script stops at
the first example that fails.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default=str(HERE.parent / "docs" / "images"))
    args = parser.parse_args()
    for script in sorted(HERE.glob("plot_*.py")):
        start = time.perf_counter()
        command = [sys.executable, str(script), "--output", args.output]
        result = subprocess.run(command + (["--quick"] if args.quick else []))
        if result.returncode != 0:
            sys.exit(f"{script.name} failed with exit code {result.returncode}")
        print(f"-- {script.name}: {time.perf_counter() - start:.0f} s\n", flush=True)


if __name__ == "__main__":
    main()
