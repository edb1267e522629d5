"""POST /api/auth/token/: a user name and password for an API token, guarded against password guessing.

Three guards: a low per-IP rate (scope ``auth-token``), django-axes' lockout of a user name + IP after
repeated failures (the serializer calls ``authenticate(request=...)``, so axes sees every try), and
tokens that expire (an expired token is replaced by a new one here).
"""
from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from annotate.api.authentication import current_token_for
from annotate.api.serializers import TokenSerializer
from annotate.login_lockout import LoginLockedOut, lockout_message


class ObtainTokenView(ObtainAuthToken):
    # No authentication: a client holding an expired token must still reach this endpoint.
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth-token"

    @extend_schema(request=AuthTokenSerializer, responses=TokenSerializer)
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes marks the DRF request it was given, not the Django request its middleware sees.
            if getattr(request, "axes_locked_out", False):
                credentials = request.data if isinstance(request.data, Mapping) else {}
                raise LoginLockedOut(lockout_message(request, {"username": credentials.get("username")}))
            raise ValidationError(serializer.errors)
        return Response(TokenSerializer({"token": current_token_for(serializer.validated_data["user"]).key}).data)
