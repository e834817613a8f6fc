"""Every example runs in quick mode, writes its pictures and prints its finding."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import shared_data

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# script -> (pictures, lines it must print: regular expressions)
EXPECTED = {
    "plot_perceptron.py": (["perceptron_updates.png"], [
        r"updates within the bound \(R\^2\+1\)/rho\^2 on (\d+) of \1 separable sets",
        r"XOR: converged=False after 100 epochs"]),
    "plot_mlp_xor.py": (["mlp_xor.png"], [
        r"MLP with one hidden layer of 4: XOR accuracy 1\.0",
        r"perceptron: XOR accuracy 0\.\d+ \(converged=False\)"]),
    "plot_activations.py": (["activations.png"], [
        r"largest slope: sigmoid 0\.25, tanh 1\.00, relu 1\.00",
        r"identity: test accuracy 0\.[0-6]"]),
    "plot_capacity.py": (["capacity.png"], [
        r"hidden width   1: train accuracy", r"wide net: validation loss lowest at epoch"]),
    "plot_model_selection.py": (["model_selection.png"], [
        r"hold-out \(20%\): mean 0\.9\d+, std", r"5-fold CV: +mean 0\.9\d+",
        r"grid search: best CV accuracy", r"random search: best CV accuracy"]),
    "plot_weight_decay.py": (["weight_decay.png"], [r"weight_decay=1 +weight norm"]),
    "plot_dropout.py": (["dropout.png"], [
        r"dropout=0\.9: final training loss", r"MC dropout: mean predictive std"]),
    "plot_numerical_stability.py": (["numerical_stability.png"], [
        r"sigmoid, normal: gradient norm first layer .* vanishing gradients in the "
        r"first layer",
        r"relu, kaiming: gradient norm first layer .* healthy gradients",
        r"max_grad_norm=None: training diverged"]),
    "plot_overfitting.py": (["overfitting.png"], [
        r"no regularisation: best validation accuracy"]),
    "plot_house_prices.py": (["house_prices.png", "submission.csv"], [
        r"mlp: 3-fold log-RMSE 0\.\d+", r"svm: 3-fold log-RMSE",
        r"wrote .*submission\.csv: 1459 predictions"]),
    "plot_fashion_mnist.py": (["fashion_mnist.png"], [
        r"MLP \(defaults\): test accuracy 0\.\d+", r"SVC\(C=10, rbf\): test accuracy"]),
}
NEEDS_DATA = {"plot_house_prices.py": "kaggle_house_prices",
              "plot_fashion_mnist.py": "fashion_mnist"}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("plot_*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_in_quick_mode(script, tmp_path):
    command = [sys.executable, str(EXAMPLES / script), "--quick", "--output", tmp_path]
    if script in NEEDS_DATA:
        command.insert(2, str(shared_data(NEEDS_DATA[script])))
    run = subprocess.run(command, capture_output=True, text=True, timeout=600,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    pictures, lines = EXPECTED[script]
    for name in pictures:
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 1000, name
        if name.endswith(".png"):
            assert path.read_bytes()[:4] == b"\x89PNG"
    for pattern in lines:
        assert re.search(pattern, run.stdout), (pattern, run.stdout)


def test_a_missing_data_folder_is_a_clear_message(tmp_path):
    run = subprocess.run([sys.executable, str(EXAMPLES / "plot_house_prices.py"),
                          str(tmp_path / "nowhere"), "--quick"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "No train.csv in" in run.stderr and "Traceback" not in run.stderr


# pictures of docs/images that no example writes -> the command that does
OTHER_PICTURES = {
    "compare_digits.png": "sk-mlp compare --output /tmp/c && "
                          "cp /tmp/c/comparison.png docs/images/compare_digits.png",
    "scaling.png": "python benchmarks/bench_scaling.py",
}


def test_the_pictures_in_the_docs_show_todays_defaults():
    """Every picture in docs/images records the defaults it was made with
    (examples/_example.save and sk-mlp compare stamp it); one made before
    the defaults changed fails here, naming the command that remakes it."""
    from PIL import Image

    from sk_mlp._sklearn_defaults import PICTURE_KEY, defaults_fingerprint

    makers = dict(OTHER_PICTURES)
    for script in EXPECTED:
        for picture in EXPECTED[script][0]:
            makers.setdefault(picture, f"python examples/{script} --output docs/images")
    images = EXAMPLES.parent / "docs" / "images"
    stale = []
    for path in sorted(images.glob("*.png")):
        assert path.name in makers, f"{path.name}: no example or command makes it"
        stamp = Image.open(path).text.get("Source", "")
        if stamp != f"{PICTURE_KEY} {defaults_fingerprint()}":
            stale.append(f"{path.name} ({stamp or 'no stamp'}): {makers[path.name]}")
    assert not stale, "pictures made with other defaults; remake them: " + "; ".join(stale)
