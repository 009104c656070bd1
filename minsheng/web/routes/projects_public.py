"""Livelihood projects in public: /public/projects (a page) and /public/projects.json. Every
project past review with its stage, backing, progress, milestones and ratings; no linked
cases and nothing about a person. No script; the template engine escapes every value."""

from __future__ import annotations

from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from bot import texts
from minsheng.services.projects import views
from minsheng.web.deps import AppDep
from minsheng.web.routes.public import SECURITY_HEADERS

router = APIRouter(prefix="/public", tags=["public"])
Year = Annotated[int | None, Query(ge=2000, le=2100, description="the plan year")]

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
PAGE = _ENV.from_string("""\
<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ city }} 民生实事项目公开</title>
<link rel="stylesheet" href="/public/style.css">
</head>
<body>
<h1>{{ city }} 民生实事项目公开 / Livelihood projects</h1>
<p class="note"><a href="/public/projects.json{{ '?year=' ~ year if year else '' }}">JSON</a> ·
满意率样本不足 {{ min_sample }} 份时显示“样本不足” / satisfaction needs {{ min_sample }} scores.</p>
<table>
<thead><tr><th>编号 / Ref</th><th>项目 / Project</th><th>阶段 / Stage</th><th>年度</th>
<th>点单 / Backing</th><th>进度 / Progress</th><th>节点 / Milestones</th><th>评分 / Ratings</th></tr></thead>
<tbody>
{% for p in projects %}
<tr class="project" data-reference="{{ p.reference }}">
<td>{{ p.reference }}</td>
<td>{{ p.title }}{% if p.supervised %} <strong>挂牌督办</strong>{% endif %}</td>
<td>{{ stage(p.stage) }}</td>
<td>{{ p.year }}</td>
<td>{{ p.backers }}</td>
<td>{{ p.progress }}%</td>
<td>{% for m in p.milestones %}{{ m.due }} {{ m.percent }}%{% if m.met is true %} ✓{% elif m.met is false %} ✗{% endif %}{{ "; " if not loop.last else "" }}{% endfor %}</td>
<td>{{ p.ratings }}{% if p.satisfaction_rate is not none %} · 满意率 {{ "%.0f"|format(p.satisfaction_rate * 100) }}%{% elif p.ratings %} · 样本不足{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% if not projects %}<p>暂无公开项目 / no project yet.</p>{% endif %}
</body>
</html>
""")


@router.get("/projects.json", summary="every project past review, without personal data")
def projects_json(app: AppDep, year: Year = None) -> JSONResponse:
    rows = views.public_projects(app, year)
    return JSONResponse({"projects": rows, "count": len(rows)}, headers=SECURITY_HEADERS)


@router.get("/projects", response_class=HTMLResponse, summary="the public project page")
def projects_page(app: AppDep, year: Year = None) -> HTMLResponse:
    rows: list[dict[str, Any]] = views.public_projects(app, year)
    html = PAGE.render(
        city=app.settings.city.name_zh,
        projects=rows,
        year=year,
        min_sample=app.settings.projects.min_sample,
        stage=lambda s: texts.project_stage_name("zh", s),
    )
    return HTMLResponse(html, headers=SECURITY_HEADERS)
