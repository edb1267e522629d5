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


PACKAGES = ("annotate", "nerf_labeling", "active")

#: Imports inside a function that would close a circle, each allowed for its reason; every other import,
#: at module level or inside a function, is an edge of the graph that must have no circle.
ALLOWED_LAZY_IMPORTS = {
    ("nerf_labeling.fields.nerfacto_field", "nerf_labeling.fields.nerfstudio_run"):
        "NOT a torch reason: a circle still to untangle (issue 14). nerfstudio_run builds a NerfactoField and "
        "uses nerfacto_field's nerfstudio helpers; NerfactoField.load builds its model through nerfstudio_run",
}


def _module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported_modules(name: str, path: Path, known) -> set[tuple[str, bool]]:
    """``(module, inside_a_function)`` for each project module that ``name`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text())
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package[: len(package) - child.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in child.names]  # a name may be a submodule
            else:
                targets = []
            found.update((target, in_function) for target in targets if target in known and target != name)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def import_graph() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Module -> the project modules it imports (function-level imports too, less the allowed ones),
    and every function-level import seen as ``(importer, imported)``."""
    modules = _module_files()
    graph, lazy = {}, set()
    for name, path in modules.items():
        graph[name] = set()
        for target, in_function in _imported_modules(name, path, modules):
            if in_function:
                lazy.add((name, target))
            if not (in_function and (name, target) in ALLOWED_LAZY_IMPORTS):
                graph[name].add(target)
    return graph, lazy


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
    graph, lazy = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])
    assert set(ALLOWED_LAZY_IMPORTS) <= lazy, "an allowed import is no longer there: drop it from the list"


def test_the_cycle_check_sees_a_circle_held_together_by_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    graph, lazy = import_graph()
    assert ("annotate.apps", "annotate.tasks") in lazy and "annotate.tasks" in graph["annotate.apps"]  # in ready()


def test_services_never_import_the_tasks():
    graph, _ = import_graph()
    offenders = sorted(module for module, targets in graph.items()
                       if module.startswith("annotate.services.") and "annotate.tasks" in targets)
    assert offenders == []
