"""The HTTP contract has one source, /api/schema/: real response components, one list rule, documented errors.

The schema is generated in-process from the views' serializers; the list rule is also checked on the
answers themselves, so a view that declares a page but answers a bare array fails here.
"""
import pytest
from drf_spectacular.generators import SchemaGenerator

from annotate.api.serializers import RoundSerializer, SceneObjectSerializer
from annotate.models import ActiveLearningRound, LabelClass, SceneObject
from annotate.services.active_learning import round_payload
from annotate.services.scene_objects import object_payload

PAGE_FIELDS = {"count", "next", "previous", "results"}
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def _json_schema(response: dict) -> dict | None:
    return response.get("content", {}).get("application/json", {}).get("schema")


def _component(schema: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


def test_no_component_is_a_stub_that_documents_only_its_id(schema):
    objects = {
        name: component for name, component in schema["components"]["schemas"].items()
        if component.get("type") == "object"
    }
    stubs = sorted(name for name, component in objects.items() if set(component.get("properties", {})) <= {"id"})
    assert objects and not stubs, f"components that document only their id: {stubs}"


def test_every_list_answer_is_a_page_with_declared_limit_and_offset(schema):
    lists, bare = [], []
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            body = _json_schema(response)
            if body is None:
                continue
            if body.get("type") == "array":
                bare.append(f"{method} {path} {code}")
            elif PAGE_FIELDS <= set(_component(schema, body).get("properties", {})):
                lists.append(f"{method} {path}")
                queries = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                assert {"limit", "offset"} <= queries, f"{method} {path} pages without declaring limit/offset"
    assert not bare, f"bare arrays instead of pages: {bare}"
    assert len(lists) >= 12, lists


def test_every_operation_documents_its_errors_with_the_one_error_body(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401", "403", "429"} | ({"404"} if "{" in path else set())
        if method in {"POST", "PATCH", "DELETE"} or any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected |= {"400"}
        if method in {"POST", "PATCH", "DELETE"}:
            expected |= {"409"}
        assert expected <= set(responses), f"{method} {path} leaves {sorted(expected - set(responses))} undocumented"
        for code in expected:
            assert _json_schema(responses[code]) == {"$ref": ERROR_REF}, f"{method} {path} {code}"


def _place_a_box(capture, user) -> SceneObject:
    label_class = LabelClass.objects.create(project=capture.project, name="mug", class_id=1)
    return SceneObject.objects.create(
        capture=capture, instance_id=1, kind="box", label_class=label_class, object_to_world=[
            [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], size=[1, 1, 1], updated_by=user,
    )


def test_serializers_of_service_shaped_answers_declare_every_key_the_service_gives(capture, manager):
    obj = _place_a_box(capture, manager)
    assert SceneObjectSerializer(obj).data == object_payload(obj)
    al_round = ActiveLearningRound.objects.create(
        project=capture.project, requested_method="auto", method="random", reason="few labels", batch_size=2)
    assert set(RoundSerializer(al_round).data) == set(round_payload(al_round))


def test_every_list_endpoint_answers_a_page(schema, project, capture, manager, manager_api):
    _place_a_box(capture, manager)
    ids = {"project_id": project.pk, "capture_id": capture.pk}
    pages = [
        path for path, method, operation in _operations(schema)
        if method == "GET" and (body := _json_schema(operation["responses"].get("200", {}))) is not None
        and PAGE_FIELDS <= set(_component(schema, body).get("properties", {}))
    ]
    for path in pages:
        response = manager_api.get(path.format(**ids), {"limit": 1})
        assert response.status_code == 200, (path, response.json())
        page = response.json()
        assert set(page) == PAGE_FIELDS and isinstance(page["results"], list), path
        assert len(page["results"]) <= 1 and page["count"] >= len(page["results"]), path
    assert "/api/captures/{capture_id}/objects/" in pages and "/api/projects/{project_id}/members/" in pages


def test_an_api_url_that_names_no_endpoint_answers_the_error_body(manager_api):
    response = manager_api.get("/api/al-rounds/null,null/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"error": "No API endpoint at /api/al-rounds/null,null/; /api/schema/ lists them."}
