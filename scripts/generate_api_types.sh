#!/usr/bin/env bash
# The browser app's API types from the OpenAPI schema: drf-spectacular dumps /api/schema/ as JSON (no database
# needed), openapi-typescript turns it into TypeScript. `make api-types` writes frontend/src/api/schema.d.ts;
# tests/test_api_types.py writes to a temporary file and compares, so the committed types cannot drift.
# Usage: scripts/generate_api_types.sh [OUTPUT]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/frontend/src/api/schema.d.ts}")"
python="${PYTHON:-$root/.venv/bin/python}"
generator="$root/frontend/node_modules/.bin/openapi-typescript"
if [ ! -x "$generator" ]; then
	echo "openapi-typescript is not installed in frontend/node_modules: run make install" >&2
	exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
DJANGO_SETTINGS_MODULE=config.settings RAYLABEL_VAR_DIR="$work/var" \
	"$python" manage.py spectacular --format openapi-json --file "$work/schema.json"
"$generator" "$work/schema.json" --output "$out" >/dev/null
