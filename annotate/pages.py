"""Server-rendered pages: login, projects, a capture's frames, and a simple upload form.

They read through the same selectors as the API and post uploads to the same service.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path

from annotate import selectors
from annotate.errors import UserFacingError
from annotate.services import captures as capture_services
from annotate.uploads import limits_uploads


@login_required
def project_list(request):
    return render(request, "annotate/project_list.html", {"projects": selectors.projects_for(request.user)})


@limits_uploads("RAYLABEL_MAX_UPLOAD_BYTES")
@login_required
def project_detail(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    if request.method == "POST" and request.FILES.get("file"):
        try:
            capture, _ = capture_services.create_capture(
                project=project, user=request.user, name=request.POST.get("name", ""),
                archive=request.FILES["file"],
            )
        except UserFacingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Uploaded {capture.name}; ingest started.")
        return redirect("project-detail", project_id=project.pk)
    context = {
        "project": project,
        "role": selectors.role_in(project, request.user),
        "captures": project.captures.annotate(frame_count=Count("frames")),
        "members": project.memberships.select_related("user"),
        "classes": project.label_classes.all(),
        "jobs": project.jobs.all()[:10],
    }
    return render(request, "annotate/project_detail.html", context)


@login_required
def capture_detail(request, capture_id: int):
    capture = selectors.capture_for(request.user, capture_id)
    frames = selectors.frames_of(capture)
    return render(request, "annotate/capture_detail.html", {"capture": capture, "frames": frames})


urlpatterns = [
    path("", project_list, name="project-list"),
    path("projects/<int:project_id>/", project_detail, name="project-detail"),
    path("captures/<int:capture_id>/", capture_detail, name="capture-detail"),
]
