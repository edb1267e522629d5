from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from annotate.api import views

app_name = "api"

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:project_id>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path(
        "projects/<int:project_id>/members/<str:username>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path("projects/<int:project_id>/classes/", views.LabelClassListView.as_view(), name="class-list"),
    path(
        "projects/<int:project_id>/classes/<int:class_pk>/",
        views.LabelClassDetailView.as_view(),
        name="class-detail",
    ),
    path("projects/<int:project_id>/captures/", views.CaptureListView.as_view(), name="capture-list"),
    path("projects/<int:project_id>/jobs/", views.JobListView.as_view(), name="job-list"),
    path("captures/<int:capture_id>/", views.CaptureDetailView.as_view(), name="capture-detail"),
    path("captures/<int:capture_id>/ingest/", views.CaptureIngestView.as_view(), name="capture-ingest"),
    path("captures/<int:capture_id>/frames/", views.FrameListView.as_view(), name="frame-list"),
    path("frames/<int:frame_id>/", views.FrameDetailView.as_view(), name="frame-detail"),
    path("frames/<int:frame_id>/image/", views.FrameImageView.as_view(), name="frame-image"),
    path("frames/<int:frame_id>/thumbnail/", views.FrameThumbnailView.as_view(), name="frame-thumbnail"),
    path("jobs/<int:job_id>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/cancel/", views.JobCancelView.as_view(), name="job-cancel"),
    path("jobs/<int:job_id>/download/", views.JobDownloadView.as_view(), name="job-download"),
]
