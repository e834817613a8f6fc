#!/usr/bin/env bash
# The device checks of a session lent a GPU, as one prepared command: the
# test suite on CUDA (SK_MLP_TEST_DEVICE=cuda runs every estimator there and
# the CUDA-only tests), then bench_training.py's GPU part (one epoch at 1M
# rows, batch 256 and 4096, the defaults' epoch table and a default fit on
# 1M rows). `bash benchmarks/gpu_check.sh scaling` runs, instead,
# bench_scaling.py on CUDA at 1M and 10M rows (issue 38), as a second
# device command (each command has at most 600 s).
# Logs go to $OUT (the device tool's folder), ./gpu_check without.
#
# The device machine has PyTorch, scikit-learn, pandas, pytest and
# hypothesis; skorch, tabulate and tqdm travel as wheels in .whl (ignored by
# git). Once, here:
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: -d .whl \
#       skorch==1.4.0 tabulate tqdm
# then, with the device tool: run(command="bash benchmarks/gpu_check.sh",
# carry=[".whl"], timeout_s=600). Budget: about 6 minutes for the suite and
# 3 for the benchmark, then (second command, "scaling") up to 8 for the
# scaling table, inside the 15 minutes a session is lent.
set -uo pipefail
out=${OUT:-gpu_check}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, skorch, sklearn; print(torch.__version__, torch.version.cuda, skorch.__version__, sklearn.__version__)"
} > "$out/gpu.txt" 2>&1
if [ "${1:-}" = "scaling" ]; then
    # issue 38's scaling table on the GPU (sk_mlp's default, bfloat16 there),
    # 1M and 10M rows, against scikit-learn's MLP on the host's CPUs at 1M
    timeout 500 python3 benchmarks/bench_scaling.py --device cuda \
        --sizes 1000000 10000000 --models sklearn-mlp sk_mlp --max-seconds 300 \
        --no-plot --output "$out" 2>&1 | tee "$out/scaling_cuda.log" | tail -n 12
    echo "scaling exit: ${PIPESTATUS[0]}" | tee -a "$out/scaling_cuda.log"
    exit 0
fi
SK_MLP_TEST_DEVICE=cuda timeout 400 python3 -m pytest -q -p no:randomly \
    -p no:cacheprovider 2>&1 | tee "$out/suite_cuda.log" | tail -n 40
echo "suite exit: ${PIPESTATUS[0]}" | tee -a "$out/suite_cuda.log"
timeout 180 python3 benchmarks/bench_training.py --parts gpu --repeats 3 --record '' \
    2>&1 | tee "$out/bench_gpu.log" | tail -n 30
echo "bench exit: ${PIPESTATUS[0]}" | tee -a "$out/bench_gpu.log"
