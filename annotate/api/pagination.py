"""The API's one list rule: every list answers a page, ``{count, next, previous, results}``, by ``?limit=&offset=``."""
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from annotate.api.serializers import PaginationQuerySerializer, validated_query


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class ListView(APIView):
    """A view whose GET answers a list, one page of it by :func:`paginate`; the schema shows the page."""

    pagination_class = Pagination


def paginate(request, queryset, serializer_class, *, context=None):
    validated_query(PaginationQuerySerializer, request)  # an offset past bigint would crash the query
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request)
    serializer = serializer_class(page, many=True, context={"request": request, **(context or {})})
    return paginator.get_paginated_response(serializer.data)
