"""Case references (MS-YYMM-XXXXXX), project references (PJ-YYYY-XXXX) and access tokens."""

from __future__ import annotations

import datetime as dt
import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U
REFERENCE_RE = re.compile(r"^MS-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$")
PROJECT_REFERENCE_RE = re.compile(r"^PJ-\d{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_LOOKALIKES = str.maketrans("OIL", "011")


def _random_tail(length: int) -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(length))


def _typed(text: str) -> str:
    return text.strip().upper().replace("_", "-").replace(" ", "")


def new_reference(created_at: dt.date | dt.datetime) -> str:
    return f"MS-{created_at:%y%m}-{_random_tail(6)}"


def normalise_reference(text: str) -> str | None:
    """A reference typed by a person (lower case, O for 0, I/L for 1) in canonical form."""
    m = re.fullmatch(r"MS-?(\d{4})-?([0-9A-Z]{6})", _typed(text))
    if not m:
        return None
    ref = f"MS-{m.group(1)}-{m.group(2).translate(_LOOKALIKES)}"
    return ref if REFERENCE_RE.match(ref) else None


def new_project_reference(plan_year: int) -> str:
    """PJ-<plan year>-XXXX; 32**4 ≈ 1e6 per year is plenty, the store retries on a collision."""
    if not 1000 <= plan_year <= 9999:
        raise ValueError(f"a plan year has four digits, got {plan_year}")
    return f"PJ-{plan_year:04d}-{_random_tail(4)}"


def normalise_project_reference(text: str) -> str | None:
    """A project reference typed by a person, in canonical form, or None."""
    m = re.fullmatch(r"PJ-?(\d{4})-?([0-9A-Z]{4})", _typed(text))
    if not m:
        return None
    ref = f"PJ-{m.group(1)}-{m.group(2).translate(_LOOKALIKES)}"
    return ref if PROJECT_REFERENCE_RE.match(ref) else None


def new_access_token() -> str:
    """A 192-bit random token for links that grant access without login."""
    return secrets.token_urlsafe(24)
