"""The Docker setup (docker/): every queue a job can be sent to has a worker in compose.yaml, workers that
train nerfstudio presets run the CUDA image on a GPU, and that image installs requirements-gpu.txt on the
base image's CUDA torch, never on requirements.txt's CPU wheel. Docker itself is not needed: the files are
read, and the CUDA image's constraint command is run here against this interpreter's packages."""
import os
import re
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import yaml
from django.conf import settings

from annotate.services.training import PRESET_CATALOG

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker" / "compose.yaml"
GPU_DOCKERFILE = ROOT / "docker" / "Dockerfile.gpu"
#: Training backends that come from nerfstudio, which requirements-gpu.txt installs.
NERFSTUDIO_BACKENDS = {"nerfacto"}
#: The packages the CUDA base image provides and the install must keep.
BASE_IMAGE_PACKAGES = ("torch", "torchvision")


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _consumed_queues(service: dict) -> set[str]:
    """The queues a compose service's Celery worker consumes: its ``-Q``, or the default queue without one."""
    command = service.get("command", "")
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if "worker" not in words:
        return set()
    for flag, value in zip(words, words[1:]):
        if flag in ("-Q", "--queues"):
            return set(value.split(","))
    return {settings.CELERY_TASK_DEFAULT_QUEUE}


def _queues_jobs_are_sent_to() -> set[str]:
    """Each training preset's queue, the route of every task in ``annotate.tasks``, and the default queue."""
    import annotate.tasks  # noqa: F401 - registers the tasks
    from config.celery import app

    routed = {app.amqp.router.route({}, name)["queue"].name for name in app.tasks if name.startswith("annotate.")}
    return {entry["queue"] for entry in PRESET_CATALOG.values()} | routed | {settings.CELERY_TASK_DEFAULT_QUEUE}


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, with continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending.strip())
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def _run_steps(dockerfile: Path) -> list[str]:
    """The shell commands of every RUN, split at ``&&``."""
    return [step.strip() for kind, args in _instructions(dockerfile) if kind == "RUN" for step in args.split("&&")]


def _pip_installs(dockerfile: Path) -> list[list[str]]:
    """The arguments after ``pip install`` of each install step."""
    installs = []
    for step in _run_steps(dockerfile):
        words = shlex.split(step)
        if words[:2] == ["pip", "install"] or words[1:4] == ["-m", "pip", "install"]:
            installs.append(words[words.index("install") + 1:])
    return installs


def _option_values(arguments: list[str], *flags: str) -> list[str]:
    return [value for flag, value in zip(arguments, arguments[1:]) if flag in flags]


def _dockerfile_of(service: dict) -> Path:
    build = service["build"]
    return (COMPOSE.parent / build["context"] / build.get("dockerfile", "Dockerfile")).resolve()


def test_every_queue_a_job_can_be_sent_to_has_a_compose_worker():
    consumed = set().union(*(_consumed_queues(service) for service in _services().values()))
    unconsumed = _queues_jobs_are_sent_to() - consumed
    assert not unconsumed, (
        f"jobs sent to {sorted(unconsumed)} would wait forever: no worker in compose.yaml consumes them"
    )


def test_workers_that_train_nerfstudio_presets_run_the_cuda_image_on_a_gpu():
    queues = {entry["queue"] for entry in PRESET_CATALOG.values() if entry["backend"] in NERFSTUDIO_BACKENDS}
    workers = {name: service for name, service in _services().items() if _consumed_queues(service) & queues}
    assert workers, f"no compose worker consumes {sorted(queues)}, the queues of the nerfstudio presets"
    for name, service in workers.items():
        dockerfile = _dockerfile_of(service)
        installed = [_option_values(args, "-r", "--requirement") for args in _pip_installs(dockerfile)]
        assert any("requirements-gpu.txt" in files for files in installed), (
            f"{name} trains nerfstudio presets but {dockerfile.name} does not install requirements-gpu.txt"
        )
        devices = service["deploy"]["resources"]["reservations"]["devices"]
        assert any("gpu" in device["capabilities"] for device in devices), f"{name} reserves no GPU"


def test_the_cuda_base_image_carries_the_torch_version_requirements_pin():
    """The install is constrained to the base's torch: a base of another version would fail the build."""
    pins = dict(re.findall(r"^([\w.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE))
    base = next(args for kind, args in _instructions(GPU_DOCKERFILE) if kind == "FROM")
    match = re.fullmatch(r"pytorch/pytorch:(?P<torch>[\d.]+)-cuda[\d.]+-cudnn\d+-(runtime|devel)", base)
    assert match, f"{base!r} is not a CUDA build of pytorch/pytorch"
    assert match["torch"] == pins["torch"], (
        f"the CUDA image has torch {match['torch']}, requirements.txt pins {pins['torch']}"
    )


def test_the_cuda_image_installs_requirements_gpu_constrained_to_the_base_images_torch(tmp_path):
    installs = [args for args in _pip_installs(GPU_DOCKERFILE) if _option_values(args, "-r", "--requirement")]
    assert installs, "Dockerfile.gpu installs no requirements file"
    for args in installs:
        assert not _option_values(args, "-f", "--find-links"), f"pip install {shlex.join(args)} may take the CPU wheel"
        assert not {"-U", "--upgrade", "--force-reinstall", "--ignore-installed", "-I"} & set(args), (
            f"pip install {shlex.join(args)} may replace the base image's torch"
        )
        constraint_files = _option_values(args, "-c", "--constraint")
        assert constraint_files, f"pip install {shlex.join(args)} is not constrained to the base image's torch"
        for constraint_file in constraint_files:
            writer = next(step for step in _run_steps(GPU_DOCKERFILE) if step.endswith(f"> {constraint_file}"))
            # The image's own command, run against this interpreter's packages as it runs against the base's.
            environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
            subprocess.run(["sh", "-c", writer], cwd=tmp_path, env=environment, check=True, timeout=120)
            written = sorted((tmp_path / constraint_file).read_text().split())
            installed = sorted(f"{name}=={version(name)}" for name in BASE_IMAGE_PACKAGES)
            assert written == installed, f"`{writer}` pins {written}, not the installed {installed}"
