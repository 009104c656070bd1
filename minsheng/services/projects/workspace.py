"""Project actions by a signed-in staff member (console and API), with who may do what.

Reviews, publication, selection, assignment and withdrawal are decisions of supervisors, the
triage desk and administrators; progress and completion belong to the lead department (its
clerks and supervisors); any staff member but an evaluator records backing and scores
collected offline; only an evaluator records the third-party evaluation. The stage rules
themselves stay in case_store.projects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minsheng.services.access.staff import AccessDenied, Role, StaffMember, scope_of
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.projects import backing, cycle, records, views

DECIDERS = frozenset({Role.SUPERVISOR, Role.TRIAGE, Role.ADMIN})
ACTIONS = (
    "review",
    "publish",
    "select",
    "not_select",
    "assign",
    "progress",
    "complete",
    "withdraw",
    "back",
    "rate",
    "evaluate",
)


def require_decider(member: StaffMember) -> None:
    if member.role not in DECIDERS:
        raise AccessDenied("only a supervisor, the triage desk or an administrator decides this")


def _lead(app: App, member: StaffMember, reference: str) -> None:
    department = views.show(app, reference)["department"]
    if member.role is Role.EVALUATOR or not scope_of(app.settings, member).sees(department):
        raise AccessDenied("only the lead department records progress and completion")


def _int(form: Mapping[str, Any], key: str) -> int:
    try:
        return int(str(form.get(key, "")).strip())
    except ValueError:
        raise InvalidRequest(f"{key} must be a whole number") from None


def perform(
    app: App, member: StaffMember, reference: str, action: str, form: Mapping[str, Any]
) -> dict[str, Any]:
    """Do `action` on the project for `member`; the project's view comes back."""
    actor = member.actor
    note = str(form.get("note") or "").strip() or None
    if action not in ACTIONS:
        raise InvalidRequest(f"unknown project action '{action}'")
    if action == "evaluate":
        return backing.evaluate(
            app, reference, score=_int(form, "score"), note=note, evaluator=member
        )
    if member.role is Role.EVALUATOR:
        raise AccessDenied("an evaluator only records evaluations")
    if action in ("progress", "complete"):
        _lead(app, member, reference)
        if action == "complete":
            return cycle.complete(app, reference, actor=actor, note=note)
        return cycle.progress(
            app,
            reference,
            percent=_int(form, "percent"),
            note=note or "",
            actor=actor,
            photo=str(form.get("photo") or "") or None,
        )
    if action in ("back", "rate"):
        channel, external_id = records.parse_resident(str(form.get("resident") or ""))
        if action == "back":
            return backing.back(
                app,
                reference,
                channel=channel,
                external_id=external_id,
                source="offline",
                recorded_by=actor,
            )
        return backing.rate(
            app,
            reference,
            channel=channel,
            external_id=external_id,
            score=_int(form, "score"),
            source="offline",
            recorded_by=actor,
        )
    require_decider(member)
    if action == "review":
        return cycle.review(
            app,
            reference,
            stage=str(form.get("stage") or ""),
            decision=str(form.get("decision") or ""),
            note=note,
            actor=actor,
        )
    if action == "assign":
        return cycle.assign(
            app, reference, department=str(form.get("department") or ""), actor=actor, note=note
        )
    if action == "withdraw":
        return cycle.withdraw(app, reference, note=note or "", actor=actor)
    use_case = {
        "publish": cycle.publish,
        "select": cycle.select_project,
        "not_select": cycle.not_select,
    }[action]
    return use_case(app, reference, actor=actor, note=note)
