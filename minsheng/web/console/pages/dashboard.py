"""The supervisor dashboard, its charts and its CSV exports."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access import web_sessions
from minsheng.services.access.staff import Role, scope_of
from minsheng.services.errors import DomainError
from minsheng.services.projects import reporting as project_reporting
from minsheng.services.reporting import dashboard, dashboard_months, dashboard_rates
from minsheng.web.console import i18n
from minsheng.web.console.common import (
    DASHBOARD_ROLES,
    Page,
    console_router,
    error_page,
    int_or_none,
    page_for,
    secure,
    to_login,
)

router = console_router()


def _dashboard_data(page: Page) -> dict[str, Any] | Response:
    if page.member.role not in DASHBOARD_ROLES:
        return error_page(page, 403, "forbidden")
    q = page.request.query_params
    month = q.get("month") or None
    count = int_or_none(q.get("months"), 1, dashboard_months.MAX_MONTHS) or 6
    scope = scope_of(page.app.settings, page.member).departments
    try:
        return dashboard.dashboard(page.app, last_month=month, count=count, scope=scope)
    except DomainError:
        return dashboard.dashboard(page.app, count=count, scope=scope)


@router.get("/dashboard")
def dashboard_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    data = _dashboard_data(page)
    if isinstance(data, Response):
        return data
    return page.render(
        "dashboard.html",
        data=data,
        charts=_charts(page.t, data),
        last=data["months"][-1],
        count=len(data["months"]),
        query=request.url.query,
        sign_ins=web_sessions.sign_in_report(page.app) if page.member.role is Role.ADMIN else None,
        projects=project_reporting.summary(
            page.app, scope=scope_of(page.app.settings, page.member).departments
        ),
    )


@router.get("/dashboard/{section}.csv")
def dashboard_csv(request: Request, section: str) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    if section not in dashboard.SECTIONS:
        return error_page(page, 404, "not_found")
    data = _dashboard_data(page)
    if isinstance(data, Response):
        return data
    # The BOM lets spreadsheets read the file as UTF-8.
    body = "\ufeff" + dashboard.to_csv(section, data)
    dashboard.record_export(page.app, page.member.actor, section, data["months"])
    name = f"minsheng-{section}-{data['months'][0]}-{data['months'][-1]}.csv"
    return secure(
        Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


def _charts(t: i18n.Translator, data: dict[str, Any]) -> dict[str, str]:
    """Each chart's spec as JSON, for a data-spec attribute (autoescaped like any text)."""
    months = data["months"]
    totals = {r["month"]: r for r in data["rates"] if r["department"] == dashboard_rates.ALL}
    last = months[-1]
    depts = [
        r for r in data["rates"] if r["month"] == last and r["department"] != dashboard_rates.ALL
    ]
    # The service lists the city's domains in order; only those with cases get a series.
    volume_domains = list(dict.fromkeys(r["domain"] for r in data["volume"] if r["cases"]))
    volume = {(r["month"], r["domain"]): r["cases"] for r in data["volume"]}
    overdue_by: dict[str, int] = {}
    for row in data["overdue"]:
        overdue_by[row["department"] or ""] = overdue_by.get(row["department"] or "", 0) + 1
    matrix = data["misroutes"]
    specs: dict[str, dict[str, Any]] = {
        "rates": {
            "labels": months,
            "percent": True,
            "series": [
                {
                    "name": t(key),
                    "values": [totals[m][key]["value"] if m in totals else None for m in months],
                }
                for key in dashboard_rates.RATE_NAMES
            ],
        },
        "departments": {
            "labels": [t.department(r["department"]) for r in depts],
            "percent": True,
            "series": [
                {"name": t(key), "values": [r[key]["value"] for r in depts]}
                for key in ("response_rate", "resolution_rate")
            ],
        },
        "overdue": {
            "labels": [t.department(d) for d in overdue_by],
            "series": [{"name": t("overdue"), "values": list(overdue_by.values())}],
        },
        "misroutes": {
            "labels": [t.department(d) for d in matrix["from"]],
            "series": [
                {"name": t("misroutes_out"), "values": [sum(row) for row in matrix["counts"]]}
            ],
        },
        "volume": {
            "labels": months,
            "stacked": True,
            "series": [
                {"name": t.domain(d), "values": [volume.get((m, d), 0) for m in months]}
                for d in volume_domains
            ],
        },
        "satisfaction": {
            "labels": months,
            "percent": True,
            "series": [
                {
                    "name": t("satisfaction_rate"),
                    "values": [r["satisfaction_rate"] for r in data["satisfaction"]],
                }
            ],
        },
    }
    for spec in specs.values():
        spec["empty"] = t("no_data")
    return {name: json.dumps(spec, ensure_ascii=False) for name, spec in specs.items()}
