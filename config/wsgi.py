import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import the URLconf and every view now, when the worker boots, not inside the first request it
# serves: that costs about 0.25 s on 2 cores, and a burst of users arriving at a fresh worker queues
# behind it (it dominated the p95 of bench/bench_annotators.py).
get_resolver().url_patterns
