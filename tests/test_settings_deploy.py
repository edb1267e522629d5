"""Production settings: the documented environment (docker/production.env) passes `check --deploy`
cleanly, production refuses to start without a secret key, and the development path needs none."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = ROOT / "docker" / "production.env"


def _documented_production_env() -> dict[str, str]:
    lines = PRODUCTION_ENV.read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def _manage(args: list[str], environment: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    """manage.py in a fresh process whose Django and Raylabel settings come only from ``environment``."""
    inherited = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "RAYLABEL_", "SECURE_"))
    }
    env = {**inherited, "RAYLABEL_VAR_DIR": str(var_dir), **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_check_deploy_is_clean_under_the_documented_production_environment(tmp_path):
    environment = {**_documented_production_env(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    assert environment["DJANGO_DEBUG"] == "false"
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], environment, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(["check"], _documented_production_env(), tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=false (production)" in result.stderr


def test_the_development_path_needs_no_secret_key(tmp_path):
    """`make demo` and `make test` on a fresh clone set neither DJANGO_DEBUG nor a key."""
    result = _manage(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
