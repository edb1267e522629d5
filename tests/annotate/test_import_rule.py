"""The import rules: loading the web app (settings, URLs, views, tasks) never imports torch, and the
libraries (export writers included) never import Django or the app."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys, django
django.setup()
import config.urls, annotate.tasks, annotate.api.views, annotate.pages
from django.urls import get_resolver
get_resolver().url_patterns
print(sorted(m for m in ('torch', 'open3d', 'trimesh', 'skimage') if m in sys.modules))
"""


def test_loading_the_web_app_does_not_import_torch_or_other_heavy_libraries():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin",
             "RAYLABEL_VAR_DIR": str(ROOT / "var" / "import-probe")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_libraries_never_import_django():
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("nerf_labeling", "active")
        for path in (ROOT / package).rglob("*.py")
        if any(
            line.lstrip().startswith(("import django", "from django", "import annotate", "from annotate"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []


LIBRARY_PROBE = """
import importlib, pkgutil, sys
import nerf_labeling.formats
for module in pkgutil.iter_modules(nerf_labeling.formats.__path__, "nerf_labeling.formats."):
    importlib.import_module(module.name)
from nerf_labeling.formats.registry import FORMATS
print(bool(FORMATS), sorted(m for m in ('django', 'annotate', 'config') if m in sys.modules))
"""


def test_the_export_writers_load_and_register_without_django_or_the_app():
    result = subprocess.run(
        [sys.executable, "-c", LIBRARY_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []"
