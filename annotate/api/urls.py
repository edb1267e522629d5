from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from annotate.api import queue_views, scene_views, views

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
    path("nerf-backends/", scene_views.NerfBackendsView.as_view(), name="nerf-backends"),
    path("captures/<int:capture_id>/train/", scene_views.TrainView.as_view(), name="capture-train"),
    path("captures/<int:capture_id>/fields/", scene_views.FieldListView.as_view(), name="field-list"),
    path("fields/<int:field_id>/preview/", scene_views.FieldPreviewView.as_view(), name="field-preview"),
    path("fields/<int:field_id>/cameras/", scene_views.FieldCamerasView.as_view(), name="field-cameras"),
    path("captures/<int:capture_id>/objects/", scene_views.ObjectListView.as_view(), name="object-list"),
    path("objects/<int:object_id>/", scene_views.ObjectDetailView.as_view(), name="object-detail"),
    path("objects/<int:object_id>/mesh/", scene_views.ObjectMeshView.as_view(), name="object-mesh"),
    path("objects/<int:object_id>/refine/", scene_views.ObjectRefineView.as_view(), name="object-refine"),
    path("captures/<int:capture_id>/render/", scene_views.RenderLabelsView.as_view(), name="capture-render"),
    path("frames/<int:frame_id>/labels/", scene_views.FrameLabelsView.as_view(), name="frame-labels"),
    path("frames/<int:frame_id>/review/", queue_views.FrameReviewView.as_view(), name="frame-review"),
    path("projects/<int:project_id>/batches/", queue_views.BatchListView.as_view(), name="batch-list"),
    path("batches/<int:batch_id>/", queue_views.BatchDetailView.as_view(), name="batch-detail"),
    path("batches/<int:batch_id>/assign/", queue_views.BatchAssignView.as_view(), name="batch-assign"),
    path("batches/<int:batch_id>/next/", queue_views.BatchNextFrameView.as_view(), name="batch-next"),
    path("projects/<int:project_id>/al-rounds/", queue_views.RoundListView.as_view(), name="round-list"),
    path("al-rounds/<int:round_id>/", queue_views.RoundDetailView.as_view(), name="round-detail"),
    path("export-formats/", queue_views.ExportFormatsView.as_view(), name="export-formats"),
    path("projects/<int:project_id>/exports/", queue_views.ExportListView.as_view(), name="export-list"),
    path("projects/<int:project_id>/coco-check/", queue_views.CocoCheckView.as_view(), name="coco-check"),
    path(
        "frames/<int:frame_id>/overlay/<str:layer>/",
        scene_views.FrameOverlayView.as_view(),
        name="frame-overlay",
    ),
]
