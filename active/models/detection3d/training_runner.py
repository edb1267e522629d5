"""mmengine's Runner as a fit uses it, and the hook that reports each iteration (imports mmengine)."""
from __future__ import annotations

from collections.abc import Callable

from mmengine.hooks import Hook
from mmengine.runner import Runner


class QuietRunner(Runner):
    """mmengine's Runner without the start-up reports a fit throws away with its temporary work folder:
    no environment report (it shells out to compilers and imports torchvision) and no config dump."""

    def _log_env(self, env_cfg: dict) -> None:
        pass

    def dump_config(self) -> None:
        pass


def process_keeping_env_cfg() -> dict:
    """mmengine's ``env_cfg`` that leaves this process as it is: by default a Runner forces the
    multiprocessing start method to ``fork`` and OpenCV to 0 threads for the whole worker, which would
    change how later jobs in the same worker start processes (nerfacto spawns its data process)."""
    import multiprocessing

    import cv2

    return dict(dist_cfg=dict(backend="gloo"),
                mp_cfg=dict(mp_start_method=multiprocessing.get_start_method(allow_none=True),
                            opencv_num_threads=cv2.getNumThreads()))


class StepHook(Hook):
    """Appends each iteration's total loss to ``losses`` and calls ``on_step(done, total)`` after it."""

    priority = "LOWEST"

    def __init__(self, losses: list[float], total: int, on_step: Callable[[int, int], None] | None) -> None:
        self.losses = losses
        self.total = total
        self.on_step = on_step

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.losses.append(float(outputs["loss"]))
        if self.on_step is not None:
            self.on_step(runner.iter + 1, self.total)
