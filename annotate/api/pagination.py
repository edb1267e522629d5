"""Limit/offset pagination for plain APIViews."""
from rest_framework.pagination import LimitOffsetPagination

from annotate.api.serializers import PaginationQuerySerializer, validated_query


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


def paginate(request, queryset, serializer_class, *, context=None):
    validated_query(PaginationQuerySerializer, request)  # an offset past bigint would crash the query
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request)
    serializer = serializer_class(page, many=True, context={"request": request, **(context or {})})
    return paginator.get_paginated_response(serializer.data)
