"""Serves the browser app (``frontend/dist``, built by ``make``) at ``/app/`` for every client-side route."""
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

APP_INDEX = Path(settings.BASE_DIR) / "frontend" / "dist" / "index.html"


@login_required
@ensure_csrf_cookie
def browser_app(request, route: str = ""):
    if not APP_INDEX.is_file():
        return HttpResponse(
            "The browser app is not built yet: run `make frontend` (or `make demo`).",
            status=503, content_type="text/plain",
        )
    return HttpResponse(APP_INDEX.read_text(), content_type="text/html")
