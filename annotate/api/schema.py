"""The OpenAPI schema's error answers, declared once for every operation instead of per view.

Which 4xx (and 503) an operation can answer follows from what it is, so it is derived here:

- every operation: 401 (no or expired credentials), 403 (a role that may not), 429 (throttled);
- an operation with a path parameter: 404 (no such row, or not in a project you belong to);
- an operation with a query parameter, and every write (POST, PUT, PATCH, DELETE): 400 (a malformed or
  out-of-range value, or a write the server refuses, such as removing a project's last manager);
- a write: 409 (a conflict: a stale version, a job already running, a lock);
- a write with a body: 413 (over the body or upload limit);
- an operation that starts a job (answers 202): 503 (the task queue is unreachable).

Each carries the one error body, :class:`~annotate.api.serializers.ErrorSerializer`.
"""
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from annotate.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "A query parameter or body field is malformed or out of range, or the server refuses the write; "
           "`error` says which and why.",
    "401": "No credentials, or an expired token.",
    "403": "Your role may not do this; `error` says who may.",
    "404": "No such row, or it is in a project you are not a member of.",
    "409": "A conflict: a stale version, a job already running, a frame locked to someone else; see `current`.",
    "413": "The body is over its limit; `error` names the limit.",
    "429": "Too many requests (or failed logins); `error` says when to try again.",
    "503": "The task queue is unreachable; the job is marked failed and may be started again.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorDocumentingAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes(responses):
            responses.setdefault(code, self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code, ["application/json"],
                direction,
            ))
        return responses

    def _error_codes(self, responses) -> list[str]:
        codes = ["401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        has_body = self.method in {"POST", "PUT", "PATCH"} and self._get_request_body() is not None
        if self.method in WRITE_METHODS:
            codes += ["400", "409"]
        elif self._declared_query_parameters():
            codes.append("400")
        if has_body:
            codes.append("413")
        if "202" in responses:
            codes.append("503")
        return codes

    def _declared_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())
