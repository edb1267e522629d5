#!/usr/bin/env bash
# Install mmcv 2.1.0 (with its compiled CPU ops), mmengine, mmdet and mmdet3d into the project venv.
#
# mmcv has no wheel for this torch, so it is built from its source distribution once (about 6.5 minutes
# on 2 cores) and the wheel is kept in the cache, keyed by Python and torch versions; later installs,
# fresh clones included, reuse it. RAYLABEL_WHEEL_CACHE moves the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MMCV_VERSION=2.1.0
key=$("$PY" -c 'import sys, torch; print(f"cp{sys.version_info.major}{sys.version_info.minor}-torch{torch.__version__}")')
cache=${RAYLABEL_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/raylabel/wheels}/$key
mkdir -p "$cache"
build="" constraints=""
trap 'rm -rf "$build" "$constraints"' EXIT
wheel=$(ls "$cache"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
    echo "Building mmcv $MMCV_VERSION with its CPU ops (once; cached in $cache)..."
    # mmcv's setup.py imports pkg_resources and torch: build without isolation, with a setuptools that has it
    # (requirements-mmdet3d.txt's pin: the last that ships pkg_resources and that torch accepts).
    "$PY" -m pip install -q "$(grep -E '^setuptools==' requirements-mmdet3d.txt)" wheel
    build=$(mktemp -d)
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "$PY" -m pip wheel -q --no-build-isolation --no-deps \
        "mmcv==$MMCV_VERSION" -w "$build"
    mv "$build"/mmcv-"$MMCV_VERSION"-*.whl "$cache"/
    wheel=$(ls "$cache"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)
fi
# The platform's pins (torch, numpy, open3d, trimesh...) stay as they are: requirements.txt as constraints
# (pip takes no extras there, so "celery[redis]" becomes "celery").
constraints=$(mktemp)
sed -e 's/\[[^]]*\]//' requirements.txt > "$constraints"
"$PY" -m pip install -q "$wheel" -r requirements-mmdet3d.txt -c "$constraints"
"$PY" -c 'import mmcv.ops, mmdet3d; print("mmcv", mmcv.__version__, "mmdet3d", mmdet3d.__version__)'
