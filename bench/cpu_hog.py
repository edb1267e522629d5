"""A CPU hog: busy-looping Python processes that share the machine with the work being measured."""
from __future__ import annotations

import subprocess
import sys


class CpuHog:
    """``processes`` busy-looping Python processes while the ``with`` block runs (two fill this 2-core machine)."""

    def __init__(self, processes: int = 2) -> None:
        self.count = processes
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "CpuHog":
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.count)]
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.kill()
            process.wait()
