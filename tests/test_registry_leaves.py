"""The extension registries are leaves: imported alone, each lists every entry without importing the code
behind them (no torch, no nerfstudio), so the web process can list them and no import runs in a circle."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "nerfstudio", "open3d", "trimesh")

PROBE = """
import sys
import {registry} as registry
entries = {entries}
code = sorted({{target.partition(":")[0] for target in entries}})
print(len(entries), len(code), sorted(m for m in (*code, *{heavy!r}) if m in sys.modules))
"""

REGISTRIES = {
    "active.acquisition.registry": "[e.implementation for e in registry.ACQUISITION_FUNCTIONS.values()]",
    "nerf_labeling.backends": "[e.field for e in registry.BACKENDS.values()] + [e.config for e in registry.PRESETS.values()]",
}


@pytest.mark.parametrize("registry", sorted(REGISTRIES))
def test_a_registry_imported_alone_lists_its_entries_and_imports_none_of_them(registry):
    probe = PROBE.format(registry=registry, entries=REGISTRIES[registry], heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    entries, modules, imported = result.stdout.split(" ", 2)
    assert int(entries) >= 3 and int(modules) >= 2
    assert imported.strip() == "[]"
