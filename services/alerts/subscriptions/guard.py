"""No server-side request forgery: a subscriber URL must not lead to a private or loopback address.

A URL whose host resolves to a loopback, private, link-local, reserved, multicast or unspecified
address is refused unless its host is listed in ``FANGFAN_ALERTS_SUBSCRIBER_ALLOWED_HOSTS`` or
``FANGFAN_ALERTS_SUBSCRIBER_ALLOW_PRIVATE_ADDRESSES`` is true. It is checked when the subscription is
made and again before every delivery (an address may change), and deliveries never follow redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from services.alerts.settings import AlertsSettings


class UnsafeAddress(ValueError):
    """Why a subscriber URL may not be called."""


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified)


async def check_url(url: str, settings: AlertsSettings) -> None:
    """Raise :class:`UnsafeAddress` unless ``url`` may be called from this service."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress("the URL must be http or https with a host")
    if parts.username or parts.password:
        raise UnsafeAddress("the URL may not carry a user name or password")
    host = parts.hostname.lower()
    if settings.subscriber_allow_private_addresses or host in {h.lower() for h in settings.subscriber_allowed_hosts}:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(f"the host {host} does not resolve") from exc
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if _forbidden(address):
            raise UnsafeAddress(f"the host {host} resolves to {address}, a private or loopback address; allow the "
                                "host in FANGFAN_ALERTS_SUBSCRIBER_ALLOWED_HOSTS if it is meant")
