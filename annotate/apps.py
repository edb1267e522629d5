from django.apps import AppConfig


class AnnotateConfig(AppConfig):
    name = "annotate"
    verbose_name = "Raylabel annotation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place that loads the tasks: each registers itself as the task of its kind of job
        # (annotate.services.jobs.JOB_TASKS), which the services start jobs by. Models exist only now.
        from annotate import tasks  # noqa: F401
