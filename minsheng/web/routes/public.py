"""Public statistics (信息公开): /public (a page) and /public/stats (JSON). No login, no
personal data, no script: every value on the page is escaped by the template engine."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from minsheng.services.public import stats
from minsheng.web.deps import AppDep

router = APIRouter(prefix="/public", tags=["public"])

Months = Annotated[
    int, Query(ge=1, le=stats.MAX_MONTHS, description="how many months, up to this one")
]

# No inline script or style anywhere, so the policy can forbid both.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

STYLE = """\
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; line-height: 1.3; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.totals { display: flex; gap: 2rem; flex-wrap: wrap; }
.totals div { font-size: 1.4rem; }
.totals small, .note { color: #555; font-size: .85rem; }
/* A phone: each row becomes a small card, each figure labelled, nothing wider than the screen. */
@media (max-width: 640px) {
  body { margin: 1rem auto; }
  h1 { font-size: 1.25rem; }
  .totals { gap: 1rem; }
  .totals div { font-size: 1.15rem; flex: 1 1 40%; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: 100%; box-sizing: border-box; }
  tr { border: 1px solid #ddd; border-radius: .5rem; margin-bottom: .6rem; padding: .3rem .6rem; }
  td { border: 0; padding: .2rem 0; display: flex; justify-content: space-between; gap: 1rem;
       text-align: right; }
  td:first-child { font-weight: 600; text-align: left; }
  td::before { content: attr(data-label); color: #555; text-align: left; }
  td:first-child::before { content: none; }
}
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
PAGE = _ENV.from_string("""\
<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ s.city.name_zh }} 民生诉求办理情况公开</title>
<link rel="stylesheet" href="/public/style.css">
</head>
<body>
<h1>{{ s.city.name_zh }} 民生诉求办理情况公开</h1>
<p>{{ month(s["from"]) }} – {{ month(s.to) }}：{{ s.city.name_en }}, service requests received and
handled. 统计时间 / generated {{ local_time(s.generated_at) }}.</p>
<p class="note">统计范围 / period:
{% for n in (3, 6, 12, 24) %}<a href="/public?months={{ n }}">{{ n }} 个月</a>{{ " · " if not loop.last else "" }}{% endfor %}
· <a href="/public/stats?months={{ months }}">JSON</a></p>

<h2>总体 / Overall</h2>
<div class="totals">
<div>{{ s.totals.received }}<br><small>受理 / received</small></div>
<div>{{ s.totals.resolved }}<br><small>办结 / resolved</small></div>
<div>{{ rate(s.totals.resolved_on_time) }}<br><small>按期办结率 / resolved on time</small></div>
<div>{{ rate(s.totals.satisfaction) }}<br><small>满意率 / satisfaction</small></div>
</div>

<h2>按月 / By month</h2>
<table>
<thead><tr><th>月份 / month</th><th>受理 / received</th><th>办结 / resolved</th>
<th>按期办结率 / on time</th><th>满意率 / satisfaction</th></tr></thead>
<tbody>
{% for row in s.by_month %}<tr><td>{{ month(row.month) }}</td><td data-label="受理 received">{{ row.received }}</td>
<td data-label="办结 resolved">{{ row.resolved }}</td><td data-label="按期办结率 on time">{{ rate(row.resolved_on_time) }}</td>
<td data-label="满意率 satisfaction">{{ rate(row.satisfaction) }}</td></tr>
{% endfor %}</tbody>
</table>

<h2>按领域 / By domain</h2>
<table>
<thead><tr><th>领域 / domain</th><th>受理 / received</th><th>办结 / resolved</th>
<th>按期办结率 / on time</th><th>满意率 / satisfaction</th></tr></thead>
<tbody>
{% for row in s.by_domain %}<tr><td>{{ row.name_zh }} / {{ row.name_en }}</td>
<td data-label="受理 received">{{ row.received }}</td><td data-label="办结 resolved">{{ row.resolved }}</td>
<td data-label="按期办结率 on time">{{ rate(row.resolved_on_time) }}</td><td data-label="满意率 satisfaction">{{ rate(row.satisfaction) }}</td></tr>
{% endfor %}</tbody>
</table>

<p class="note">受理：期间内提交的诉求数。办结：期间内办结的次数（重新办理另计一次）。按期办结率：办理期限落在期间内的诉求中按期办结的比例。
满意率：期间内评价中打 4 分或 5 分的比例。样本少于 {{ s.min_sample }} 件时显示“样本不足”。
Received: requests submitted in the period. Resolved: resolutions completed in the period (a
reopened request counts again). On time: of the requests whose deadline fell in the period,
the share resolved by it. Satisfaction: ratings of 4 or 5 among ratings given. Fewer than
{{ s.min_sample }} cases: "not enough data".</p>
</body>
</html>
""")


def _month(value: str) -> str:
    """2026-01 as 2026年1月 (the months are the city's local months already)."""
    year, _, number = value.partition("-")
    return f"{year}年{int(number)}月" if number.isdigit() else value


def _local_time(value: str) -> str:
    """A local ISO moment as 2026年12月3日 22:55（UTC+08:00）: the city's clock, not UTC."""
    moment = dt.datetime.fromisoformat(value)
    offset = moment.strftime("%z")
    return (
        f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
        f"（UTC{offset[:3]}:{offset[3:]}）"
    )


def _rate(figure: dict[str, Any]) -> str:
    if figure["value"] is None:
        return f"样本不足 / not enough data (n={figure['sample_size']})"
    return f"{figure['value'] * 100:.1f}% (n={figure['sample_size']})"


@router.get("/stats", summary="Public statistics as JSON: by month and by domain")
def public_stats(app: AppDep, months: Months = stats.DEFAULT_MONTHS) -> JSONResponse:
    return JSONResponse(stats.public_stats(app, months), headers=SECURITY_HEADERS)


@router.get("", response_class=HTMLResponse, summary="Public statistics page (信息公开)")
def public_page(app: AppDep, months: Months = stats.DEFAULT_MONTHS) -> HTMLResponse:
    figures = stats.public_stats(app, months)
    return HTMLResponse(
        PAGE.render(s=figures, months=months, rate=_rate, month=_month, local_time=_local_time),
        headers=SECURITY_HEADERS,
    )


@router.get("/style.css", include_in_schema=False)
def style() -> Response:
    return Response(STYLE, media_type="text/css; charset=utf-8", headers=SECURITY_HEADERS)
