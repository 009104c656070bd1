"""The dashboard's rates per department and month. They reuse
`minsheng.services.reporting.reports.case_records` and `routing.rates`, so the dashboard and
`minsheng report` always agree."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App
from minsheng.services.reporting import reports
from minsheng.services.reporting.dashboard_months import Month, in_scope
from routing import rates

RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate", "complaint_closure_rate")
# The department key of a month's total row, over the whole scope.
ALL = "*"


def monthly_rates(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One row per month and department with anything due, plus a total row per month
    (department '*') over the whole scope."""
    if not months:
        return []
    end = months[-1].next().start(app.tz)
    records = [r for r in reports.case_records(app, end) if in_scope(r.department, scope)]
    names = _department_names(app.settings)
    rows: list[dict[str, Any]] = []
    for month in months:
        rows.extend(_rate_rows(app, month, records, names))
    return rows


def _rate_rows(
    app: App, month: Month, records: list[rates.CaseRecord], names: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    period, now, min_sample = month.period(app.tz), app.now(), app.settings.sla.min_sample
    per_department = rates.department_rates(
        records, period, now, app.calendar, app.tz, min_sample=min_sample
    )
    pooled = rates.department_rates(
        [replace(r, department=ALL) for r in records],
        period,
        now,
        app.calendar,
        app.tz,
        min_sample=min_sample,
    )
    total = pooled.get(ALL) or _empty_rates(min_sample)
    rows = [_rate_row(month, ALL, ("全部", "All"), total)]
    for dept_id, figures in per_department.items():
        if any(getattr(figures, f).denominator for f in _FIELDS):
            rows.append(_rate_row(month, dept_id, names.get(dept_id, (dept_id, dept_id)), figures))
    return rows


_FIELDS = ("response", "resolution", "satisfaction", "complaint_closure")


def _empty_rates(min_sample: int) -> rates.DepartmentRates:
    nothing = rates.Rate(0, 0, min_sample)
    return rates.DepartmentRates(
        ALL, nothing, nothing, nothing, nothing, rates.Mean(0.0, 0, min_sample)
    )


def _rate_row(
    month: Month, dept_id: str, name: tuple[str, str], figures: rates.DepartmentRates
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "month": month.key,
        "department": dept_id,
        "name_zh": name[0],
        "name_en": name[1],
    }
    for field_name, key in zip(_FIELDS, RATE_NAMES, strict=True):
        rate: rates.Rate = getattr(figures, field_name)
        row[key] = {
            "value": None if rate.value is None else round(rate.value, 4),
            "numerator": rate.numerator,
            "sample_size": rate.denominator,
            "status": rate.status,
        }
    return row


def _department_names(settings: Settings) -> dict[str, tuple[str, str]]:
    return {d.id: (d.name_zh, d.name_en) for d in settings.departments}
