#!/usr/bin/env bash
# Migrate, load the demo project, then run a Celery worker and the web server until interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${RAYLABEL_HOST:-127.0.0.1}
PORT=${RAYLABEL_PORT:-8000}
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo
.venv/bin/celery -A config worker -Q cpu,gpu --concurrency 1 --loglevel INFO &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Raylabel is serving on http://$HOST:$PORT/ (Ctrl-C stops the server and the worker)"
$PY manage.py runserver "$HOST:$PORT" --noreload
