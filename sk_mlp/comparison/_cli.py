"""The ``sk-mlp`` command (also ``python -m sk_mlp``): a thin layer over
``sk_mlp.compare``, ``summarize`` and ``fit_best``.

Exit codes: 0 done, 2 bad input (one error line, no traceback), 130
interrupted by Ctrl-C (what finished is printed and written).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .._sklearn_defaults import picture_metadata
from . import METRICS, MODELS, CompareError, compare, fit_best, summarize

# Datasets bundled with scikit-learn that DATA may name; the first is the default.
_BUNDLED = {
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "diabetes": "load_diabetes",
}
_DEFAULT_DATA = "digits"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="sk-mlp",
        description="Neural networks from sk_mlp against SVM and linear baselines, "
                    "cross-validated on your table.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "compare", help="cross-validate every model on the same folds",
        description="Cross-validate sk_mlp's networks against SVM, linear and "
                    "scikit-learn MLP baselines on the same folds, each behind its "
                    "own fold-fitted preprocessing.")
    p.add_argument("data", nargs="?", default=_DEFAULT_DATA, metavar="DATA",
                   help="a CSV or Parquet file, or a bundled scikit-learn dataset ("
                        + ", ".join(_BUNDLED) + f"); default: {_DEFAULT_DATA}")
    p.add_argument("--target", help="target column of a file (default: the last "
                                    "column)")
    p.add_argument("--task", default="auto",
                   choices=["auto", "classification", "regression"])
    p.add_argument("--metric", choices=list(METRICS),
                   help="default: accuracy (classification), rmse (regression)")
    p.add_argument("--cv", type=int, default=5, help="outer folds (default 5)")
    p.add_argument("--time-column", metavar="COLUMN",
                   help="rows happened in this column's order (dates or numbers): "
                        "time-ordered folds, each tested on later rows, and the "
                        "networks stop early on their last rows; the column is not "
                        "a feature")
    p.add_argument("--group-column", metavar="COLUMN",
                   help="rows come in these groups (patients, shops, users): no "
                        "group on both sides of a fold or of the networks' "
                        "early-stopping split; the column is not a feature")
    p.add_argument("--models", help="comma-separated, from: " + ", ".join(MODELS)
                   + " (default: all that handle the task)")
    p.add_argument("--search", default="none", choices=["none", "grid", "random"],
                   help="nested hyperparameter search in each outer fold")
    p.add_argument("--n-iter", type=int, default=10,
                   help="candidates per random search (default 10)")
    p.add_argument("--log-target", action="store_true",
                   help="fit on log(y) and report RMSE on the log scale")
    p.add_argument("--time-budget", type=float, default=300.0, metavar="SECONDS",
                   help="seconds per kernel-SVM model before it is subsampled or "
                        "skipped (default 300; 0 means no limit)")
    p.add_argument("--device", default="auto",
                   help="auto, cpu, cuda or cuda:N for sk_mlp's networks")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel fits (default -1: all cores)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="send every fit to the Dask scheduler at ADDRESS")
    p.add_argument("--output", metavar="DIR",
                   help="write results.csv, results.json, summary.csv, "
                        "comparison.png and the refitted best model here")
    p.add_argument("--seed", type=int, default=0, help="seeds folds and models")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def load_table(data, target):
    """(X, y, description) from a bundled dataset name or a file path."""
    if data in _BUNDLED:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, _BUNDLED[data])(as_frame=True)
        if target not in (None, "target"):
            raise UsageError(f"--target {target!r}: the bundled dataset {data!r} has "
                             "its own target; leave --target out.")
        return bunch.data, bunch.target, f"scikit-learn's bundled {data} dataset"
    path = Path(data)
    if not path.exists():
        raise UsageError(f"{data}: no such file, and not a bundled dataset ("
                         + ", ".join(_BUNDLED) + ").")
    if path.is_dir():
        raise UsageError(f"{data} is a directory: name a CSV or Parquet file.")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path)
    except ImportError as exc:
        raise UsageError(f"cannot read {data}: {exc}".splitlines()[0]) from None
    except Exception as exc:
        kind = "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"cannot read {data} as {kind}: {first}") from None
    if table.shape[1] < 2:
        raise UsageError(f"{data} has {table.shape[1]} column(s): it needs at least "
                         "one feature column and a target column.")
    if table.shape[0] == 0:
        raise UsageError(f"{data} is empty: it has a header but no rows.")
    if target is None:
        target = table.columns[-1]
    elif target not in table.columns:
        shown = ", ".join(map(str, table.columns[:12]))
        more = ", ..." if table.shape[1] > 12 else ""
        raise UsageError(f"--target {target!r} is not a column of {data} "
                         f"(columns: {shown}{more}).")
    y = table[target]
    missing = y.isna()
    if missing.all():
        raise UsageError(f"the target column {target!r} of {data} is empty.")
    X = table.drop(columns=[target])[~missing.to_numpy()].reset_index(drop=True)
    y = y[~missing].reset_index(drop=True)
    note = f", {int(missing.sum())} rows without a target dropped" if missing.any() \
        else ""
    return X, y, f"{data}, target {target!r}{note}"


def _format_table(summary, metric, log_target):
    name = ("log-" + metric) if log_target and metric == "rmse" else metric
    lines = [f"{'model':<12} {name + ' (mean ± std)':>22} {'fit s':>8} "
             f"{'predict s':>10}  best hyperparameters"]
    for model, row in summary.iterrows():
        score = ("failed" if np.isnan(row.score_mean)
                 else f"{row.score_mean:.4f} ± {row.score_std:.4f}")
        params = "" if row.best_params == "{}" else row.best_params
        extra = f"  [{row.note}]" if row.note else ""
        lines.append(f"{model:<12} {score:>22} {row.fit_time:>8.2f} "
                     f"{row.predict_time:>10.3f}  {params}{extra}")
    return "\n".join(lines)


def _plot(summary, path, metric):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = summary.dropna(subset=["score_mean"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.barh(shown.index[::-1], shown["score_mean"][::-1],
              xerr=shown["score_std"][::-1], capsize=3, color="tab:blue")
    low = (shown["score_mean"] - 2 * shown["score_std"]).min()
    high = (shown["score_mean"] + 2 * shown["score_std"]).max()
    if np.isfinite(low) and high > low:
        left.set_xlim(low, high)
    left.set_xlabel(f"{metric} (mean ± std over folds)")
    left.set_title("score per model")
    right.scatter(shown["fit_time"], shown["score_mean"])
    for model, row in shown.iterrows():
        right.annotate(model, (row.fit_time, row.score_mean), fontsize=8,
                       xytext=(3, 3), textcoords="offset points")
    right.set_xscale("log")
    right.set_xlabel("fit time per fold (s, log scale)")
    right.set_ylabel(metric)
    right.set_title("score against fit time")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata=picture_metadata("sk-mlp compare"))
    plt.close(fig)


def _write_outputs(out, results, summary, metric, say):
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    summary.to_csv(out / "summary.csv")
    payload = {
        "task": results.attrs["task"], "metric": metric,
        "greater_is_better": results.attrs["greater_is_better"],
        "interrupted": results.attrs["interrupted"],
        "messages": results.attrs["messages"],
        "folds": json.loads(results.to_json(orient="records")),
        "summary": json.loads(summary.reset_index().to_json(orient="records")),
    }
    (out / "results.json").write_text(json.dumps(payload, indent=1))
    written = ["results.csv", "results.json", "summary.csv"]
    if summary["score_mean"].notna().any():
        try:
            _plot(summary, out / "comparison.png", metric)
            written.append("comparison.png")
        except ImportError:
            say("no figure: matplotlib is not installed (pip install 'sk_mlp[plot]').")
    say(f"wrote {', '.join(written)} to {out}")


def _save_best(out, results, X, y, say, time=None, groups=None):
    name, pipeline = fit_best(results, X, y, time=time, groups=groups)
    from ..io._format import save

    what = f"best model {name!r} refitted on all rows (preprocessing included)"
    try:
        save(pipeline, out / "best_model.skops")
        say(f"{what}; saved with sk_mlp.save to {out / 'best_model.skops'} (load with "
            "sk_mlp.load)")
    except ImportError:
        import joblib

        joblib.dump(pipeline, out / "best_model.joblib")
        say(f"{what}; saved with joblib to {out / 'best_model.joblib'} (install "
            "'sk_mlp[deploy]' for a file that loads without running code)")


def split_columns(X, time_column, group_column):
    """``(X, time, groups)``: the named columns taken out of the features
    (a time column of dates parsed as dates)."""
    time = groups = None
    for option, column in (("--time-column", time_column),
                           ("--group-column", group_column)):
        if column is not None and column not in X.columns:
            shown = ", ".join(map(str, X.columns[:12]))
            raise UsageError(f"{option} {column!r} is not a feature column (columns: "
                             f"{shown}{', ...' if X.shape[1] > 12 else ''}).")
    if time_column is not None and time_column == group_column:
        raise UsageError("--time-column and --group-column name the same column.")
    if time_column is not None and group_column is not None:
        raise UsageError("give --time-column or --group-column, not both: the folds "
                         "follow one of them.")
    if time_column is not None:
        time = X[time_column]
        if time.dtype == object:
            parsed = pd.to_datetime(time, errors="coerce", format="mixed")
            if parsed.notna().all():
                time = parsed
        X = X.drop(columns=[time_column])
    if group_column is not None:
        groups = X[group_column]
        X = X.drop(columns=[group_column])
    if X.shape[1] == 0:
        raise UsageError("no feature column is left besides the target and the "
                         "time or group column.")
    return X, time, groups


def _run_compare(args):
    say = print
    X, y, description = load_table(args.data, args.target)
    X, time_values, groups = split_columns(X, args.time_column, args.group_column)
    if time_values is not None:
        description += f"; rows ordered by {args.time_column!r}"
    if groups is not None:
        description += f"; rows grouped by {args.group_column!r}"
    say(f"data: {description}; {X.shape[0]} rows, {X.shape[1]} feature columns")
    dask_client = None
    if args.dask:
        try:
            import distributed
        except ImportError:
            raise UsageError("--dask needs Dask: pip install 'sk_mlp[distributed]'.") \
                from None
        try:
            dask_client = distributed.Client(args.dask, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {args.dask}: "
                             f"{exc}".splitlines()[0]) from None
        say(f"dask: {len(dask_client.scheduler_info()['workers'])} worker(s) at "
            f"{args.dask}")
    out = Path(args.output) if args.output else None
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"--output {args.output} exists and is not a directory.")
    started = time.perf_counter()
    kwargs = dict(
        models=args.models, task=args.task, metric=args.metric, cv=args.cv,
        search=args.search, n_iter=args.n_iter, log_target=args.log_target,
        time_budget=args.time_budget or None, device=args.device,
        random_state=args.seed, progress=not args.no_progress, time=time_values,
        groups=groups)
    try:
        if dask_client is not None:
            import joblib

            with joblib.parallel_backend("dask"):
                results = compare(X, y, n_jobs=-1, **kwargs)
        else:
            results = compare(X, y, n_jobs=args.n_jobs, **kwargs)
    finally:
        if dask_client is not None:
            dask_client.close()
    for message in results.attrs["messages"]:
        say(message)
    metric = results.attrs["metric"]
    summary = summarize(results)
    kind = {"time": "time-ordered ", "groups": "grouped "}.get(
        results.attrs["config"]["split_by"], "")
    say(f"\n{results.attrs['task']}, {args.cv}-fold {kind}cross-validation"
        + (f", nested {args.search} search" if args.search != "none" else "")
        + f" ({time.perf_counter() - started:.0f} s):")
    say(_format_table(summary, metric, args.log_target))
    interrupted = results.attrs["interrupted"]
    if out is not None:
        _write_outputs(out, results, summary, metric, say)
        if not interrupted and summary["score_mean"].notna().any():
            _save_best(out, results, X, y, say, time=time_values, groups=groups)
    return EXIT_INTERRUPTED if interrupted else 0


def main(argv=None):
    """Entry point of ``sk-mlp``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "compare":
            return _run_compare(args)
    except (UsageError, CompareError) as exc:
        print(f"sk-mlp: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("sk-mlp: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def console_main():
    """``sk-mlp`` console script."""
    sys.exit(main())
