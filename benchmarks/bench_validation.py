"""Which rows validate: a random split against the last rows (a table in time
order) and against whole groups (a table of shops), over several seeds.

    python benchmarks/bench_validation.py [--seeds 6] [--output DIR]

The two tables are the ones ``tests/test_validation_data.py`` checks at seed
0 (its ``_trend_table`` and ``_group_table``): 3,000 rows with a time column,
a linear trend and slowly wandering noise, scored on the next 1,000 rows (the
future); 150 shops of 20 rows with each shop's own columns and an offset they
do not explain, scored on 150 new shops. Each seed fits ``MLPRegressor`` at
its defaults (``random_state=0``) twice: early stopping on a random tenth
(the default) and on the last tenth (``validation_split='last'``) or on a
tenth of the shops (``validation_split='group'``). It prints, per seed, the
epochs trained and the RMSE on the future rows or the new shops, the means,
and on how many seeds the chosen rows did better, and writes the report to
``results/validation.txt``.
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import mean_squared_error

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sk_mlp import MLPRegressor  # noqa: E402
from tests.test_validation_data import _group_table, _trend_table  # noqa: E402


def _fit(how, X, y, groups=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPRegressor(validation_split=how, random_state=0, device="cpu").fit(
            X, y, **({} if groups is None else {"groups": groups}))


def _rmse(model, X, y):
    return float(mean_squared_error(y, model.predict(X)) ** 0.5)


def run(seeds):
    lines = []
    for table, chosen in (("time trend", "last"), ("shops", "group")):
        lines.append(f"\n{table}: RMSE on the "
                     + ("next 1,000 rows" if chosen == "last" else "150 new shops")
                     + f" (epochs), random split against validation_split={chosen!r}")
        lines.append(f"{'seed':>4} {'random':>16} {chosen:>16}")
        scores = {"random": [], chosen: []}
        for seed in range(seeds):
            if chosen == "last":
                X, y, X_test, y_test = _trend_table(seed)
                groups = None
            else:
                X, y, groups, X_test, y_test = _group_table(seed)
            cells = []
            for how in ("random", chosen):
                model = _fit(how, X, y, groups if how == "group" else None)
                scores[how].append(_rmse(model, X_test, y_test))
                cells.append(f"{scores[how][-1]:.4f} ({model.n_iter_:>3})")
            lines.append(f"{seed:>4} {cells[0]:>16} {cells[1]:>16}")
            print(lines[-1], flush=True)
        better = sum(c < r for r, c in zip(scores["random"], scores[chosen]))
        lines.append(f"mean {np.mean(scores['random']):>10.4f}       "
                     f"{np.mean(scores[chosen]):>10.4f}       "
                     f"({chosen} better on {better} of {seeds} seeds)")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    report = run(args.seeds)
    print(report)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.txt").write_text(
        "python benchmarks/bench_validation.py"
        + (f" --seeds {args.seeds}" if args.seeds != 6 else "") + "\n" + report + "\n")


if __name__ == "__main__":
    main()
