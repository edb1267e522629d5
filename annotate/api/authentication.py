"""API tokens that expire: a stolen or forgotten token stops working after RAYLABEL_TOKEN_TTL_HOURS.

DRF's tokens live forever; here a token older than the TTL is refused with a 401 that says how to get
a new one, and ``current_token_for`` replaces an expired token when its owner logs in again.
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException


class TokenExpired(APIException):
    """401 with ``WWW-Authenticate: Token``; not an AuthenticationFailed, which DRF would turn into a
    403 because session authentication (which has no challenge header) comes first in the settings."""

    status_code = status.HTTP_401_UNAUTHORIZED
    auth_header = "Token"


def token_has_expired(token: Token) -> bool:
    ttl_hours = settings.RAYLABEL_TOKEN_TTL_HOURS
    return ttl_hours > 0 and token.created < timezone.now() - timedelta(hours=ttl_hours)


def current_token_for(user) -> Token:
    """The user's token, or a new one where there was none or it had expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_has_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is older than RAYLABEL_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_has_expired(token):
            raise TokenExpired(
                f"Token expired: API tokens are valid for {settings.RAYLABEL_TOKEN_TTL_HOURS} hours. "
                "Get a new one with POST /api/auth/token/ and your username and password."
            )
        return user, token
