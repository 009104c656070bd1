"""Cases made the way a resident makes them, for tests that need some on file.

Importable as `factories` from any test (pytest puts tests/ on the path).
"""

from __future__ import annotations

from typing import Any

from minsheng.services.bootstrap import App
from minsheng.services.casework.submission import Intake
from minsheng.services.casework.submission import submit as submit_intake


def intake(
    text: str = "人民路路灯不亮",
    domain: str = "transport",
    *,
    urgency: str = "normal",
    kind: str = "demand",
    channel: str = "telegram",
    resident: str | None = "tg-1001",
    **fields: Any,
) -> Intake:
    """An already-classified request; `resident` is the chat id (None: no resident on file)."""
    return Intake(
        text=text,
        domain=domain,
        urgency=urgency,
        kind=kind,
        channel=channel,
        external_id=resident,
        **fields,
    )


def submit_view(
    app: App, text: str = "人民路路灯不亮", domain: str = "transport", **kw: Any
) -> dict[str, Any]:
    """Submit a case; the view the service layer returns."""
    return submit_intake(app, intake(text, domain, **kw))


def submit(app: App, text: str = "人民路路灯不亮", domain: str = "transport", **kw: Any) -> str:
    """Submit a case; its reference."""
    return str(submit_view(app, text, domain, **kw)["reference"])


def numbered(
    app: App,
    n: int,
    domain: str = "housing",
    *,
    urgency: str = "high",
    kind: str = "demand",
    **kw: Any,
) -> str:
    """Case number `n` from resident `n`, for tests that tell many cases apart by number."""
    return submit(app, f"第{n}号诉求", domain, urgency=urgency, kind=kind, resident=str(n), **kw)
