"""The hand-over from the pensioner's web page to the phone app.

When the pensioner consents on the web page (``/i/<reference>``), the page shows a QR code
and a deep link ``leveattest://continue?session=<session id>#token=<access token>``: the
app continues that session (the photos and the chip read) instead of starting its own
from the letter. The token travels in the fragment, which no web server ever receives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

SCHEME = "leveattest"
_SESSION = re.compile(r"^[A-Za-z0-9]{8,64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,200}$")


@dataclass(frozen=True)
class Handover:
    session_id: str
    access_token: str


def parse_handover(link: str) -> Handover | None:
    """The session and token in a hand-over link; None for anything else (a letter's URL,
    a link without a token, a malformed value)."""
    parts = urlsplit(link.strip())
    if parts.scheme != SCHEME or parts.netloc != "continue":
        return None
    session = parse_qs(parts.query).get("session", [""])[0]
    token = parse_qs(parts.fragment).get("token", [""])[0]
    if not _SESSION.match(session) or not _TOKEN.match(token):
        return None
    return Handover(session, token)
