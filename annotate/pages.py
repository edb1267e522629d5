"""The server's own addresses for projects and captures, kept for old links and bookmarks.

The browser app at /app/ is the one app; these answer a permanent redirect to its page for the same thing.
"""
from django.http import HttpResponsePermanentRedirect
from django.urls import path


def _to_app(route: str):
    def redirect_into_the_app(request, **ids):
        return HttpResponsePermanentRedirect("/app" + route.format(**ids))
    return redirect_into_the_app


urlpatterns = [
    path("", _to_app("/")),
    path("projects/<int:project_id>/", _to_app("/projects/{project_id}")),
    path("captures/<int:capture_id>/", _to_app("/captures/{capture_id}/review")),
]
