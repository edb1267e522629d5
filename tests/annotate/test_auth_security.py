"""Password guessing and stale tokens: lockout (django-axes), throttling (DRF) and expiring API tokens."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle

TOKEN_URL = "/api/auth/token/"
LOCKED_OUT = "Too many failed logins for this account; try again in 15 minutes."


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the cache; start and leave each test with none, for the rest of the suite."""
    cache.clear()
    yield
    cache.clear()


def _wrong_then_right(post, settings) -> list:
    """One more wrong password than the lockout allows, then the right one; answers every response."""
    wrong = [post("pw-wrong") for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
    return wrong + [post("pw-manager")]


def test_token_endpoint_locks_out_after_too_many_wrong_passwords(manager, settings):
    client = APIClient()
    guesses = iter(range(100))
    responses = _wrong_then_right(
        # A made-up X-Forwarded-For on every try must not make each try look like a new client.
        lambda password: client.post(
            TOKEN_URL, {"username": "manager", "password": password}, HTTP_X_FORWARDED_FOR=f"10.9.9.{next(guesses)}"
        ),
        settings,
    )
    assert [r.status_code for r in responses[: settings.AXES_FAILURE_LIMIT - 1]] == [400] * 4
    right_password = responses[-1]
    assert right_password.status_code == 429
    assert right_password.json() == {"error": LOCKED_OUT}
    assert not Token.objects.filter(user=manager).exists()


def test_lockout_is_per_user_name_and_address(manager, annotator, settings):
    client = APIClient()
    _wrong_then_right(lambda password: client.post(TOKEN_URL, {"username": "manager", "password": password}), settings)
    from_elsewhere = client.post(TOKEN_URL, {"username": "manager", "password": "pw-manager"}, REMOTE_ADDR="10.1.2.3")
    assert from_elsewhere.status_code == 200 and from_elsewhere.json()["token"]
    other_user = client.post(TOKEN_URL, {"username": "annotator", "password": "pw-annotator"})
    assert other_user.status_code == 200


def test_behind_a_declared_proxy_lockout_counts_the_forwarded_client(manager, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    _wrong_then_right(
        lambda password: client.post(
            TOKEN_URL, {"username": "manager", "password": password}, HTTP_X_FORWARDED_FOR="203.0.113.5"
        ),
        settings,
    )
    other_client = client.post(
        TOKEN_URL, {"username": "manager", "password": "pw-manager"}, HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other_client.status_code == 200


def test_login_page_locks_out_after_too_many_wrong_passwords(manager, settings):
    client = Client()
    responses = _wrong_then_right(
        lambda password: client.post("/login/", {"username": "manager", "password": password}), settings
    )
    assert responses[0].status_code == 200 and b"Wrong user name or password" in responses[0].content
    locked = responses[-1]
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    assert LOCKED_OUT.encode() in locked.content and b"Login locked" in locked.content
    assert "_auth_user_id" not in client.session
    assert client.get("/api/me/").status_code == 403


def test_a_successful_login_still_works_below_the_limit(manager, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "manager", "password": "pw-wrong"})
    response = client.post("/login/", {"username": "manager", "password": "pw-manager"})
    assert response.status_code == 302 and response["Location"] == "/app/"


def test_expired_token_is_refused_with_how_to_get_a_new_one(manager, settings):
    client = APIClient()
    old_key = client.post(TOKEN_URL, {"username": "manager", "password": "pw-manager"}).json()["token"]
    Token.objects.filter(key=old_key).update(
        created=timezone.now() - timedelta(hours=settings.RAYLABEL_TOKEN_TTL_HOURS, minutes=1)
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    refused = client.get("/api/me/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    assert refused.json()["error"] == (
        "Token expired: API tokens are valid for 168 hours. "
        "Get a new one with POST /api/auth/token/ and your username and password."
    )
    # The token endpoint takes no token, so the stale header does not stand in the way of a new one.
    new_key = client.post(TOKEN_URL, {"username": "manager", "password": "pw-manager"}).json()["token"]
    assert new_key != old_key
    client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert client.get("/api/me/").status_code == 200


def test_a_token_ttl_of_zero_never_expires(manager, settings):
    settings.RAYLABEL_TOKEN_TTL_HOURS = 0
    token = Token.objects.create(user=manager)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=3650))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/me/").status_code == 200


def test_token_endpoint_is_throttled_per_address(db):
    """The configured auth-token rate, then 429, whatever X-Forwarded-For claims; distinct user names,
    so no lockout is involved."""
    allowed, _ = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["auth-token"])
    client = APIClient()
    answers = [
        client.post(TOKEN_URL, {"username": f"guess-{n}", "password": "pw"}, HTTP_X_FORWARDED_FOR=f"10.8.8.{n}")
        for n in range(allowed + 1)
    ]
    assert {r.status_code for r in answers[:allowed]} == {400}
    throttled = answers[-1]
    assert throttled.status_code == 429
    assert throttled.json()["error"].startswith("Request was throttled.")


def test_api_requests_are_throttled_per_user(manager, annotator, monkeypatch):
    """The user rate from the settings applies to every API view; lowered here to keep the test short."""
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "3/min")
    busy, other = APIClient(), APIClient()
    busy.force_authenticate(manager)
    other.force_authenticate(annotator)
    assert [busy.get("/api/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert busy.get("/api/me/").json()["error"].startswith("Request was throttled.")
    assert other.get("/api/me/").status_code == 200
