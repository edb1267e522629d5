"""Errors the platform shows to users as they are: their message says what is wrong."""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nerf_labeling.errors import InputError


class UserFacingError(Exception):
    """An error caused by the request or its data; ``str(error)`` is shown to the user."""

    status_code = 400


#: What the platform shows as it is: its own errors and the libraries' input errors (which cannot
#: derive from :class:`UserFacingError`, as the libraries import no Django); both answer 400 unless
#: they carry their own ``status_code``.
USER_FACING_ERRORS = (UserFacingError, InputError)


class PermissionDeniedError(UserFacingError, PermissionDenied):
    status_code = 403


class NotFoundError(UserFacingError, Http404):
    status_code = 404


class ConflictError(UserFacingError):
    """The request collides with current state (a running job, a newer object version)."""

    status_code = 409

    def __init__(self, message: str, *, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class ServiceUnavailableError(UserFacingError):
    """A service the platform needs (the task queue) cannot be reached; trying again later may work."""

    status_code = 503


class JobCancelled(Exception):
    """Raised inside a running job when a user asked to cancel it."""


class JobNoLongerOwned(Exception):
    """Raised inside a running job whose row was failed, cancelled or taken over by a newer attempt.

    The worker must stop and write nothing more: the row already tells the user what happened.
    """
