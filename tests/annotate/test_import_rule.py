"""The import rules: loading the web app (settings, URLs, views, tasks) never imports torch, the
libraries (export writers included) never import Django or the app, the imports among the app and the
libraries (inside functions too) run in no circle, and services never import the tasks."""
import ast
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


#: Every import among these counts, inside a function too. None is exempt: the imports kept inside functions so
#: that the web process never loads torch (services -> nerf_labeling, active) point from the app into the
#: libraries, which never import the app (test above), so they cannot close a circle.
PACKAGES = ("annotate", "nerf_labeling", "active")


def _module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported_modules(name: str, path: Path, known) -> set[str]:
    """The project modules that module ``name`` imports anywhere in its code, inside functions too."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]  # a name may be a submodule
        else:
            continue
        found.update(target for target in targets if target in known and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (inside functions too)."""
    modules = _module_files()
    return {name: _imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports (its modules, the first repeated at the end), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_the_import_graph_of_the_app_and_the_libraries_has_no_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_sees_a_circle_held_together_by_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    assert "annotate.tasks" in import_graph()["annotate.apps"]  # imported only inside AppConfig.ready()


def test_services_never_import_the_tasks():
    offenders = sorted(module for module, targets in import_graph().items()
                       if module.startswith("annotate.services.") and "annotate.tasks" in targets)
    assert offenders == []
