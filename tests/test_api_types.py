"""The browser app's generated API types (frontend/src/api/schema.d.ts) match the API's OpenAPI schema."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "generate_api_types.sh"
COMMITTED = ROOT / "frontend" / "src" / "api" / "schema.d.ts"


def test_committed_api_types_match_the_schema(tmp_path):
    fresh = tmp_path / "schema.d.ts"
    run = subprocess.run([str(GENERATOR), str(fresh)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        pytest.fail(f"generating the API types failed:\n{run.stderr}")
    if fresh.read_text() != COMMITTED.read_text():
        pytest.fail(
            "frontend/src/api/schema.d.ts is out of date with the API schema: run make api-types "
            "and commit the result (then fix whatever `npm run check` reports in the frontend)."
        )
