"""Staff credentials and scopes: what a department sees, and how secrets are kept."""

from __future__ import annotations

from typing import Any

from minsheng.services.access.staff import (
    Role,
    StaffMember,
    departments_under,
    hash_password,
    hash_token,
    identity_hidden,
    scope_of,
    verify_password,
)


def _member(role: Role, department: str) -> StaffMember:
    return StaffMember(public_id="st_x", name="x", login="x", department=department, role=role)


def test_a_password_verifies_only_against_its_own_hash() -> None:
    stored = hash_password("correct horse")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horse!", stored)
    assert "correct horse" not in stored


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same") != hash_password("same")


def test_a_damaged_password_hash_never_verifies() -> None:
    assert not verify_password("x", "not-a-hash")
    assert not verify_password("x", "md5$1$1$1$AA==$AA==")


def test_a_token_is_kept_as_its_sha256() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_supervisor_sees_the_departments_below_theirs(base_settings: Any) -> None:
    assert departments_under(base_settings, "housing_bureau") == {
        "housing_bureau",
        "utilities_desk",
    }
    top = departments_under(base_settings, "supervision")
    assert top == {d.id for d in base_settings.departments}


def test_each_role_gets_its_scope(base_settings: Any) -> None:
    agent = scope_of(base_settings, _member(Role.AGENT, "housing_bureau"))
    assert agent.departments == {"housing_bureau"} and not agent.may_route_any
    triage = scope_of(base_settings, _member(Role.TRIAGE, "hotline_12345"))
    assert triage.departments == {"hotline_12345"} and triage.may_route_any
    admin = scope_of(base_settings, _member(Role.ADMIN, "supervision"))
    assert admin.departments is None and admin.sees("market_regulation")


def test_the_identity_is_hidden_from_the_accused_department_and_those_below_it(
    base_settings: Any,
) -> None:
    assert identity_hidden(base_settings, _member(Role.AGENT, "housing_bureau"), "housing_bureau")
    assert identity_hidden(base_settings, _member(Role.AGENT, "utilities_desk"), "housing_bureau")
    assert not identity_hidden(
        base_settings, _member(Role.SUPERVISOR, "supervision"), "housing_bureau"
    )
    assert not identity_hidden(base_settings, _member(Role.AGENT, "housing_bureau"), None)
