"""The Kaggle house-prices practical, end to end.
==============================================

Predict sale prices in Ames, Iowa from 79 mixed-type columns, scored (as on
Kaggle) by the RMSE of log prices under k-fold cross-validation:
``sk_mlp.compare`` puts every model behind the same fold-fitted
preprocessing (``TabularPreprocessor``: median-impute and standardise the
numbers, one-hot encode the categories), scores the MLP against SVR and a
linear baseline on the same folds, and the winner refitted on all rows
writes a submission for ``test.csv``.

    python examples/plot_house_prices.py [DATA_DIR] [--quick] [--output DIR]

DATA_DIR holds Kaggle's ``train.csv`` and ``test.csv``; it defaults to
``../shared/data/kaggle_house_prices`` beside the project.
"""

# %%
import sys
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _example import SHARED_DATA, save, setup

from sk_mlp import compare, fit_best, summarize

quick, out, data = setup(__doc__, data=SHARED_DATA / "kaggle_house_prices")
if not (data / "train.csv").exists():
    sys.exit(f"No train.csv in {data}: pass the folder holding Kaggle's house-prices "
             "train.csv and test.csv, e.g. python examples/plot_house_prices.py "
             "path/to/kaggle_house_prices")
train = pd.read_csv(data / "train.csv")
if quick:
    print(f"Quick build: a 400-row sample of the {len(train)} "
          "rows and 3 folds, so the scores below are not the practical's; run "
          "python examples/plot_house_prices.py for them.")
    train = train.sample(400, random_state=0)
X, y = train.drop(columns="SalePrice"), train["SalePrice"]

# %%
# k-fold log-RMSE of each model on the same folds
# -----------------------------------------------
results = compare(X, y, models=["mlp", "svm", "linear"], cv=3 if quick else 5,
                  log_target=True, random_state=0)
summary = summarize(results)
print(summary[["score_mean", "score_std", "fit_time"]].round(4).to_string())
for model, row in summary.iterrows():
    print(f"{model}: {len(results) // len(summary)}-fold log-RMSE "
          f"{row.score_mean:.4f} ± {row.score_std:.4f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for model, group in results.groupby("model", sort=False):
    left.plot(group["fold"], group["score"], "o-", label=model)
left.set(xlabel="fold", ylabel="log-RMSE", title="per fold (lower is better)")
left.legend()
# sphinx_gallery_defer_figures


# %%
# Refit the winner on all rows and write a submission
# ---------------------------------------------------
name, pipeline = fit_best(results, X, y)
fitted_log = pipeline.predict(X)
right.scatter(np.log(y), fitted_log, s=5, alpha=0.5)
right.plot([10.5, 13.5], [10.5, 13.5], "k--", lw=1)
right.set(xlabel="log price", ylabel="fitted log price", title=f"{name}, all rows")
if (data / "test.csv").exists():
    test = pd.read_csv(data / "test.csv")
    submission = pd.DataFrame({"Id": test["Id"], "SalePrice": np.exp(pipeline.predict(test))})
    submission.to_csv(out / "submission.csv", index=False)
    print(f"wrote {out / 'submission.csv'}: {len(submission)} predictions from {name}, "
          f"median price {submission['SalePrice'].median():,.0f}")
if quick:
    fig.suptitle("quick build: a 400-row sample, 3 folds (not the practical's scores)")
save(fig, out, "house_prices.png", quick)
