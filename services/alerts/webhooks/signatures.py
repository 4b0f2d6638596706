"""The Standard Webhooks scheme (https://www.standardwebhooks.com), inbound and outbound.

Signatures are computed by the maintained ``standardwebhooks`` package (``Webhook.sign``: HMAC-SHA256 of
``<id>.<timestamp>.<body>`` under the secret). Its ``verify`` is not used for inbound messages because it
compares the timestamp with the machine's wall clock and a fixed five minutes: here the window is the
service clock's (the one every deadline runs on, which tests can set) and configurable. Receivers of our
outbound messages verify them with the package's ``verify`` as it is.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class SignatureRefused(ValueError):
    """Why a message's signature or timestamp is not accepted."""


def sign(secret: str, *, message_id: str, timestamp: datetime, body: str) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) of ``body``."""
    return Webhook(secret).sign(message_id, timestamp.astimezone(timezone.utc), body)


def signed_headers(secret: str, *, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    return {HEADER_ID: message_id, HEADER_TIMESTAMP: str(int(timestamp.timestamp())),
            HEADER_SIGNATURE: sign(secret, message_id=message_id, timestamp=timestamp, body=body)}


def message_time(value: str | None, *, now: datetime, tolerance_seconds: int) -> datetime:
    """The message's timestamp, refused when missing, unreadable or outside the window around ``now``."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 12:
        raise SignatureRefused("webhook-timestamp must be whole seconds since 1970")
    moment = datetime.fromtimestamp(int(value), tz=timezone.utc)
    if abs((now - moment).total_seconds()) > tolerance_seconds:
        raise SignatureRefused(f"webhook-timestamp is more than {tolerance_seconds} seconds from the server's time")
    return moment


def verify(secrets: list[str], *, message_id: str, moment: datetime, signature_header: str | None,
           body: str) -> None:
    """Accept when one ``v1`` signature of the header matches the body under one of ``secrets``."""
    if not signature_header:
        raise SignatureRefused("webhook-signature is missing")
    offered = []
    for part in signature_header.split(" ")[:10]:
        version, _, value = part.partition(",")
        if version != "v1":
            continue
        try:
            offered.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    for secret in secrets:
        expected = base64.b64decode(sign(secret, message_id=message_id, timestamp=moment, body=body).split(",", 1)[1])
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return
    raise SignatureRefused("no webhook-signature matches the message under the department's secrets")
