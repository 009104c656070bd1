"""Signing in to the console as an attacker and as a forgetful clerk would: throttling before
any password is hashed, a lock, one message for every failure, idle and absolute session
limits, sessions ending on a password change or deactivation, and two-step sign-in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from case_store.models import AuditLog
from minsheng.services.access import staff
from minsheng.services.bootstrap import App
from minsheng.web.app import create_app

HTTPS = "https://testserver"


class Console:
    def __init__(self, app: App, clock: Any) -> None:
        self.app = app
        self.clock = clock
        self.web = create_app(app)
        self.passwords: dict[str, str] = {}
        self.clients: list[TestClient] = []

    def account(self, login: str, role: str = "agent", department: str = "housing_bureau") -> str:
        creds = staff.add_staff(self.app, name=login, department=department, role=role, login=login)
        self.passwords[login] = creds.password
        return creds.password

    def client(self, address: str = "203.0.113.7") -> TestClient:
        client = TestClient(self.web, base_url=HTTPS, client=(address, 50000))
        self.clients.append(client)
        return client

    def log_in(self, client: TestClient, login: str, password: str) -> Any:
        form = client.get("/console/login")
        token = _field(form.text, "login_csrf")
        return client.post(
            "/console/login",
            data={"login": login, "password": password, "login_csrf": token, "next": ""},
            follow_redirects=False,
        )

    def send_code(self, client: TestClient, page: Any, code: str) -> Any:
        return client.post(
            "/console/login/code",
            data={"code": code, "login_csrf": _field(page.text, "login_csrf"), "next": ""},
            follow_redirects=False,
        )

    def audit(self, action: str) -> int:
        with self.app.uow() as uow:
            return len(uow.session.scalars(select(AuditLog).where(AuditLog.action == action)).all())


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found is not None, name
    return found.group(1)


@pytest.fixture
def console(sqlite_app: App, clock: Any) -> Iterator[Console]:
    result = Console(sqlite_app, clock)
    yield result
    for client in result.clients:
        client.close()


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the service hashes to check it."""
    seen: list[str] = []
    real = staff.verify_password

    def counting(password: str, stored: str) -> bool:
        seen.append(password)
        return real(password, stored)

    monkeypatch.setattr(staff, "verify_password", counting)
    return seen


def test_after_five_wrong_passwords_the_next_try_is_refused_before_any_hashing(
    console: Console, hashes: list[str]
) -> None:
    console.account("clerk")
    client = console.client()
    for _ in range(5):
        assert console.log_in(client, "clerk", "wrong-password").status_code == 401
    assert len(hashes) == 5

    refused = console.log_in(client, "clerk", console.passwords["clerk"])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "尝试次数过多" in refused.text
    assert len(hashes) == 5, "a refused attempt costs no scrypt"
    assert console.audit("console_login_throttled") == 1


def test_the_wait_grows_with_each_failure_and_the_right_password_works_once_it_is_over(
    console: Console,
) -> None:
    console.account("clerk")
    client = console.client()
    for _ in range(5):
        console.log_in(client, "clerk", "wrong-password")
    console.clock.advance(seconds=3)  # past the first 2-second wait
    assert console.log_in(client, "clerk", "still-wrong").status_code == 401
    console.clock.advance(seconds=3)  # the wait is 4 s now
    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 429
    console.clock.advance(seconds=2)
    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 303


def test_ten_failures_lock_the_account_until_the_window_has_passed(console: Console) -> None:
    console.account("clerk")
    client = console.client()
    for _ in range(10):
        console.log_in(client, "clerk", "wrong-password")
        console.clock.advance(seconds=60)  # slow guesses, each after its wait
    locked = console.log_in(client, "clerk", console.passwords["clerk"])
    assert locked.status_code == 429
    assert "分钟后再试" in locked.text
    console.clock.advance(minutes=16)
    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 303


def test_an_unknown_login_and_a_wrong_password_get_the_same_answer(console: Console) -> None:
    console.account("clerk")
    client = console.client()
    wrong = console.log_in(client, "clerk", "wrong-password")
    unknown = console.log_in(client, "nobody", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "账号或密码不正确。"
    assert message in wrong.text and message in unknown.text
    for _ in range(4):
        console.log_in(client, "nobody", "wrong-password")
    # An unknown login is throttled exactly like a real one, so neither tells it exists.
    assert console.log_in(client, "nobody", "wrong-password").status_code == 429


def test_one_address_guessing_across_many_accounts_is_refused(console: Console) -> None:
    console.account("clerk")
    attacker = console.client("198.51.100.9")
    for i in range(30):
        console.log_in(attacker, f"guess{i}", "password123")
    assert console.log_in(attacker, "clerk", console.passwords["clerk"]).status_code == 429
    # The clerk at another address is not locked out by the attacker.
    assert console.log_in(console.client(), "clerk", console.passwords["clerk"]).status_code == 303


def test_a_session_ends_after_thirty_idle_minutes_and_after_eight_hours_whatever_happens(
    console: Console,
) -> None:
    console.account("clerk")
    client = console.client()
    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 303
    signed_in = console.clock.now
    while client.get("/console/queue", follow_redirects=False).status_code == 200:
        console.clock.advance(minutes=20)  # busy all day, never idle for long
        assert console.clock.now - signed_in <= dt.timedelta(hours=9), "it never ended"
    assert (
        dt.timedelta(hours=8) <= console.clock.now - signed_in < dt.timedelta(hours=8, minutes=20)
    )

    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 303
    console.clock.advance(minutes=29)
    assert client.get("/console/queue", follow_redirects=False).status_code == 200
    console.clock.advance(minutes=31)
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


def test_changing_the_password_ends_every_session_of_the_account(console: Console) -> None:
    console.account("clerk")
    laptop, phone = console.client(), console.client("203.0.113.8")
    for client in (laptop, phone):
        assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 303
    page = laptop.get("/console/security")
    changed = laptop.post(
        "/console/security/password",
        data={
            "csrf": _field(page.text, "csrf"),
            "current": console.passwords["clerk"],
            "new": "a new long passphrase",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert phone.get("/console/queue", follow_redirects=False).status_code == 303
    assert console.log_in(phone, "clerk", console.passwords["clerk"]).status_code == 401
    assert console.log_in(phone, "clerk", "a new long passphrase").status_code == 303


def test_a_short_new_password_is_refused_with_a_message_and_nothing_changes(
    console: Console,
) -> None:
    console.account("clerk")
    client = console.client()
    console.log_in(client, "clerk", console.passwords["clerk"])
    page = client.get("/console/security")
    refused = client.post(
        "/console/security/password",
        data={
            "csrf": _field(page.text, "csrf"),
            "current": console.passwords["clerk"],
            "new": "short",
        },
    )
    assert refused.status_code == 400 and "至少需要 12 位" in refused.text
    assert client.get("/console/queue", follow_redirects=False).status_code == 200


def test_deactivating_an_account_ends_its_sessions_at_once(console: Console) -> None:
    console.account("clerk")
    client = console.client()
    console.log_in(client, "clerk", console.passwords["clerk"])
    staff.deactivate(console.app, "clerk")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_a_supervisor_must_enrol_two_step_sign_in_then_signs_in_with_a_code_used_only_once(
    console: Console,
) -> None:
    console.account("chief", role="supervisor", department="supervision")
    client = console.client()
    first = console.log_in(client, "chief", console.passwords["chief"])
    assert first.headers["location"] == "/console/security"
    # Until enrolled, every other page leads back to the enrolment.
    assert client.get("/console/dashboard", follow_redirects=False).headers["location"] == (
        "/console/security"
    )
    page = client.get("/console/security")
    assert "<svg" in page.text
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page.text)
    assert secret is not None
    totp = pyotp.TOTP(secret.group(1))
    enrolled = client.post(
        "/console/security/two-factor",
        data={
            "csrf": _field(page.text, "csrf"),
            "secret": secret.group(1),
            "code": totp.at(console.clock.now),
        },
        follow_redirects=False,
    )
    assert enrolled.headers["location"] == "/console/security?done=two_factor"
    assert client.get("/console/dashboard").status_code == 200

    console.clock.advance(seconds=31)
    other = console.client("203.0.113.9")
    asked = console.log_in(other, "chief", console.passwords["chief"])
    assert asked.status_code == 200 and 'name="code"' in asked.text
    assert other.get("/console/queue", follow_redirects=False).status_code == 303
    wrong = console.send_code(other, asked, "000000")
    assert wrong.status_code == 401
    code = totp.at(console.clock.now)
    assert console.send_code(other, wrong, code).status_code == 303
    assert other.get("/console/dashboard").status_code == 200

    third = console.client("203.0.113.10")
    again = console.log_in(third, "chief", console.passwords["chief"])
    assert console.send_code(third, again, code).status_code == 401, "a code works once"


def test_a_clerk_may_sign_in_without_a_second_step_and_may_turn_it_on(
    console: Console,
) -> None:
    console.account("clerk")
    client = console.client()
    assert console.log_in(client, "clerk", console.passwords["clerk"]).headers["location"] == (
        "/console/queue"
    )
    page = client.get("/console/security")
    assert "建议开启两步验证" in page.text


def test_the_dashboard_reports_failed_refused_and_locked_sign_ins(console: Console) -> None:
    console.account("clerk")
    console.account("admin", role="admin", department="supervision")
    console.app.settings = console.app.settings.model_copy(
        update={"console": console.app.settings.console.model_copy(update={"two_factor_roles": []})}
    )
    attacker = console.client("198.51.100.20")
    for _ in range(10):
        console.log_in(attacker, "clerk", "wrong-password")
        console.clock.advance(seconds=60)
    console.log_in(attacker, "clerk", "wrong-password")
    admin = console.client()
    console.log_in(admin, "admin", console.passwords["admin"])
    page = admin.get("/console/dashboard").text
    report = re.search(r'id="sign-ins".*?</section>', page, re.DOTALL)
    assert report is not None
    numbers = dict(re.findall(r'data-key="(\w+)">(\d+)<', report.group(0)))
    assert numbers == {"succeeded": "1", "failed": "10", "refused": "1", "locked_now": "1"}


def test_an_operators_password_reset_ends_the_sessions_and_only_the_new_password_works(
    console: Console,
) -> None:
    console.account("clerk")
    client = console.client()
    console.log_in(client, "clerk", console.passwords["clerk"])
    new = staff.reset_password(console.app, "clerk")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    assert console.log_in(client, "clerk", console.passwords["clerk"]).status_code == 401
    assert console.log_in(client, "clerk", new).status_code == 303


def test_after_a_two_step_reset_a_supervisor_enrols_again(console: Console) -> None:
    console.account("chief", role="supervisor", department="supervision")
    client = console.client()
    console.log_in(client, "chief", console.passwords["chief"])
    page = client.get("/console/security")
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page.text)
    assert secret is not None
    client.post(
        "/console/security/two-factor",
        data={
            "csrf": _field(page.text, "csrf"),
            "secret": secret.group(1),
            "code": pyotp.TOTP(secret.group(1)).at(console.clock.now),
        },
    )
    staff.reset_two_factor(console.app, "chief")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    again = console.log_in(client, "chief", console.passwords["chief"])
    assert again.headers["location"] == "/console/security"
