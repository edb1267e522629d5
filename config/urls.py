"""URLs: the REST API under /api/ (schema /api/schema/, docs /api/docs/), the browser app at /app/."""
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from annotate.spa import browser_app

# The API docs pages set styles inline (their templates and Redoc's styled-components) and Redoc
# searches in a blob: worker; only these two pages get that. Swagger UI's start script is served
# from a URL (the split view), so no page needs an inline script.
DOCS_CSP = {"style-src": [UNSAFE_INLINE]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path(
        "api/redoc/", csp_update({**DOCS_CSP, "worker-src": ["blob:"]})(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("api/", include("annotate.api.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="annotate/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("app/", browser_app, name="browser-app"),
    path("app/<path:route>", browser_app),
    path("", include("annotate.pages")),
]
