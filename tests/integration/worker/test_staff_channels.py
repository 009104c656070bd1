"""Staff notices by e-mail (a real SMTP server, aiosmtpd) and in the department's Telegram
group (the local fake Bot API), through the outbox: once per destination, dead with a reason
when a department has no channel, retried while the SMTP server is down, nothing lost when
a worker is killed mid-send; and accepting an urgent case from the group's button.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_smtp import SmtpServer
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store import migrate
from case_store.models import AuditLog, Case, OutboxMessage
from minsheng.config.schema import NotifyCfg, SmtpCfg
from minsheng.config.settings import Settings
from minsheng.services.access import staff, telegram_link
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import submission
from minsheng.services.messaging import delivery, outbox, outbox_admin
from minsheng.services.sla import digest, sweep
from minsheng.worker import senders as worker_senders

TOKEN = "123456:TEST-token"
GROUP = -1001234567
DESK = "utilities_desk"  # where utilities cases go
DESK_MAIL = "utilities@linjiang.example.gov.cn"
CONSOLE = "https://minsheng.linjiang.example.gov.cn/console"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def channel_settings(
    base: Settings,
    url: str,
    smtp_port: int,
    bot_base_url: str,
    *,
    email: str | None = DESK_MAIL,
    group: int | None = GROUP,
    language: str = "zh",
) -> Settings:
    desk = {"email": email, "telegram_chat_id": group, "language": language}
    departments = [d.model_copy(update=desk) if d.id == DESK else d for d in base.departments]
    smtp = SmtpCfg.model_validate(
        {
            "host": "127.0.0.1",
            "port": smtp_port,
            "from": "minsheng@linjiang.example.gov.cn",
            "starttls": False,
            "timeout_s": 5,
        }
    )
    return base.model_copy(
        update={
            "database_url": url,
            "departments": departments,
            "notify": NotifyCfg(console_url=CONSOLE, smtp=smtp),
            "telegram_token": SecretStr(TOKEN),
            "telegram_base_url": bot_base_url,
        }
    )


@pytest.fixture
def make_app(
    base_settings: Settings, clock: Any, smtp_server: SmtpServer, bot_api: Any
) -> Iterator[Callable[..., tuple[App, Any]]]:
    made: list[App] = []

    def make(url: str, **kw: Any) -> tuple[App, Any]:
        fake = bot_api()
        settings = channel_settings(base_settings, url, smtp_server.port, fake.base_url, **kw)
        app = bootstrap(settings, clock=clock)
        migrate.upgrade(app.engine)
        made.append(app)
        return app, fake

    yield make
    for app in made:
        app.dispose()


def urgent_case(app: App, text: str = "燃气泄漏，我是张三，电话13812345678") -> str:
    view = submission.submit(
        app,
        submission.Intake(
            text=text,
            domain="utilities",
            urgency="urgent",
            kind="demand",
            channel="telegram",
            external_id="4242",
        ),
    )
    assert view["department"] == DESK
    return str(view["reference"])


def drain(app: App, rounds: int = 4) -> None:
    """Deliver what is due, as a worker would, a few rounds (fan-out, then destinations)."""
    senders = worker_senders.build(app)
    for _ in range(rounds):
        delivery.deliver_due(app, senders, worker_id="test")


def staff_rows(app: App) -> list[tuple[str, str, str, int, str | None]]:
    with app.uow() as uow:
        return [
            (r.key, r.channel, r.status, r.attempts, r.last_error)
            for r in uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel.like("staff%"))
                .order_by(OutboxMessage.id)
            )
        ]


def group_messages(fake: Any) -> list[Any]:
    return fake.sent_to(GROUP)


# -- e-mail and group, once -----------------------------------------------------------------


def test_an_urgent_case_reaches_its_departments_address_and_group_once(
    make_app: Any, database_url: str, smtp_server: SmtpServer
) -> None:
    app, fake = make_app(database_url)
    ref = urgent_case(app)

    drain(app)
    drain(app)  # a second worker round, later, sends nothing again

    (mail,) = smtp_server.inbox.to(DESK_MAIL)
    assert ref in str(mail["Subject"]) and "紧急诉求" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"{CONSOLE}/cases/{ref}" in text and f'href="{CONSOLE}/cases/{ref}"' in html
    for secret in ("13812345678", "张三", "燃气泄漏"):
        assert secret not in mail.as_string() and secret not in html
    (post,) = group_messages(fake)
    assert ref in post.text and f"{CONSOLE}/cases/{ref}" in post.text
    assert post.buttons == [[{"text": "受理", "callback_data": f"staff:accept:{ref}"}]]
    assert "13812345678" not in post.text
    statuses = {key.rsplit(">", 1)[-1]: status for key, _, status, _, _ in staff_rows(app)}
    assert statuses == {f"{ref}:new_case": "sent", "email": "sent", "telegram": "sent"}


def test_a_fan_out_repeated_after_a_crash_sends_each_destination_only_once(
    make_app: Any, sqlite_url: str, smtp_server: SmtpServer
) -> None:
    app, fake = make_app(sqlite_url)
    ref = urgent_case(app)
    drain(app)
    with app.uow() as uow:  # as if the process died after fanning out, before marking sent
        parent = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.key == f"{ref}:new_case")
        ).one()
        parent.status = "pending"
        uow.commit()

    drain(app)

    assert len(smtp_server.inbox.to(DESK_MAIL)) == 1
    assert len(group_messages(fake)) == 1


def test_an_english_department_gets_its_notice_in_english(
    make_app: Any, sqlite_url: str, smtp_server: SmtpServer
) -> None:
    app, _ = make_app(sqlite_url, language="en")
    ref = urgent_case(app)
    drain(app)
    (mail,) = smtp_server.inbox.to(DESK_MAIL)
    assert "URGENT case" in str(mail["Subject"]) and ref in str(mail["Subject"])
    assert "Open in the console" in mail.get_body(("plain",)).get_content()


# -- a department nobody can reach --------------------------------------------------------


def test_a_department_with_no_channel_is_dead_with_the_reason_and_not_retried(
    make_app: Any, sqlite_url: str, smtp_server: SmtpServer, clock: Any
) -> None:
    app, fake = make_app(sqlite_url, email=None, group=None)
    ref = urgent_case(app)

    drain(app)
    clock.advance(hours=2)
    drain(app)

    ((key, channel, status, attempts, error),) = staff_rows(app)
    assert (key, channel, status, attempts) == (f"{ref}:new_case", "staff", "dead", 1)
    assert error is not None and "utilities_desk" in error and "telegram_chat_id" in error
    listed = [r for r in outbox_admin.dead(app) if r["channel"] == "staff"]
    assert [(r["reference"], r["type"]) for r in listed] == [(ref, "new_case")]
    assert "no staff channel" in listed[0]["last_error"]
    assert smtp_server.inbox.messages == [] and group_messages(fake) == []


# -- the SMTP server goes down -------------------------------------------------------------


def test_while_the_smtp_server_is_down_the_mail_is_retried_then_delivered_once(
    make_app: Any, sqlite_url: str, smtp_server: SmtpServer, clock: Any
) -> None:
    app, fake = make_app(sqlite_url)
    smtp_server.stop()
    ref = urgent_case(app)

    drain(app)
    email_row = [r for r in staff_rows(app) if r[1] == "staff_email"]
    assert [(s, a) for _, _, s, a, _ in email_row] == [("failed", 1)]
    assert "SMTP server unreachable" in str(email_row[0][4])
    assert len(group_messages(fake)) == 1  # the group is not held up by the mail
    clock.advance(seconds=11)
    drain(app)
    assert [(r[2], r[3]) for r in staff_rows(app) if r[1] == "staff_email"] == [("failed", 2)]

    smtp_server.start()
    drain(app)  # not due yet: the back-off doubled to 20 s
    assert smtp_server.inbox.messages == []
    clock.advance(seconds=21)
    drain(app)
    clock.advance(minutes=30)
    drain(app)

    (mail,) = smtp_server.inbox.to(DESK_MAIL)
    assert ref in str(mail["Subject"])
    assert [r[2] for r in staff_rows(app) if r[1] == "staff_email"] == ["sent"]


# -- accepting from the group ---------------------------------------------------------------


def _press(fake: Any, user_id: int, data: str, chat_id: int = GROUP) -> dict[str, Any]:
    return {
        "update_id": int(time.time() * 1000) % 10_000_000,
        "callback_query": {
            "id": f"cbq-{user_id}-{time.monotonic_ns()}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Wang"},
            "chat_instance": "ci-group",
            "data": data,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "supergroup", "title": "公用事业工作群"},
                "text": "紧急诉求",
            },
        },
    }


def _group_text(user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": int(time.time() * 1000) % 10_000_000 + 1,
        "message": {
            "message_id": 78,
            "date": int(time.time()),
            "chat": {"id": GROUP, "type": "supergroup", "title": "公用事业工作群"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Wang"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


def _run_updates(app: App, fake: Any, *updates: dict[str, Any]) -> None:
    from telegram import Bot, Update

    from minsheng.channels import telegram

    async def go() -> None:
        bot = Bot(TOKEN, base_url=fake.base_url)
        await bot.initialize()
        try:
            for data in updates:
                update = Update.de_json(data, bot)
                assert update is not None
                await telegram.process_update(app, bot, update)
        finally:
            await bot.shutdown()

    asyncio.run(go())


def _answers(fake: Any) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_of("answerCallbackQuery")]


def test_a_linked_clerk_accepts_an_urgent_case_from_the_group_as_its_first_response(
    make_app: Any, sqlite_url: str
) -> None:
    app, fake = make_app(sqlite_url)
    ref = urgent_case(app)
    drain(app)
    creds = staff.add_staff(app, name="王芳", department=DESK, role="agent")
    member = staff.by_public_id(app, creds.public_id)
    assert member is not None
    code = telegram_link.new_code(app, member).code

    _run_updates(
        app, fake, _group_text(555, f"/link {code}"), _press(fake, 555, f"staff:accept:{ref}")
    )

    assert any("已绑定" in c.text for c in group_messages(fake))
    assert fake.calls_of("deleteMessage"), "the message carrying the code is removed"
    with app.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        assert case.status == "accepted" and case.first_responded_at is not None
        audit = uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "case_accepted_in_group")
        ).one()
        assert (audit.actor, audit.subject) == (f"staff:{creds.public_id}", ref)
    assert _answers(fake)[-1]["text"].startswith("已受理")
    assert any("已由 王芳 受理" in c.text for c in group_messages(fake))
    # The resident hears of the acceptance through their own channel, as from the console.
    drain(app)
    assert any("受理" in c.text for c in fake.sent_to(4242))

    _run_updates(app, fake, _press(fake, 555, f"staff:accept:{ref}"))
    assert "已被受理" in _answers(fake)[-1]["text"]


def test_an_unlinked_or_out_of_scope_user_is_refused_politely_and_nothing_changes(
    make_app: Any, sqlite_url: str
) -> None:
    app, fake = make_app(sqlite_url)
    ref = urgent_case(app)
    other = staff.add_staff(app, name="李明", department="education_bureau", role="agent")
    member = staff.by_public_id(app, other.public_id)
    assert member is not None
    code = telegram_link.new_code(app, member).code

    _run_updates(
        app,
        fake,
        _press(fake, 999, f"staff:accept:{ref}"),
        _group_text(777, "/link WRONGCODE"),
        _group_text(777, f"/link {code}"),
        _press(fake, 777, f"staff:accept:{ref}"),
    )

    unlinked, out_of_scope = _answers(fake)
    assert unlinked["text"].startswith("抱歉") and "/link" in unlinked["text"]
    assert unlinked.get("show_alert") in (True, "true")
    assert out_of_scope["text"].startswith("抱歉") and ref in out_of_scope["text"]
    assert any("绑定码无效" in c.text for c in group_messages(fake))
    with app.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        assert case.status == "routed" and case.first_responded_at is None
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "case_accepted_in_group")
            )
            == 0
        )


def test_a_link_code_works_once(make_app: Any, sqlite_url: str, clock: Any) -> None:
    app, _ = make_app(sqlite_url)
    creds = staff.add_staff(app, name="王芳", department=DESK, role="agent")
    member = staff.by_public_id(app, creds.public_id)
    assert member is not None
    code = telegram_link.new_code(app, member).code
    assert telegram_link.link(app, 555, code) == member
    assert telegram_link.link(app, 556, code) is None
    late = telegram_link.new_code(app, member).code
    clock.advance(minutes=telegram_link.LINK_MINUTES + 1)
    assert telegram_link.link(app, 557, late) is None
    assert telegram_link.member_for(app, 555) == member


# -- a worker killed mid-send ----------------------------------------------------------------


def _stack_config(stack: Any, smtp_port: int) -> None:
    data = yaml.safe_load(Path(stack.config).read_text(encoding="utf-8"))
    for dept in data["departments"]:
        if dept["id"] == DESK:
            dept["email"] = DESK_MAIL
    data["notify"] = {
        "console_url": CONSOLE,
        "smtp": {
            "host": "127.0.0.1",
            "port": smtp_port,
            "from": "minsheng@linjiang.example.gov.cn",
            "starttls": False,
            "timeout_s": 10,
        },
    }
    Path(stack.config).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.redis
def test_no_staff_notice_is_lost_when_a_worker_is_killed_mid_send(
    sqlite_url: str,
    base_settings: Settings,
    shared_redis: str,
    bot_api: Any,
    stack_factory: Any,
    smtp_server: SmtpServer,
) -> None:
    fake = bot_api()
    smtp_server.inbox.delay = 0.25  # each mail takes a while, so the kill finds some in flight
    settings = channel_settings(
        base_settings, sqlite_url, smtp_server.port, fake.base_url, group=None
    )
    app = bootstrap(settings)
    migrate.upgrade(app.engine)
    refs = [f"MS-2612-K{i:05d}" for i in range(40)]
    with app.uow() as uow:
        for ref in refs:
            outbox.enqueue(
                uow.session,
                key=f"{ref}:sla_warning",
                channel="staff",
                recipient=DESK,
                payload={
                    "type": "sla_warning",
                    "alert": "resolution_warn_50",
                    "reference": ref,
                    "department": DESK,
                    "due_at": "2026-12-20T23:59:59+08:00",
                },
                now=app.now(),
            )
        uow.commit()
    stack = stack_factory(sqlite_url, shared_redis, fake)
    _stack_config(stack, smtp_server.port)
    stack.start("beat")
    worker = stack.start("worker", "--concurrency", "2")
    deadline = time.monotonic() + 60
    while len(smtp_server.inbox.messages) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.kill9()
    at_kill = len(smtp_server.inbox.messages)
    assert at_kill < len(refs), "the kill came too late"

    stack.start("worker", "--concurrency", "2")

    def arrived() -> set[str]:
        return {s.split()[-1] for s in smtp_server.inbox.subjects()}

    deadline = time.monotonic() + stack.stale_claim_seconds + 90
    while arrived() < set(refs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert arrived() == set(refs), "every notice reached the department"
    repeats = len(smtp_server.inbox.messages) - len(refs)
    print(f"mailed before the kill: {at_kill}/{len(refs)}; repeated after it: {repeats}")
    assert repeats <= 2, "only a send in flight at the kill may be repeated"

    def statuses() -> set[str]:
        with app.uow() as uow:
            return set(
                uow.session.scalars(
                    select(OutboxMessage.status).where(OutboxMessage.channel.like("staff%"))
                )
            )

    deadline = time.monotonic() + 30
    while statuses() != {"sent"} and time.monotonic() < deadline:
        time.sleep(0.2)
    assert statuses() == {"sent"}
    app.dispose()


# -- when staff are told ----------------------------------------------------------------------

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _available(app: App, key: str) -> list[dt.datetime]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(select(OutboxMessage.available_at).where(OutboxMessage.key == key))
        )


def test_sla_notices_about_normal_cases_wait_for_working_hours_urgent_ones_go_at_night(
    sqlite_app: App, clock: Any
) -> None:
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    normal = submission.submit(
        sqlite_app,
        submission.Intake(text="路灯不亮", domain="transport", urgency="normal", kind="demand"),
    )["reference"]
    clock.set(dt.datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI))
    urgent = submission.submit(
        sqlite_app,
        submission.Intake(text="燃气泄漏", domain="utilities", urgency="urgent", kind="demand"),
    )["reference"]
    clock.set(dt.datetime(2026, 11, 28, 3, 0, tzinfo=SHANGHAI))  # a Saturday night
    sweep.run(sqlite_app)

    monday_morning = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert _available(sqlite_app, f"{normal}:resolution_warn_50@r1") == [monday_morning]
    night = dt.datetime(2026, 11, 28, 3, 0, tzinfo=SHANGHAI)
    assert _available(sqlite_app, f"{urgent}:first_response_breach") == [night]
    assert _available(sqlite_app, f"{urgent}:escalated:first_response_breach") == [night]


def test_a_digest_goes_out_on_working_days_only_and_mondays_covers_the_weekend(
    sqlite_app: App, clock: Any
) -> None:
    clock.set(dt.datetime(2026, 11, 7, 11, 0, tzinfo=SHANGHAI))  # Saturday
    ref = str(
        submission.submit(
            sqlite_app,
            submission.Intake(text="路灯不亮", domain="transport", urgency="normal", kind="demand"),
        )["reference"]
    )
    assert digest.run(sqlite_app) == 0
    clock.set(dt.datetime(2026, 11, 8, 9, 0, tzinfo=SHANGHAI))  # Sunday
    assert digest.run(sqlite_app) == 0
    clock.set(dt.datetime(2026, 11, 9, 8, 5, tzinfo=SHANGHAI))  # Monday, before working hours
    assert digest.run(sqlite_app) == 1
    with sqlite_app.uow() as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("digest:%"))
        ).one()
        assert row.payload["new"]["references"] == [ref]
        assert row.available_at == dt.datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)
