"""An annotator's tasks: the batches they are assigned to, across their projects, with how far each has got."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from annotate import selectors
from annotate.api.pagination import ListView, paginate
from annotate.api.serializers import PaginationQuerySerializer
from annotate.models import Batch


class TaskSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name")
    total = serializers.IntegerField(help_text="Frames in the batch.")
    done = serializers.IntegerField(help_text="Frames of the batch reviewed by anyone.")

    class Meta:
        model = Batch
        fields = ["id", "name", "project", "project_name", "created_at", "total", "done"]
        read_only_fields = fields


class MyTasksView(ListView):
    @extend_schema(parameters=[PaginationQuerySerializer], responses=TaskSerializer(many=True))
    def get(self, request):
        return paginate(request, selectors.tasks_of(request.user), TaskSerializer)
