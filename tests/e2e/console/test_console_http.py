"""The console over HTTP, in process: sessions and cookies, CSRF, the content security
policy, scope, CSV export, language, and a fast check of every page's HTML for live markup."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from case_store.models import AuditLog, WebSession
from minsheng.services.access import staff
from minsheng.services.reporting import dashboard
from minsheng.web.console import i18n


def log_in(client: Any, login: str, password: str, next_url: str = "/console/queue") -> Any:
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/console/login",
        data={"login": login, "password": password, "login_csrf": token.group(1), "next": next_url},
        follow_redirects=False,
    )


def logged_in(in_process: Any, login: str, https: bool = True) -> Any:
    client = in_process.client_for(https=https)
    response = log_in(client, login, in_process.seeded.passwords[login])
    assert response.status_code == 303
    return client


def form_values(html: str, action: str) -> dict[str, str]:
    form = re.search(rf'action="{re.escape(action)}".*?</form>', html, re.DOTALL)
    assert form is not None, action
    return dict(re.findall(r'name="(csrf|version)" value="([^"]+)"', form.group(0)))


def test_pages_ask_for_a_login_and_return_to_the_page_afterwards(in_process: Any) -> None:
    client = in_process.client_for()
    ref = in_process.seeded.refs["normal"]
    response = client.get(f"/console/cases/{ref}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?next=%2Fconsole%2Fcases%2F{ref}"
    done = log_in(
        client, "clerk", in_process.seeded.passwords["clerk"], next_url=f"/console/cases/{ref}"
    )
    assert done.headers["location"] == f"/console/cases/{ref}"


def test_a_wrong_password_is_refused_without_a_session(in_process: Any) -> None:
    client = in_process.client_for()
    response = log_in(client, "clerk", "not-the-password")
    assert response.status_code == 401
    assert "账号或密码不正确" in response.text
    assert "ms_session" not in response.headers.get("set-cookie", "")


def test_the_session_cookie_is_secure_httponly_and_samesite_lax_over_https(in_process: Any) -> None:
    client = in_process.client_for(https=True)
    response = log_in(client, "clerk", in_process.seeded.passwords["clerk"])
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("ms_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/console"} <= flags


def test_over_plain_http_the_cookie_is_not_marked_secure(in_process: Any) -> None:
    client = in_process.client_for(https=False)
    response = log_in(client, "clerk", in_process.seeded.passwords["clerk"])
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("ms_session="))
    assert "secure" not in cookie.lower() and "httponly" in cookie.lower()


def test_only_a_hash_of_the_session_token_is_stored(in_process: Any) -> None:
    client = in_process.client_for()
    response = log_in(client, "clerk", in_process.seeded.passwords["clerk"])
    token = re.search(r"ms_session=([^;]+)", response.headers["set-cookie"])
    assert token is not None
    with in_process.app.uow() as uow:
        hashes = set(uow.session.scalars(select(WebSession.token_hash)))
    assert token.group(1) not in hashes
    assert staff.hash_token(token.group(1)) in hashes


def test_an_expired_session_sends_the_clerk_back_to_the_login(in_process: Any) -> None:
    client = logged_in(in_process, "clerk")
    assert client.get("/console/queue").status_code == 200
    token = client.cookies.get("ms_session")
    with in_process.app.uow() as uow:
        row = uow.session.get(WebSession, staff.hash_token(token))
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        uow.commit()
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_logging_out_ends_the_session_on_the_server(in_process: Any) -> None:
    client = logged_in(in_process, "clerk")
    token = client.cookies.get("ms_session")
    page = client.get("/console/queue")
    csrf = form_values(page.text, "/console/logout")["csrf"]
    assert (
        client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False).status_code
        == 303
    )
    # Even a copy of the old cookie no longer works.
    replay = in_process.client_for()
    replay.cookies.set("ms_session", token, path="/console")
    assert replay.get("/console/queue", follow_redirects=False).status_code == 303


def test_every_post_without_the_session_csrf_token_is_refused(in_process: Any) -> None:
    client = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["normal"]
    page = client.get(f"/console/cases/{ref}")
    values = form_values(page.text, f"/console/cases/{ref}/accept")
    for csrf in (None, "", "forged", values["csrf"][:-1]):
        data = {"version": values["version"], **({"csrf": csrf} if csrf is not None else {})}
        response = client.post(f"/console/cases/{ref}/accept", data=data, follow_redirects=False)
        assert response.status_code == 403, csrf
    assert "待受理" in client.get(f"/console/cases/{ref}").text  # still not accepted
    assert client.post("/console/logout", data={"csrf": "forged"}).status_code == 403


def test_a_login_post_from_another_site_without_the_form_token_fails(in_process: Any) -> None:
    client = in_process.client_for()
    response = client.post(
        "/console/login",
        data={"login": "clerk", "password": in_process.seeded.passwords["clerk"]},
        follow_redirects=False,
    )
    assert response.status_code == 401


def test_a_stale_version_gets_a_conflict_and_changes_nothing(in_process: Any) -> None:
    first, second = logged_in(in_process, "clerk"), logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["clerk_case"]
    a = form_values(first.get(f"/console/cases/{ref}").text, f"/console/cases/{ref}/reply")
    b = form_values(second.get(f"/console/cases/{ref}").text, f"/console/cases/{ref}/reply")
    ok = first.post(
        f"/console/cases/{ref}/reply", data={**a, "text": "第一位答复"}, follow_redirects=False
    )
    assert ok.status_code == 303
    late = second.post(f"/console/cases/{ref}/reply", data={**b, "text": "第二位答复"})
    assert late.status_code == 409
    assert "此件已被他人修改" in late.text
    assert "第二位答复" not in second.get(f"/console/cases/{ref}").text


def test_a_clerk_of_another_department_gets_404_for_the_case_and_its_actions(
    in_process: Any,
) -> None:
    ref = in_process.seeded.refs["normal"]
    owner = logged_in(in_process, "clerk")
    version = form_values(owner.get(f"/console/cases/{ref}").text, f"/console/cases/{ref}/accept")[
        "version"
    ]
    other = logged_in(in_process, "other")
    page = other.get(f"/console/cases/{ref}")
    assert page.status_code == 404
    assert "公租房" not in page.text
    csrf = form_values(other.get("/console/queue").text, "/console/logout")["csrf"]
    action = other.post(f"/console/cases/{ref}/accept", data={"csrf": csrf, "version": version})
    assert action.status_code == 404
    assert other.get(f"/console/cases/{ref}/attachments/1").status_code == 404


def test_a_clerk_may_not_open_the_dashboard_or_the_triage_desk(in_process: Any) -> None:
    client = logged_in(in_process, "clerk")
    assert client.get("/console/dashboard").status_code == 403
    assert client.get("/console/dashboard/rates.csv").status_code == 403
    assert client.get("/console/triage").status_code == 403


def test_the_triage_desk_lists_cases_to_route_and_cases_sent_back(in_process: Any) -> None:
    desk = logged_in(in_process, "desk")
    html = desk.get("/console/triage").text
    to_route, bounced = html.split("多次退回待裁定", 1)
    assert to_route.count('class="case-row') >= 5
    # The market complaints each department sent back to the desk, one per seeded month.
    assert bounced.count('class="case-row') == 3
    assert "市场监管与消费" in bounced


def test_the_triage_desk_corrects_a_reading_and_the_dashboard_counts_it(in_process: Any) -> None:
    desk = logged_in(in_process, "desk")
    html = desk.get("/console/triage").text
    ref = re.search(r'action="/console/triage/([^"/]+)/reclassify"', html).group(1)  # type: ignore[union-attr]
    values = form_values(html, f"/console/triage/{ref}/reclassify")
    refused = desk.post(
        f"/console/triage/{ref}/reclassify", data={**values, "urgency": "urgent", "reason": ""}
    )
    assert refused.status_code == 400
    done = desk.post(
        f"/console/triage/{ref}/reclassify",
        data={**values, "urgency": "urgent", "kind": "complaint", "reason": "老人独居摔倒"},
    )
    assert done.status_code == 200 and "已记入训练数据" in done.text
    stale = desk.post(
        f"/console/triage/{ref}/reclassify",
        data={**values, "kind": "inquiry", "reason": "再改"},
    )
    assert stale.status_code == 409
    chief = logged_in(in_process, "chief")
    month = in_process.app.now().astimezone(in_process.app.tz).strftime("%Y-%m")
    page = chief.get(f"/console/dashboard?month={month}&months=1").text
    section = page.split('id="corrections"', 1)[1].split("</section>", 1)[0]
    assert "紧急程度 (1)" in section and "诉求类型 (1)" in section


def test_the_triage_supervisor_sees_the_case_bounced_too_often(in_process: Any) -> None:
    chief = logged_in(in_process, "chief")
    html = chief.get("/console/triage").text
    bounced = html.split("多次退回待裁定", 1)[1]
    assert in_process.seeded.refs["bounced"] in bounced


def test_the_dashboard_exports_each_section_as_csv(in_process: Any) -> None:
    chief = logged_in(in_process, "chief")
    month = in_process.seeded.dashboard_month
    response = chief.get(f"/console/dashboard/rates.csv?month={month}&months=4")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    housing = [r for r in rows if r["department"] == "housing_bureau"]
    assert [r["month"] for r in housing] == sorted(r["month"] for r in housing)
    assert housing[-1]["response_rate_sample_size"] == "6"
    for section in ("overdue", "misroutes", "corrections", "volume", "satisfaction"):
        assert chief.get(f"/console/dashboard/{section}.csv").status_code == 200
    assert chief.get("/console/dashboard/secrets.csv").status_code == 404
    with in_process.app.uow() as uow:
        exported = list(
            uow.session.scalars(
                select(AuditLog.subject).where(AuditLog.action == "dashboard_exported")
            )
        )
    assert sorted(exported) == sorted(dashboard.SECTIONS)


def test_every_page_carries_a_csp_without_inline_script(
    in_process: Any, live_markup: Callable[[str], list[str]]
) -> None:
    chief = logged_in(in_process, "chief")
    pages = [
        "/console/login",
        "/console/queue",
        "/console/triage",
        "/console/dashboard",
        f"/console/cases/{in_process.seeded.refs['bounced']}",
        "/console/cases/MS-0000-X",
    ]
    for url in pages:
        response = chief.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp
        scripts = re.findall(r"<script\b[^>]*>", response.text)
        assert scripts and all('src="/console/static/' in s for s in scripts), url
        assert live_markup(response.text) == [], url  # no handler attributes either


def test_the_charting_library_is_served_from_the_package(in_process: Any) -> None:
    client = in_process.client_for()
    response = client.get("/console/static/charts.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "createElementNS" in response.text and "innerHTML" not in response.text
    assert client.get("/console/static/..%2froutes.py").status_code == 404
    assert client.get("/console/static/routes.py").status_code == 404


def test_the_login_never_redirects_to_another_site(in_process: Any) -> None:
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/console//evil.example",
        "/\\evil.example",
    ):
        client = in_process.client_for()
        response = log_in(client, "clerk", in_process.seeded.passwords["clerk"], target)
        assert response.headers["location"] == "/console/queue", target


def test_the_interface_follows_the_browser_language_and_the_switch(in_process: Any) -> None:
    english = in_process.client_for(**{"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    assert "<h1>Minsheng case console</h1>" in english.get("/console/login").text
    switched = english.get("/console/lang/zh?next=/console/login", follow_redirects=False)
    assert switched.status_code == 303
    assert "ms_lang=zh" in switched.headers["set-cookie"]
    assert "<h1>民生诉求办理平台</h1>" in english.get("/console/login").text


def test_language_negotiation_prefers_the_cookie_then_the_highest_quality() -> None:
    assert i18n.negotiate(None, "en-GB,en;q=0.9") == "en"
    assert i18n.negotiate(None, "fr-FR, en;q=0.3, zh-CN;q=0.8") == "zh"
    assert i18n.negotiate(None, "fr-FR") == "zh"
    assert i18n.negotiate(None, None) == "zh"
    assert i18n.negotiate("en", "zh-CN") == "en"
    assert i18n.negotiate("xx", "en") == "en"


def test_the_html_of_every_page_holds_200_payloads_only_as_text(
    in_process: Any, payloads: list[str], live_markup: Callable[[str], list[str]]
) -> None:
    chief = logged_in(in_process, "chief")
    desk = logged_in(in_process, "desk")
    refs = in_process.seeded.refs["injected"]
    pages = [(chief, f"/console/cases/{ref}") for ref in refs]
    pages += [
        (chief, "/console/queue?per_page=200"),
        (chief, "/console/dashboard"),
        (desk, "/console/triage"),
    ]
    pages += [(chief, f"/console/queue?q={quote(p)}") for p in payloads[::20]]
    text = ""
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert live_markup(response.text) == [], url
        if "/cases/" in url:
            text += response.text
    # Each payload arrives escaped: its angle brackets and quotes never appear raw.
    for payload in payloads:
        escaped = (
            payload.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("'", "&#39;")
        )
        assert escaped in text, payload
    assert "1337" not in text


def test_the_case_page_shows_the_residents_answer_to_the_safety_question(in_process: Any) -> None:
    import factories

    ref = factories.submit(
        in_process.app,
        "我妈85岁独居，家里停水两天了",
        "housing",
        urgency="urgent",
        details={"safety_answer": "yes"},
    )
    page = logged_in(in_process, "clerk").get(f"/console/cases/{ref}")
    assert "安全询问" in page.text and "居民称现在有人有危险或无人照顾" in page.text
