"""Quality benchmark: sk_mlp's defaults against SVMs, linear models,
scikit-learn's MLP, LightGBM and the best MLPs for tables on real and
synthetic tables.

    python benchmarks/bench_quality.py [--quick] [--datasets a,b] [--models a,b]
                                       [--reuse [--refit a,b]] [--output DIR]
                                       [--n-jobs N]

Protocol (fixed): 5-fold cross-validation (stratified for classes, shuffled,
seed 0), or the official train/test split where one exists (Fashion-MNIST);
every model behind the same fold-fitted preprocessing (``TabularPreprocessor``:
numbers median-imputed and standardised, categories most-frequent-imputed and
one-hot encoded, levels under 5 rows grouped); baseline regressors on
standardised targets; every model at its defaults. This is ``sk_mlp.compare``
with the models below, so the benchmark measures what users get. LightGBM,
RealMLP-TD and TabM-D join when ``lightgbm`` and ``pytabkit`` are importable
(their stored rows are kept by ``--reuse`` either way; ``--no-rivals`` fits
neither pytabkit model).

Data: scikit-learn's bundled sets, the 13 ISLP tables in
``../shared/data/islp`` (targets, leak columns and metrics from its
manifest), the Kaggle house prices (log-RMSE), Fashion-MNIST (official
split; only with ``--datasets fashion_mnist`` or ``all``: SVC takes tens of
minutes there) and synthetic problems with label noise and irrelevant
features. It prints a table of mean ± std and fit time per model and data
set, then sk_mlp's win / tie / loss record against each model (a loss is
a mean worse by more than the larger of the two fold standard deviations)
and every model's average rank; it writes ``quality_folds.csv``,
``quality.csv`` and ``quality.md`` to ``--output``. ``--reuse`` keeps the
baselines' rows already in ``quality_folds.csv`` and refits sk_mlp only (and
the baselines named by ``--refit``).
``--quick`` runs a smoke test of three small sets, 2 folds.
"""

import argparse
import gzip
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as skdata
from sklearn.dummy import DummyClassifier

from sk_mlp import MLPClassifier, MLPRegressor, compare, summarize

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SK_MLP_SHARED_DATA", ROOT.parent / "shared" / "data"))
OURS = "sk_mlp"


# ------------------------------------------------------------------- data
def _bundled(name, task):
    def load():
        X, y = getattr(skdata, f"load_{name}")(return_X_y=True, as_frame=True)
        return X, y, dict(task=task, metric="accuracy" if task == "classification"
                          else "rmse")
    return load


def _islp(row):
    def load():
        table = pd.read_csv(DATA / "islp" / row["file"])
        table = table.dropna(subset=[row["target"]])
        drop = [c for c in str(row["drop"]).split(";") if c and c != "nan"]
        X = table.drop(columns=[row["target"], *drop])
        y = table[row["target"]]
        metric = row["metric"]
        return X.reset_index(drop=True), y.reset_index(drop=True), dict(
            task=row["task"], metric="rmse" if metric == "log_rmse" else metric,
            log_target=metric == "log_rmse")
    return load


def _house_prices():
    table = pd.read_csv(DATA / "kaggle_house_prices" / "train.csv")
    return (table.drop(columns="SalePrice"), table["SalePrice"],
            dict(task="regression", metric="rmse", log_target=True))


def _fashion_mnist():
    def read(kind):
        folder = DATA / "fashion_mnist"
        with gzip.open(folder / f"{kind}-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
        with gzip.open(folder / f"{kind}-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        return images.astype(np.float32) / 255, labels
    X_train, y_train = read("train")
    X_test, y_test = read("t10k")
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    split = [(np.arange(len(y_train)), np.arange(len(y_train), len(y)))]
    return X, y, dict(task="classification", metric="accuracy", cv=split)


def _noisy_classification():
    X, y = skdata.make_classification(2000, 40, n_informative=6, n_redundant=4,
                                      flip_y=0.2, random_state=0)
    return X, y, dict(task="classification", metric="accuracy")


def _noisy_regression():
    X, y = skdata.make_friedman1(2000, n_features=30, noise=1.0, random_state=0)
    return X, y, dict(task="regression", metric="rmse")


def datasets():
    """Name -> loader returning (X, y, options for compare)."""
    found = {
        "iris": _bundled("iris", "classification"),
        "wine": _bundled("wine", "classification"),
        "breast_cancer": _bundled("breast_cancer", "classification"),
        "digits": _bundled("digits", "classification"),
        "diabetes": _bundled("diabetes", "regression"),
        "noisy_classification": _noisy_classification,
        "noisy_regression": _noisy_regression,
    }
    manifest = DATA / "islp" / "manifest.csv"
    if manifest.exists():
        for _, row in pd.read_csv(manifest).iterrows():
            found[Path(row["file"]).stem.lower()] = _islp(row)
    if (DATA / "kaggle_house_prices" / "train.csv").exists():
        found["house_prices"] = _house_prices
    if (DATA / "fashion_mnist").exists():
        found["fashion_mnist"] = _fashion_mnist
    return found


# ----------------------------------------------------------------- models
def parse_candidates(texts):
    """``--candidate`` texts (``NAME=JSON``) as (name, parameters) pairs."""
    return [(text.split("=", 1)[0], json.loads(text.split("=", 1)[1])) for text in texts]


def models(task, candidates=(), with_rivals=True):
    """The models compared: registry names or estimators, by display name.
    ``candidates`` are (name, parameters) of extra sk_mlp configurations;
    ``with_rivals`` False leaves RealMLP-TD and TabM-D out."""
    ours = MLPClassifier if task == "classification" else MLPRegressor
    chosen = {OURS: ours()}
    for name, params in candidates:
        chosen[name] = ours(**{k: tuple(v) if isinstance(v, list) else v
                               for k, v in params.items()
                               if k in ours().get_params()})
    chosen.update({name: name for name in ("sklearn-mlp", "svm", "linear-svm",
                                           "linear")})
    if task == "classification":
        chosen["perceptron"] = "perceptron"
        chosen["majority"] = DummyClassifier()
    try:
        import lightgbm

        factory = lightgbm.LGBMClassifier if task == "classification" \
            else lightgbm.LGBMRegressor
        chosen["lightgbm"] = factory(verbose=-1, random_state=0)
    except ImportError:
        pass
    if with_rivals:
        chosen.update(rivals(task))
    return chosen


def rivals(task):
    """The best MLPs for tables at their tuned defaults, when pytabkit is
    importable (``pip install pytabkit``, CPU): RealMLP-TD (Holzmueller et al.,
    NeurIPS 2024) and TabM-D (Gorishniy et al., ICLR 2025), the references
    every sk_mlp default is chosen against (issue 25)."""
    try:
        import pytabkit
    except ImportError:
        return {}
    kind = "Classifier" if task == "classification" else "Regressor"
    return {name: getattr(pytabkit, f"{prefix}_{kind}")(device="cpu", random_state=0,
                                                         verbosity=0)
            for name, prefix in (("realmlp-td", "RealMLP_TD"), ("tabm-d", "TabM_D"))}


# ----------------------------------------------------------------- report
def summary_table(folds):
    """One row per data set and model: ``sk_mlp.summarize`` of each data set."""
    rows = []
    for dataset, group in folds.groupby("dataset", sort=False):
        # in the order the models were run, not best first
        summary = summarize(group).reindex(group["model"].unique()).reset_index()
        summary.insert(0, "dataset", dataset)
        summary["metric"] = group["metric"].iloc[0]
        summary["greater_is_better"] = bool(group["greater_is_better"].iloc[0])
        rows.append(summary.rename(columns={"score_mean": "mean", "score_std": "std"}))
    return pd.concat(rows, ignore_index=True)


def records(summary):
    """sk_mlp's win/tie/loss against each model and every model's mean rank."""
    versus, ranks = {}, {}
    for dataset, group in summary.groupby("dataset", sort=False):
        group = group.set_index("model")
        sign = 1 if group["greater_is_better"].iloc[0] else -1
        order = (sign * group["mean"]).rank(ascending=False)
        for model, rank in order.items():
            ranks.setdefault(model, []).append(rank)
        if OURS not in group.index:
            continue
        ours = group.loc[OURS]
        for model, other in group.iterrows():
            if model == OURS:
                continue
            margin = sign * (ours["mean"] - other["mean"])
            band = max(ours["std"], other["std"])
            result = "win" if margin > band else "loss" if margin < -band else "tie"
            versus.setdefault(model, {"win": 0, "tie": 0, "loss": 0, "lost_on": []})
            versus[model][result] += 1
            if result == "loss":
                versus[model]["lost_on"].append(dataset)
    return versus, {model: float(np.mean(r)) for model, r in ranks.items()}


def markdown(summary, versus, ranks):
    models_seen = list(dict.fromkeys(summary["model"]))
    lines = ["| data (metric) | " + " | ".join(models_seen) + " |",
             "|---|" + "---|" * len(models_seen)]
    for dataset, group in summary.groupby("dataset", sort=False):
        group = group.set_index("model")
        arrow = "↑" if group["greater_is_better"].iloc[0] else "↓"
        cells = []
        for model in models_seen:
            if model not in group.index:
                cells.append("–")
                continue
            row = group.loc[model]
            cells.append(f"{row['mean']:.4g} ± {row['std']:.2g} ({row['fit_time']:.1f} s)")
        lines.append(f"| {dataset} ({group['metric'].iloc[0]} {arrow}) | "
                     + " | ".join(cells) + " |")
    lines += ["", f"{OURS} against each model (loss: worse by more than one fold std):",
              "", "| model | win | tie | loss | lost on |", "|---|---|---|---|---|"]
    for model, record in versus.items():
        lines.append(f"| {model} | {record['win']} | {record['tie']} | {record['loss']} "
                     f"| {', '.join(record['lost_on'])} |")
    lines += ["", "| model | average rank |", "|---|---|"]
    for model, rank in sorted(ranks.items(), key=lambda item: item[1]):
        lines.append(f"| {model} | {rank:.2f} |")
    return "\n".join(lines)


# ------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--datasets", default=None,
                        help="comma-separated names, or 'all' (with Fashion-MNIST)")
    parser.add_argument("--models", default=None, help="comma-separated display names")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the other models' rows already in the output")
    parser.add_argument("--refit", default="",
                        help="with --reuse, comma-separated baselines to fit again "
                             "(e.g. after their defaults changed)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--candidate", action="append", default=[],
                        metavar="NAME=JSON",
                        help='an extra sk_mlp configuration, e.g. wide={"hidden_layer_'
                             'sizes": [256, 256]} (repeatable; parameters the '
                             'estimator lacks are ignored)')
    parser.add_argument("--time-budget", type=float, default=600,
                        help="seconds per kernel-SVM model and data set")
    parser.add_argument("--no-rivals", action="store_true",
                        help="fit neither RealMLP-TD nor TabM-D (with --reuse their "
                             "stored rows are kept): TabM-D takes tens of minutes "
                             "per large table on two cores")
    args = parser.parse_args(argv)

    candidates = parse_candidates(args.candidate)
    refit = set(filter(None, args.refit.split(",")))
    available = datasets()
    if args.quick:
        names = ["iris", "diabetes", "noisy_classification"]
    elif args.datasets == "all":
        names = list(available)
    elif args.datasets:
        names = args.datasets.split(",")
    else:
        names = [n for n in available if n != "fashion_mnist"]
    unknown = [n for n in names if n not in available]
    if unknown:
        sys.exit(f"unknown or missing data sets {unknown}; available: {list(available)}")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    store = out / ("quality_quick_folds.csv" if args.quick else "quality_folds.csv")
    kept = pd.read_csv(store) if args.reuse and store.exists() else None

    frames = []
    for name in names:
        X, y, options = available[name]()
        cv = options.pop("cv", 2 if args.quick else 5)
        chosen = models(options["task"], candidates, with_rivals=not args.no_rivals)
        if args.models:
            wanted = args.models.split(",")
            chosen = {k: v for k, v in chosen.items() if k in wanted}
        if kept is not None:
            # every stored baseline row is kept (also of a model not
            # importable here, such as lightgbm), except ours, the
            # candidates and the models asked to be refitted
            stored = kept[kept["dataset"] == name]
            done = set(stored["model"]) - {OURS} - {c for c, _ in candidates} - refit
            if args.models:
                done &= set(args.models.split(","))
            frames.append(stored[stored["model"].isin(done)])
            chosen = {k: v for k, v in chosen.items() if k not in done}
        if args.quick:
            chosen.pop("lightgbm", None)
        if not chosen:
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = compare(X, y, models=chosen, cv=cv, n_jobs=args.n_jobs,
                              time_budget=args.time_budget, device="cpu",
                              random_state=0, **options)
        for message in results.attrs["messages"]:
            if message.startswith(("svm:", "interrupted")):
                print(f"  {name}: {message}")
        failed = results[results["note"].str.startswith("failed")]
        for _, row in failed.iterrows():
            print(f"  {name} {row['model']} fold {row['fold']}: {row['note']}")
        results.insert(0, "dataset", name)
        results["metric"] = ("log-" if options.get("log_target") else "") + \
            results.attrs["metric"]
        results["greater_is_better"] = results.attrs["greater_is_better"]
        frames.append(results)
        print(f"{name}: {len(X)} rows, {len(chosen)} models, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        pd.concat(frames).to_csv(store, index=False)   # progress survives a stop

    folds = pd.concat(frames, ignore_index=True)
    folds = folds[folds["dataset"].isin(names)]
    folds.to_csv(store, index=False)
    summary = summary_table(folds.dropna(subset=["score"]))
    versus, ranks = records(summary)
    table = markdown(summary, versus, ranks)
    prefix = "quality_quick" if args.quick else "quality"
    summary.to_csv(out / f"{prefix}.csv", index=False)
    (out / f"{prefix}.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nwrote {store.name}, {prefix}.csv and {prefix}.md to {out}")


if __name__ == "__main__":
    main()
