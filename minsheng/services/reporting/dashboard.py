"""The supervisor dashboard: rates per department and month, the overdue list, the misroute
matrix, the confusion of the NLU's readings with staff corrections, volume by domain, the
satisfaction trend, and each of them as CSV.

Every figure is scoped to a set of departments (a supervisor's own and those under it); None
means the whole city. The months are in `dashboard_months`, the rates in `dashboard_rates`,
the other sections in `dashboard_sections`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from case_store.models import AuditLog
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting.dashboard_months import months_ending
from minsheng.services.reporting.dashboard_rates import RATE_NAMES, monthly_rates
from minsheng.services.reporting.dashboard_sections import (
    correction_confusion,
    misroute_matrix,
    overdue_list,
    satisfaction_trend,
    volume_by_domain,
)


def dashboard(
    app: App, *, last_month: str | None = None, count: int = 6, scope: Collection[str] | None = None
) -> dict[str, Any]:
    months = months_ending(app, last_month, count)
    return {
        "months": [m.key for m in months],
        "min_sample": app.settings.sla.min_sample,
        "rates": monthly_rates(app, months, scope),
        "overdue": overdue_list(app, scope),
        "misroutes": misroute_matrix(app, months, scope),
        "corrections": correction_confusion(app, months, scope),
        "volume": volume_by_domain(app, months, scope),
        "satisfaction": satisfaction_trend(app, months, scope),
    }


# -- CSV ------------------------------------------------------------------------------------

SECTIONS = ("rates", "overdue", "misroutes", "corrections", "volume", "satisfaction")


def to_csv(section: str, data: dict[str, Any]) -> str:
    """One dashboard section as CSV (UTF-8 text; rates as fractions, blanks below min_sample)."""
    if section == "rates":
        return _csv(_rate_header(), (_rate_csv_row(r) for r in data["rates"]))
    if section == "overdue":
        header = [
            "reference",
            "department",
            "status",
            "domain",
            "urgency",
            "kind",
            "missed",
            "overdue_since",
            "overdue_hours",
            "first_response_due_at",
            "resolution_due_at",
            "escalated",
        ]
        return _csv(header, ([_cell(r[h]) for h in header] for r in data["overdue"]))
    if section == "misroutes":
        matrix = data["misroutes"]
        return _csv(
            ["from \\ to", *matrix["to"]],
            ([src, *counts] for src, counts in zip(matrix["from"], matrix["counts"], strict=True)),
        )
    if section == "corrections":
        header = ["month", "axis", "predicted", "corrected", "count"]
        return _csv(header, ([r[h] for h in header] for r in data["corrections"]["cells"]))
    if section == "volume":
        return _csv(
            ["month", "domain", "cases"],
            ([r["month"], r["domain"], r["cases"]] for r in data["volume"]),
        )
    if section == "satisfaction":
        header = ["month", "ratings", "mean_score", "satisfaction_rate", "status"]
        return _csv(header, ([_cell(r[h]) for h in header] for r in data["satisfaction"]))
    raise InvalidRequest(f"unknown section '{section}' ({', '.join(SECTIONS)})")


def record_export(app: App, actor: str, section: str, months: Sequence[str]) -> None:
    """Write a dashboard export to the audit log (the overdue list names cases)."""
    with app.uow() as uow:
        uow.session.add(
            AuditLog(
                at=app.now(),
                actor=actor,
                action="dashboard_exported",
                subject=section,
                detail={"from": months[0], "to": months[-1]},
            )
        )
        uow.commit()


def _rate_header() -> list[str]:
    header = ["month", "department", "name_zh", "name_en"]
    for name in RATE_NAMES:
        header += [name, f"{name}_numerator", f"{name}_sample_size", f"{name}_status"]
    return header


def _rate_csv_row(row: dict[str, Any]) -> list[Any]:
    out = [row["month"], row["department"], row["name_zh"], row["name_en"]]
    for name in RATE_NAMES:
        rate = row[name]
        out += [_cell(rate["value"]), rate["numerator"], rate["sample_size"], rate["status"]]
    return out


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        # A spreadsheet would run a cell starting with = + - @ as a formula; quote it away.
        writer.writerow([_defuse(v) for v in row])
    return buffer.getvalue()


def _defuse(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
