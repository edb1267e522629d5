#!/usr/bin/env bash
# Every GPU figure in BENCHMARKS.md in one run, for a short lease on a GPU machine with no network.
#
#   bench/run_gpu_benchmarks.sh OUT_DIR [WHEEL_DIR]
#
# WHEEL_DIR (optional) holds cp312 wheels of nerfstudio 1.1.5 and the packages it imports that the
# machine's image lacks; they are installed with --no-deps into a scratch site folder. The machine must
# already have torch with CUDA. Writes log.txt, nerfacto.json, labels.json and gpu_tests.txt to OUT_DIR.
set -uo pipefail
out=${1:?usage: bench/run_gpu_benchmarks.sh OUT_DIR [WHEEL_DIR]}
wheels=${2:-}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if [ -n "$wheels" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$wheels"/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'numpy', numpy.__version__)"
  echo "## labels: frames per second at 640x480, CPU and CUDA"
  timeout 90 python3 -m bench.bench_label_render --json "$out/labels.json"
  echo "## nerfacto through the platform's trainer"
  timeout 330 python3 -m bench.bench_nerfacto_gpu --seconds 240 --json "$out/nerfacto.json"
  echo "## GPU-marked tests"
  timeout 120 python3 -m pytest -m gpu -q -o addopts="-ra -p no:cacheprovider" tests/nerf_labeling tests/active \
    2>&1 | tee "$out/gpu_tests.txt" | tail -25
} 2>&1 | tee "$out/log.txt"
