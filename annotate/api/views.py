"""REST endpoints for projects, members, classes, captures, frames and jobs.

Views parse the request, ask ``selectors`` (reads, with permission checks) and ``services`` (writes),
and shape the response; nothing else. Long work answers 202 with the job; the same job again, 409.
"""
from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api import serializers as s
from annotate.api.files import file_response
from annotate.api.pagination import ListView, paginate
from annotate.errors import NotFoundError
from annotate.models import Membership, Review
from annotate.services import captures as capture_services
from annotate.services import exports as export_services
from annotate.services import jobs as job_services
from annotate.services import projects as project_services


def _roles(user) -> dict[int, str]:
    return dict(Membership.objects.filter(user=user).values_list("project_id", "role"))


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        user = request.user
        return Response(s.MeSerializer({"id": user.pk, "username": user.username, "projects": _roles(user)}).data)


class ProjectListView(ListView):
    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.ProjectSerializer(many=True))
    def get(self, request):
        projects = selectors.projects_for(request.user)
        return paginate(request, projects, s.ProjectSerializer, context={"roles": _roles(request.user)})

    @extend_schema(request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer})
    def post(self, request):
        body = s.ProjectCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = project_services.create_project(user=request.user, **body.validated_data)
        data = s.ProjectSerializer(project, context={"roles": _roles(request.user)}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(responses=s.ProjectSerializer)
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        return Response(s.ProjectSerializer(project, context={"roles": _roles(request.user)}).data)


class MemberListView(ListView):
    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.MembershipSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        members = project.memberships.select_related("user").order_by("user__username")
        return paginate(request, members, s.MembershipSerializer)

    @extend_schema(request=s.MembershipSerializer, responses={201: s.MembershipSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        body = s.MembershipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = project_services.set_membership(
            project=project, username=body.validated_data["user"]["username"],
            role=body.validated_data["role"],
        )
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, project_id: int, username: str):
        project = selectors.project_for(request.user, project_id, manager=True)
        project_services.remove_member(project=project, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelClassListView(ListView):
    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.LabelClassSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        return paginate(request, project.label_classes.all(), s.LabelClassSerializer)

    @extend_schema(request=s.LabelClassSerializer, responses={201: s.LabelClassSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        body = s.LabelClassSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        label_class = project_services.create_label_class(project=project, **body.validated_data)
        return Response(s.LabelClassSerializer(label_class).data, status=status.HTTP_201_CREATED)


class LabelClassDetailView(APIView):
    @extend_schema(request=s.LabelClassSerializer, responses=s.LabelClassSerializer)
    def patch(self, request, project_id: int, class_pk: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        label_class = project.label_classes.filter(pk=class_pk).first()
        if label_class is None:
            raise NotFoundError(f"Label class {class_pk} not found in this project.")
        body = s.LabelClassSerializer(label_class, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        label_class = project_services.update_label_class(label_class=label_class, **body.validated_data)
        return Response(s.LabelClassSerializer(label_class).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id: int, class_pk: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        label_class = project.label_classes.filter(pk=class_pk).first()
        if label_class is None:
            raise NotFoundError(f"Label class {class_pk} not found in this project.")
        project_services.delete_label_class(label_class=label_class)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaptureListView(ListView):
    parser_classes = [MultiPartParser, FormParser]
    upload_limit_setting = "RAYLABEL_MAX_UPLOAD_BYTES"  # enforced while the body streams (annotate/uploads.py)

    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.CaptureSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        captures = project.captures.annotate(frame_count=Count("frames"))
        return paginate(request, captures, s.CaptureSerializer)

    @extend_schema(
        request=s.CaptureUploadSerializer,
        responses={202: s.CaptureUploadResponseSerializer},
    )
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        body = s.CaptureUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        capture, job = capture_services.create_capture(
            project=project, user=request.user, name=body.validated_data["name"],
            archive=body.validated_data["file"],
        )
        return Response(
            s.CaptureUploadResponseSerializer({"capture": capture, "job": job}).data, status=status.HTTP_202_ACCEPTED
        )


class CaptureDetailView(APIView):
    @extend_schema(responses=s.CaptureSerializer)
    def get(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        capture.frame_count = capture.frames.count()
        return Response(s.CaptureSerializer(capture).data)

    @extend_schema(responses={204: None})
    def delete(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id, manager=True)
        capture_services.delete_capture(capture=capture)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaptureIngestView(APIView):
    @extend_schema(request=None, responses={202: s.JobSerializer})
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id, manager=True)
        job = capture_services.restart_ingest(capture=capture, user=request.user)
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FrameListView(ListView):
    @extend_schema(
        parameters=[s.FrameListQuerySerializer, s.PaginationQuerySerializer], responses=s.FrameSerializer(many=True)
    )
    def get(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        query = s.validated_query(s.FrameListQuerySerializer, request)
        frames = selectors.frames_of(capture, review_status=query.get("review_status"))
        if (batch := query.get("batch")) is not None:
            frames = frames.filter(batch_items__batch_id=batch)
        if (max_confidence := query.get("max_confidence")) is not None:
            frames = frames.filter(labels__confidence__lt=max_confidence)
        frames = frames.select_related("labels").prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")))  # each frame's latest_review
        return paginate(request, frames, s.FrameSerializer)


class FrameDetailView(APIView):
    @extend_schema(responses=s.FrameSerializer)
    def get(self, request, frame_id: int):
        return Response(s.FrameSerializer(selectors.frame_for(request.user, frame_id)).data)


class FrameImageView(APIView):
    @extend_schema(responses={(200, "image/*"): bytes})
    def get(self, request, frame_id: int):
        return file_response(selectors.frame_for(request.user, frame_id).image)


class FrameThumbnailView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request, frame_id: int):
        return file_response(selectors.frame_for(request.user, frame_id).thumbnail)


class JobListView(ListView):
    @extend_schema(
        parameters=[s.JobListQuerySerializer, s.PaginationQuerySerializer], responses=s.JobSerializer(many=True)
    )
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        query = s.validated_query(s.JobListQuerySerializer, request)
        job_services.expire_stale_jobs()
        jobs = project.jobs.select_related("created_by")
        if kind := query.get("kind"):
            jobs = jobs.filter(kind=kind)
        return paginate(request, jobs, s.JobSerializer)


class JobDetailView(APIView):
    @extend_schema(responses=s.JobSerializer)
    def get(self, request, job_id: int):
        job_services.expire_stale_jobs()
        return Response(s.JobSerializer(selectors.job_for(request.user, job_id)).data)


class JobCancelView(APIView):
    @extend_schema(request=None, responses={202: s.JobSerializer})
    def post(self, request, job_id: int):
        job = job_services.cancel_job(job=selectors.job_to_cancel(request.user, job_id))
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobDownloadView(APIView):
    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request, job_id: int):
        job = selectors.job_for(request.user, job_id)
        if not job.artifact:
            raise NotFoundError(f"Job {job_id} has no file to download ({job.status}).")
        return file_response(job.artifact, filename=export_services.export_download_name(job))
