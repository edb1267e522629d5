"""The client's IP address for lockouts, counted the way DRF's throttles count it.

``X-Forwarded-For`` is written by the client unless a proxy overwrites it, so it is trusted only for
the ``RAYLABEL_NUM_PROXIES`` proxies the operator declares (DRF's ``NUM_PROXIES``); otherwise an
attacker could send a fresh address with every guess and never be locked out.
"""
from rest_framework.settings import api_settings


def client_ip_address(request) -> str:
    """REMOTE_ADDR, or behind n trusted proxies the address the outermost one saw (n-th from the
    right in X-Forwarded-For). django-axes' AXES_CLIENT_IP_CALLABLE."""
    proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return request.META.get("REMOTE_ADDR", "")
    addresses = forwarded.split(",")
    return addresses[-min(proxies, len(addresses))].strip()
