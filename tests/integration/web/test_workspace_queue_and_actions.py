"""The queue, case detail and actions as a clerk uses them, and two clerks on one case."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from case_store.models import OutboxMessage


def _agent(workspace: Any) -> dict[str, str]:
    return workspace.staff("agent", "housing_bureau")


def test_the_queue_puts_the_nearest_deadline_first_and_pages(workspace: Any) -> None:
    headers = _agent(workspace)
    normal = workspace.submit("楼道灯坏了", "housing")
    urgent = workspace.submit("楼上漏水，水已经流到电箱了", "housing", urgency="urgent")
    high = workspace.submit("电梯困人后一直没修", "housing", urgency="high")
    client = workspace.client
    first = client.get("/api/v1/cases", params={"per_page": 2}, headers=headers).json()
    second = client.get("/api/v1/cases", params={"per_page": 2, "page": 2}, headers=headers).json()
    # Not counted page by page: the first page knows only that more follow, the last the total.
    assert first["has_next"] and first["total"] is None and first["total_at_least"] == 3
    assert not second["has_next"] and second["total"] == 3
    assert [i["reference"] for i in first["items"]] == [urgent, high]
    assert [i["reference"] for i in second["items"]] == [normal]
    assert first["items"][0]["next_deadline"] < first["items"][1]["next_deadline"]


def test_the_queue_filters_by_urgency_domain_and_status(workspace: Any) -> None:
    headers = workspace.staff("supervisor", "housing_bureau")
    lamp = workspace.submit("楼道灯坏了", "housing")
    water = workspace.submit("停水了", "utilities", urgency="high")
    client = workspace.client

    def refs(**params: Any) -> list[str]:
        body = client.get("/api/v1/cases", params=params, headers=headers).json()
        return [i["reference"] for i in body["items"]]

    assert refs(urgency="high") == [water]
    assert refs(domain="housing") == [lamp]
    assert sorted(refs(domain=["housing", "utilities"])) == sorted([lamp, water])
    client.post(f"/api/v1/cases/{lamp}/accept", json={"version": 1}, headers=headers)
    assert refs(status="accepted") == [lamp]
    assert refs(status="routed") == [water]
    assert refs(department="utilities_desk") == [water]


def test_overdue_and_due_within_filters_follow_the_clock(workspace: Any, clock: Any) -> None:
    headers = _agent(workspace)
    urgent = workspace.submit("燃气味很重", "housing", urgency="urgent")
    normal = workspace.submit("楼道灯坏了", "housing")
    client = workspace.client

    def refs(**params: Any) -> list[str]:
        body = client.get("/api/v1/cases", params=params, headers=headers).json()
        return [i["reference"] for i in body["items"]]

    assert refs(overdue=True) == []
    assert refs(due_within_days=1) == [urgent]
    clock.advance(hours=3)
    assert refs(overdue=True) == [urgent]
    assert refs(overdue=False) == [normal]
    item = client.get(f"/api/v1/cases/{urgent}", headers=headers).json()
    first = item["clocks"]["first_response"]
    assert first["state"] == "breached" and first["seconds_left"] == -3600


def test_unknown_filter_values_are_refused_with_400(workspace: Any) -> None:
    headers = _agent(workspace)
    for params in ({"status": "lost"}, {"urgency": "asap"}, {"domain": "weather"}):
        response = workspace.client.get("/api/v1/cases", params=params, headers=headers)
        assert response.status_code == 400 and "detail" in response.json()


def test_case_detail_shows_transcript_attachments_events_and_both_clocks(workspace: Any) -> None:
    headers = _agent(workspace)
    ref = workspace.submit("电梯停了，老人下不了楼", "housing", urgency="high")
    workspace.attach(ref, b"photo-bytes", "lift.jpg")
    client = workspace.client
    client.post(
        f"/api/v1/cases/{ref}/reply", headers=headers, json={"text": "维修人员下午到", "version": 1}
    )
    detail = client.get(f"/api/v1/cases/{ref}", headers=headers)
    body = detail.json()
    assert detail.headers["ETag"] == f'"{body["version"]}"'
    assert [(m["author"], m["text"]) for m in body["transcript"]] == [
        ("resident", "电梯停了，老人下不了楼"),
        ("staff", "维修人员下午到"),
    ]
    assert [e["type"] for e in body["events"]] == ["created", "routed", "replied"]
    assert body["attachments"][0]["filename"] == "lift.jpg"
    assert body["attachments"][0]["number"] == 1
    photo = client.get(f"/api/v1/cases/{ref}/attachments/1", headers=headers)
    assert photo.status_code == 200 and photo.content == b"photo-bytes"
    assert client.get(f"/api/v1/cases/{ref}/attachments/2", headers=headers).status_code == 404
    first, resolution = body["clocks"]["first_response"], body["clocks"]["resolution"]
    assert first["state"] == "met" and first["due_at"]
    assert resolution["state"] == "running" and resolution["working_days_left"] == 30
    assert resolution["seconds_left"] > 0


def test_a_reply_reaches_the_resident_through_their_channel(workspace: Any) -> None:
    headers = _agent(workspace)
    ref = workspace.submit("楼道灯坏了", "housing", resident="tg-777")
    response = workspace.client.post(
        f"/api/v1/cases/{ref}/reply", headers=headers, json={"text": "明天上午修好", "version": 1}
    )
    assert response.status_code == 200
    with workspace.app.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.payload).where(
                OutboxMessage.key.like(f"{ref}:replied:%")
            )
        ).all()
    assert [(r.channel, r.recipient) for r in rows] == [("telegram", "tg-777")]
    assert "明天上午修好" in rows[0].payload["text"]


def test_an_action_without_a_version_is_refused_and_changes_nothing(workspace: Any) -> None:
    headers = _agent(workspace)
    ref = workspace.submit("楼道灯坏了", "housing")
    response = workspace.client.post(f"/api/v1/cases/{ref}/accept", headers=headers)
    assert response.status_code == 428
    assert workspace.version(ref) == 1


def test_a_second_clerk_acting_on_a_stale_version_gets_409_and_changes_nothing(
    workspace: Any,
) -> None:
    first, second = _agent(workspace), _agent(workspace)
    ref = workspace.submit("楼道灯坏了", "housing")
    client = workspace.client
    seen = client.get(f"/api/v1/cases/{ref}", headers=second).headers["ETag"]
    done = client.post(
        f"/api/v1/cases/{ref}/resolve",
        headers={**first, "If-Match": seen},
        json={"note": "已修好", "outcome": "resolved"},
    )
    assert done.status_code == 200
    late = client.post(
        f"/api/v1/cases/{ref}/reply",
        headers={**second, "If-Match": seen},
        json={"text": "我们马上派人去"},
    )
    assert late.status_code == 409 and "detail" in late.json()
    detail = client.get(f"/api/v1/cases/{ref}", headers=first).json()
    assert detail["status"] == "resolved"
    assert "我们马上派人去" not in str(detail["transcript"]) + str(detail["events"])


def test_two_clerks_acting_at_the_same_moment_one_wins_and_the_other_gets_409(
    workspace: Any,
) -> None:
    clerks = [_agent(workspace), _agent(workspace)]
    ref = workspace.submit("楼道灯坏了", "housing")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def act(headers: dict[str, str], note: str) -> None:
        barrier.wait()
        response = workspace.client.post(
            f"/api/v1/cases/{ref}/resolve",
            headers={**headers, "If-Match": '"1"'},
            json={"note": note, "outcome": "resolved"},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=act, args=(h, f"处理说明 {i}")) for i, h in enumerate(clerks)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 409]
    events = workspace.client.get(f"/api/v1/cases/{ref}/events", headers=clerks[0]).json()
    assert [e["type"] for e in events].count("resolved") == 1


def test_the_version_may_be_sent_in_the_body_instead_of_if_match(workspace: Any) -> None:
    headers = _agent(workspace)
    ref = workspace.submit("楼道灯坏了", "housing")
    stale = workspace.client.post(
        f"/api/v1/cases/{ref}/accept", headers=headers, json={"version": 7}
    )
    assert stale.status_code == 409
    fresh = workspace.client.post(
        f"/api/v1/cases/{ref}/accept", headers=headers, json={"version": 1}
    )
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"2"'


def test_illegal_moves_and_bad_requests_are_client_errors(workspace: Any) -> None:
    headers = _agent(workspace)
    ref = workspace.submit("楼道灯坏了", "housing")
    client = workspace.client
    reopen_open_case = client.post(
        f"/api/v1/cases/{ref}/start", headers=headers, json={"version": 1}
    )
    assert reopen_open_case.status_code == 409  # routed cases are accepted before work starts
    no_reason = client.post(
        f"/api/v1/cases/{ref}/transfer", headers=headers, json={"reason": "", "version": 1}
    )
    assert no_reason.status_code == 422
    unknown_dept = client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=headers,
        json={"reason": "送错了", "to_department": "mars", "version": 1},
    )
    assert unknown_dept.status_code == 400 and "mars" in unknown_dept.json()["detail"]
    bad_outcome = client.post(
        f"/api/v1/cases/{ref}/resolve",
        headers=headers,
        json={"note": "好了", "outcome": "maybe", "version": 1},
    )
    assert bad_outcome.status_code == 422
    assert workspace.version(ref) == 1


def test_the_case_detail_shows_the_residents_answer_to_the_safety_question(
    workspace: Any,
) -> None:
    headers = _agent(workspace)
    asked = workspace.submit(
        "独居老人家里停水两天", "housing", urgency="high", details={"safety_answer": "no"}
    )
    plain = workspace.submit("楼道灯坏了", "housing")
    client = workspace.client
    assert client.get(f"/api/v1/cases/{asked}", headers=headers).json()["safety_answer"] == "no"
    assert client.get(f"/api/v1/cases/{plain}", headers=headers).json()["safety_answer"] is None
