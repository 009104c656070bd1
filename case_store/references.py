"""Case references (MS-YYMM-XXXXXX) and unguessable access tokens."""

from __future__ import annotations

import datetime as dt
import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U
REFERENCE_RE = re.compile(r"^MS-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$")


def new_reference(created_at: dt.date | dt.datetime) -> str:
    tail = "".join(secrets.choice(CROCKFORD) for _ in range(6))
    return f"MS-{created_at:%y%m}-{tail}"


def normalise_reference(text: str) -> str | None:
    """A reference typed by a person (lower case, O for 0, I/L for 1) in canonical form."""
    raw = text.strip().upper().replace("_", "-").replace(" ", "")
    m = re.fullmatch(r"MS-?(\d{4})-?([0-9A-Z]{6})", raw)
    if not m:
        return None
    tail = m.group(2).translate(str.maketrans("OIL", "011"))
    ref = f"MS-{m.group(1)}-{tail}"
    return ref if REFERENCE_RE.match(ref) else None


def new_access_token() -> str:
    """A 192-bit random token for links that grant access without login."""
    return secrets.token_urlsafe(24)
