"""The Celery app. Tasks live in each app's ``tasks.py``; queues are ``cpu`` and ``gpu``."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("raylabel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
