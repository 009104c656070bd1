"""The console's queue (all statuses, search, sort, page size, new-details mark) and case page
(the log in sentences, reply templates, start work, the logged contact look-up), over HTTP."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from case_store.models import Case, CaseEvent
from minsheng.services.casework import resident_actions, staff_actions

REF = re.compile(r'data-reference="(MS-[0-9A-Z-]+)"')


def logged_in(in_process: Any, login: str) -> Any:
    client = in_process.client_for()
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/console/login",
        data={
            "login": login,
            "password": in_process.seeded.passwords[login],
            "login_csrf": token.group(1),
            "next": "/console/queue",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def form_values(html: str, action: str) -> dict[str, str]:
    form = re.search(rf'action="{re.escape(action)}".*?</form>', html, re.DOTALL)
    assert form is not None, action
    return dict(re.findall(r'name="(csrf|version)" value="([^"]+)"', form.group(0)))


def refs_in(html: str) -> list[str]:
    return REF.findall(html)


def closed_housing_case(in_process: Any) -> str:
    with in_process.app.uow() as uow:
        return str(
            uow.session.scalars(
                select(Case.reference).where(
                    Case.status == "closed", Case.department == "housing_bureau"
                )
            ).first()
        )


def test_all_includes_closed_cases_and_a_search_by_reference_finds_a_closed_one(
    in_process: Any,
) -> None:
    clerk = logged_in(in_process, "clerk")
    closed = closed_housing_case(in_process)
    assert closed not in refs_in(clerk.get("/console/queue").text)
    every = clerk.get("/console/queue?status=all&per_page=200").text
    assert closed in refs_in(every)
    found = refs_in(clerk.get(f"/console/queue?q={closed}").text)
    assert found == [closed]


def test_columns_sort_both_ways_and_the_page_size_is_chosen(in_process: Any) -> None:
    clerk = logged_in(in_process, "clerk")
    up = refs_in(clerk.get("/console/queue?status=all&sort=reference&dir=asc&per_page=200").text)
    down = refs_in(clerk.get("/console/queue?status=all&sort=reference&dir=desc&per_page=200").text)
    assert up == sorted(up) and down == sorted(up, reverse=True) and len(up) > 20
    page = clerk.get("/console/queue?status=all&per_page=20").text
    assert len(refs_in(page)) == 20 and 'class="pager"' in page
    assert re.search(r'<option value="20" selected>', page)
    urgent_first = clerk.get("/console/queue?sort=urgency&dir=asc").text
    assert refs_in(urgent_first)[0] == in_process.seeded.refs["overdue"]  # the urgent one


def test_the_case_log_reads_as_sentences_with_staff_names_and_local_times(
    in_process: Any,
) -> None:
    clerk = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["clerk_case"]
    html = clerk.get(f"/console/cases/{ref}").text
    log = html.split('<ol class="events">')[1].split("</ol>")[0]
    assert "通过Telegram提交诉求" in log and "派至住房和城乡建设局" in log
    assert "补充了情况" in log
    assert "=" not in re.sub(r"<[^>]+>", "", log)  # no key=value internals
    with in_process.app.uow() as uow:
        created = uow.session.scalars(
            select(CaseEvent.at)
            .join(Case)
            .where(Case.reference == ref, CaseEvent.type == "created")
        ).one()
    local = created.astimezone(in_process.app.tz).strftime("%Y-%m-%d %H:%M")
    assert local in log
    english = clerk.get(f"/console/cases/{ref}", cookies={"ms_lang": "en"}).text
    assert "submitted the case through Telegram" in english


def test_start_work_moves_an_accepted_case_to_in_progress_and_logs_who_did_it(
    in_process: Any,
) -> None:
    clerk = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["normal"]
    page = clerk.get(f"/console/cases/{ref}").text
    accepted = clerk.post(
        f"/console/cases/{ref}/accept",
        data=form_values(page, f"/console/cases/{ref}/accept"),
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    page = clerk.get(f"/console/cases/{ref}").text
    started = clerk.post(
        f"/console/cases/{ref}/start",
        data=form_values(page, f"/console/cases/{ref}/start"),
        follow_redirects=False,
    )
    assert started.status_code == 303
    page = clerk.get(started.headers["location"]).text
    assert "已开始办理。" in page and "办理中" in page
    assert re.search(
        r'<span class="who">Clerk 张</span>\s*<span class="what">开始办理</span>', page
    )


def test_the_reply_box_offers_the_departments_templates(in_process: Any) -> None:
    clerk = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["clerk_case"]
    page = clerk.get(f"/console/cases/{ref}").text
    housing = next(d for d in in_process.app.settings.departments if d.id == "housing_bureau")
    assert housing.reply_templates
    for text in housing.reply_templates:
        assert f'<option value="{text}">' in page


def test_the_queue_marks_a_case_whose_resident_wrote_since_the_clerk_last_looked(
    in_process: Any,
) -> None:
    clerk = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["clerk_case"]

    def marked() -> bool:
        row = clerk.get(f"/console/queue?q={ref}").text
        return "有新补充" in row

    clerk.get(f"/console/cases/{ref}")
    assert not marked()
    resident_actions.resident_message(in_process.app, ref, text="补充：晚上八点后完全不亮。")
    assert marked()
    clerk.get(f"/console/cases/{ref}")
    assert not marked()


def test_show_contact_reveals_the_resident_and_is_written_to_the_log(in_process: Any) -> None:
    clerk = logged_in(in_process, "clerk")
    ref = in_process.seeded.refs["clerk_case"]
    page = clerk.get(f"/console/cases/{ref}").text
    assert 'id="show-contact"' in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    shown = clerk.post(f"/console/cases/{ref}/contact", data={"csrf": csrf.group(1)})
    assert shown.status_code == 200
    assert re.search(r"<dd class=\"resident-text\">居民\d+</dd>", shown.text)
    assert "查看了群众的联系方式" in shown.text
    refused = clerk.post(f"/console/cases/{ref}/contact", data={})
    assert refused.status_code == 403


def test_a_protected_complainant_is_never_shown_to_the_accused_department(
    in_process: Any,
) -> None:
    import factories

    app = in_process.app
    ref = factories.submit(
        app,
        "房管局工作人员态度恶劣，推诿不办",
        "housing",
        kind="complaint",
        resident="complainant-1",
        display_name="郑秘密",
        phone="13900139000",
        complaint_about_staff=True,
        accused_department="housing_bureau",
    )
    with app.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        where, hidden_from = case.department, case.hide_identity_from
    assert hidden_from == "housing_bureau"
    if where != "housing_bureau":  # even after a transfer to the accused department
        staff_actions.transfer(app, ref, to_department="housing_bureau", reason="请核查")
    clerk = logged_in(in_process, "clerk")
    page = clerk.get(f"/console/cases/{ref}").text
    assert 'id="show-contact"' not in page and "13900139000" not in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    refused = clerk.post(f"/console/cases/{ref}/contact", data={"csrf": csrf.group(1)})
    assert refused.status_code == 403 and "13900139000" not in refused.text
    assert "郑秘密" not in refused.text and "郑秘密" not in page
