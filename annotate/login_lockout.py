"""What a client locked out by django-axes is told, on the login page and in the API.

django-axes counts failed logins per user name and IP address (settings ``AXES_*``, from
``RAYLABEL_LOGIN_FAILURE_LIMIT`` and ``RAYLABEL_LOGIN_COOLOFF_MINUTES``); at the limit, every login for
that pair is refused, right password or not, until the cool-off has passed since the last failure.
"""
import math

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from annotate.errors import UserFacingError

LOCKED_OUT_STATUS = 429


class LoginLockedOut(UserFacingError):
    status_code = LOCKED_OUT_STATUS


def minutes_until_unlocked(request, credentials: dict | None) -> int:
    """Whole minutes (at least 1) until the cool-off after the last counted failure has passed."""
    cool_off = get_cool_off(request)
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or get_client_ip_address(request),
    ).aggregate(last=Max("attempt_time"))["last"]
    remaining = cool_off if last_failure is None else last_failure + cool_off - timezone.now()
    return max(1, math.ceil(remaining.total_seconds() / 60))


def lockout_message(request, credentials: dict | None) -> str:
    minutes = minutes_until_unlocked(request, credentials)
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed logins for this account; try again in {minutes} {unit}."


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: a readable page for /login/ and /admin/, JSON for the API."""
    message = lockout_message(request, credentials)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message}, status=LOCKED_OUT_STATUS)
    return render(request, "annotate/locked_out.html", {"message": message}, status=LOCKED_OUT_STATUS)
