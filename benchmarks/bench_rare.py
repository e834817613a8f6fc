"""Rare positives: tables with 0.1-2 % positives and 100-1,000 positive rows,
scored by ROC AUC and average precision, sk_mlp's defaults against logistic
regression, LightGBM and scikit-learn's MLP.

    python benchmarks/bench_rare.py [--tables a,b] [--models a,b]
        [--candidate NAME=JSON ...] [--output DIR] [--reuse]

Protocol (fixed, issue 41's): ``StratifiedKFold(3, shuffle=True,
random_state=0)``; every model behind the same fold-fitted
``TabularPreprocessor`` (numbers imputed and standardised, categories
one-hot), at its defaults with ``random_state=0``: logistic regression
(``linear``), LightGBM, scikit-learn's ``MLPClassifier`` and sk_mlp's
(``sk_mlp``), and any ``--candidate`` (sk_mlp's classifier with those
parameters). Tables:

- ``synthetic_a``, ``synthetic_b``: issue 41's generators,
  ``make_classification(30000, 74, n_informative=20, n_redundant=10,
  weights=[0.991], flip_y=0.001, class_sep=1.0, random_state=0)`` and the
  same with ``class_sep=0.8, random_state=1`` (292 and 286 positives);
- ``default_1pct``: ISLP's Default (10,000 rows) with every negative and
  100 of its 333 positives (drawn with seed 0): 1.0 % positive;
- ``caravan_2pct``: ISLP's Caravan (5,822 rows) with every negative and
  112 of its 348 positives (seed 0): 2.0 % positive.

It prints, per table and model, the mean ± std over the folds of ROC AUC and
average precision and the fit seconds per fold, then sk_mlp's record against
the best of the three baselines (a loss: AUC below the best by more than the
larger fold std), and writes ``results/rare.txt`` and ``results/rare_folds.csv``
(``--reuse``: the stored rows of the tables and models this run does not fit are kept).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline

from sk_mlp import MLPClassifier
from sk_mlp.preprocessing import TabularPreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_quality import DATA, ROOT, parse_candidates  # noqa: E402

BASELINES = ("linear", "lightgbm", "sklearn-mlp")


def _synthetic(class_sep, random_state):
    def load():
        X, y = make_classification(30000, 74, n_informative=20, n_redundant=10,
                                   weights=[0.991], flip_y=0.001, class_sep=class_sep,
                                   random_state=random_state)
        return pd.DataFrame(X), y
    return load


def _fewer_positives(file, target, positives):
    """An ISLP table with every negative and ``positives`` positives."""
    def load():
        table = pd.read_csv(DATA / "islp" / file)
        y = (table.pop(target) == "Yes").to_numpy().astype(int)
        keep = np.flatnonzero(y == 0)
        drawn = np.random.default_rng(0).choice(np.flatnonzero(y == 1), positives,
                                                replace=False)
        rows = np.sort(np.concatenate([keep, drawn]))
        return table.iloc[rows].reset_index(drop=True), y[rows]
    return load


TABLES = {
    "synthetic_a": _synthetic(1.0, 0),
    "synthetic_b": _synthetic(0.8, 1),
    "default_1pct": _fewer_positives("Default.csv", "default", 100),
    "caravan_2pct": _fewer_positives("Caravan.csv", "Purchase", 112),
}


def models(candidates=()):
    chosen = {
        "linear": LogisticRegression(max_iter=2000),
        "sklearn-mlp": SklearnMLP(random_state=0),
        "sk_mlp": MLPClassifier(random_state=0, device="cpu"),
    }
    try:
        import lightgbm

        chosen["lightgbm"] = lightgbm.LGBMClassifier(verbose=-1, random_state=0)
    except ImportError:
        pass
    for name, params in candidates:
        chosen[name] = MLPClassifier(random_state=0, device="cpu", **{
            k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
    return chosen


def run(tables, chosen):
    rows = []
    for table in tables:
        X, y = TABLES[table]()
        folds = StratifiedKFold(3, shuffle=True, random_state=0).split(X, y)
        print(f"{table}: {len(y)} rows, {int(y.sum())} positives "
              f"({y.mean():.2%})", flush=True)
        for fold, (train, test) in enumerate(folds):
            for name, model in chosen.items():
                pipe = make_pipeline(TabularPreprocessor(), clone(model))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    pipe.fit(X.iloc[train], y[train])
                    seconds = time.perf_counter() - start
                score = pipe.predict_proba(X.iloc[test])[:, 1]
                rows.append(dict(table=table, model=name, fold=fold, fit_time=seconds,
                                 auc=roc_auc_score(y[test], score),
                                 ap=average_precision_score(y[test], score)))
    return pd.DataFrame(rows)


def report(folds):
    summary = folds.groupby(["table", "model"], sort=False).agg(
        auc=("auc", "mean"), auc_std=("auc", "std"), ap=("ap", "mean"),
        ap_std=("ap", "std"), fit_time=("fit_time", "mean")).reset_index()
    lines = [f"{'table':<14} {'model':<16} {'ROC AUC':>17} {'avg precision':>17} "
             f"{'fit s':>7}"]
    record = []
    for table, part in summary.groupby("table", sort=False):
        for _, r in part.iterrows():
            lines.append(f"{table:<14} {r.model:<16} {r.auc:.4f} ± {r.auc_std:.4f} "
                         f"{r.ap:.4f} ± {r.ap_std:.4f} {r.fit_time:>7.1f}")
        base = part[part.model.isin(BASELINES)]
        if base.empty:
            continue
        for _, ours in part[~part.model.isin(BASELINES)].iterrows():
            best = base.loc[base.auc.idxmax()]
            margin = max(best.auc_std, ours.auc_std)
            verdict = ("loss" if ours.auc < best.auc - margin else
                       "win" if ours.auc > best.auc + margin else "tie")
            record.append((ours.model, table, verdict, ours.auc - best.auc, best.model,
                           ours.auc > base.auc.max()))
    lines.append("")
    for name in dict.fromkeys(r[0] for r in record):
        mine = [r for r in record if r[0] == name]
        lines.append(
            f"{name}: against the best baseline per table "
            + ", ".join(f"{t} {v} ({d:+.4f} vs {b})" for _, t, v, d, b, _ in mine)
            + f"; above all three on {sum(r[5] for r in mine)} of {len(mine)}; "
            f"mean AUC difference {np.mean([r[3] for r in mine]):+.4f}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--models")
    parser.add_argument("--candidate", action="append", default=[],
                        help="NAME=JSON: sk_mlp's classifier with these parameters")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--reuse", action="store_true",
                        help="keep the stored rows (rare_folds.csv in --output) of "
                             "every table and model this run does not fit")
    args = parser.parse_args()
    candidates = parse_candidates(args.candidate)
    chosen = models(candidates)
    if args.models:
        chosen = {k: v for k, v in chosen.items() if k in args.models.split(",")}
    folds = run(args.tables.split(","), chosen)
    out = Path(args.output)
    stored = out / "rare_folds.csv"
    if args.reuse and stored.exists():
        # the stored rows of every (table, model) this run did not fit
        kept = pd.read_csv(stored)
        fitted = pd.MultiIndex.from_frame(folds[["table", "model"]])
        kept = kept[~pd.MultiIndex.from_frame(kept[["table", "model"]]).isin(fitted)]
        folds = pd.concat([kept, folds], ignore_index=True)
    text = report(folds)
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/bench_rare.py " + " ".join(sys.argv[1:])
    (out / "rare.txt").write_text(command.strip() + "\n\n" + text + "\n")
    folds.to_csv(out / "rare_folds.csv", index=False)


if __name__ == "__main__":
    main()
