"""`minsheng demo`: fill a fresh install with realistic sample data.

Four months of cases in Chinese across the domains — resolved and rated, transferred, some
still open, some overdue — made through the same use cases a resident and a clerk use, with a
clock set back in time, plus one staff account per role (their sign-in details are printed
once) so the console, the dashboard and the public page have something to show. It refuses
to run on a database that already holds cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minsheng.cli.common import SchemaOutOfDate

# (domain, urgency, kind, text, address); the department comes from the routing table.
CASES: tuple[tuple[str, str, str, str, str | None], ...] = (
    (
        "housing",
        "high",
        "demand",
        "小区3号楼电梯又坏了，老人上下楼很困难，请尽快维修。",
        "临江市滨江区幸福里小区3号楼",
    ),
    (
        "housing",
        "normal",
        "complaint",
        "物业未经业主同意上调停车费，每月多收50元。",
        "临江市高新区锦绣花园",
    ),
    ("housing", "normal", "demand", "楼道灯坏了两个星期，晚上回家很危险。", "临江市西湖路18号院"),
    ("housing", "normal", "inquiry", "老旧小区加装电梯的补贴政策是怎样的？需要哪些材料？", None),
    (
        "housing",
        "high",
        "demand",
        "楼上漏水到我家天花板，物业说联系不上业主。",
        "临江市城东区和平里7栋",
    ),
    (
        "utilities",
        "high",
        "demand",
        "我们小区从昨天晚上开始停水，到现在还没有通知什么时候恢复。",
        "临江市城北区新村小区",
    ),
    ("utilities", "normal", "complaint", "燃气费账单比上月高了一倍，营业厅解释不清楚。", None),
    (
        "utilities",
        "high",
        "demand",
        "冬天暖气不热，室温只有14度，家里有老人和小孩。",
        "临江市滨江区春晓苑5栋",
    ),
    (
        "transport",
        "normal",
        "demand",
        "人民路和解放路口的红绿灯坏了，早高峰很乱。",
        "临江市人民路与解放路交叉口",
    ),
    ("transport", "normal", "demand", "23路公交车晚上九点以后就没有了，希望延长运营时间。", None),
    (
        "transport",
        "normal",
        "complaint",
        "共享单车乱停乱放，把盲道都堵住了。",
        "临江市中山路地铁站B口",
    ),
    (
        "transport",
        "normal",
        "demand",
        "文化路上有个大坑，下雨天积水，电动车容易摔倒。",
        "临江市文化路88号附近",
    ),
    (
        "environment",
        "normal",
        "complaint",
        "楼下烧烤店油烟太大，晚上十二点还很吵。",
        "临江市美食街12号",
    ),
    (
        "environment",
        "normal",
        "demand",
        "小区门口垃圾桶满了三天没人清运，气味很大。",
        "临江市城南区清河小区",
    ),
    (
        "environment",
        "high",
        "complaint",
        "附近工地夜间施工，凌晨两点还在打桩。",
        "临江市高新区创新大道工地",
    ),
    ("environment", "normal", "demand", "河道里漂着很多垃圾，还有死鱼。", "临江市护城河东段"),
    ("education", "normal", "inquiry", "孩子明年上小学，学区是怎么划分的？哪里可以查？", None),
    (
        "education",
        "normal",
        "complaint",
        "学校周边的小卖部卖三无零食给学生。",
        "临江市实验小学门口",
    ),
    ("healthcare", "normal", "complaint", "社区医院挂号要排两个小时，能不能增加窗口？", None),
    ("healthcare", "normal", "inquiry", "医保异地就医备案怎么办理？", None),
    (
        "elderly_care",
        "normal",
        "demand",
        "希望社区开设老年食堂，独居老人吃饭不方便。",
        "临江市城西街道",
    ),
    ("elderly_care", "normal", "inquiry", "高龄津贴怎么申请？我父亲今年81岁。", None),
    (
        "social_security",
        "normal",
        "inquiry",
        "灵活就业人员怎么缴纳社保？网上办理入口在哪里？",
        None,
    ),
    (
        "social_security",
        "high",
        "complaint",
        "公司拖欠工资三个月了，老板找不到人。",
        "临江市经开区宏达电子厂",
    ),
    (
        "community",
        "normal",
        "demand",
        "小区健身器材坏了好几件，孩子玩很危险。",
        "临江市城东区阳光小区",
    ),
    (
        "market",
        "normal",
        "complaint",
        "超市标价和结账价格不一致，多收了钱。",
        "临江市万家超市城北店",
    ),
    ("market", "normal", "complaint", "网购的电器有质量问题，商家拒绝退货。", None),
    (
        "public_safety",
        "urgent",
        "demand",
        "小区地下车库有燃气味，物业说没事，我很担心。",
        "临江市城北区新村小区地下车库",
    ),
    (
        "other",
        "normal",
        "demand",
        "想反映一下我们村的路灯问题，不知道找哪个部门。",
        "临江市东湖镇李家村",
    ),
)
# What a mid-size city hears most about: housing, the street, transport, water and power.
_BUSY = {"housing": 3.0, "environment": 3.0, "transport": 2.5, "utilities": 2.0}
WEIGHTS = tuple(_BUSY.get(domain, 1.0) for domain, *_ in CASES)
REPLIES = (
    "您好，您反映的问题已收到，我们已安排工作人员到现场核实。",
    "您好，已联系相关单位，预计三个工作日内处理完毕。",
    "您好，经核实情况属实，正在协调维修，请耐心等待。",
)
RESOLUTIONS = (
    ("已安排维修人员到场处理，问题已解决。", "resolved"),
    ("经现场核查已整改完毕，后续将加强巡查。", "resolved"),
    ("已约谈相关单位负责人，责令限期整改。", "resolved"),
    ("该事项不属于本单位职责，已告知群众办理渠道。", "not_responsible"),
    ("因涉及多方，暂未能解决，已向上级报告。", "unresolved"),
)
COMMENTS = ("处理很及时，谢谢！", "态度很好。", None, None, "希望以后不要再出现。", "还是没解决。")
# Scores lean positive, as real surveys do; a few 1–2 make the satisfaction trend move.
SCORES = (5, 5, 4, 5, 4, 3, 5, 2, 4, 5, 1, 4)


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    department: str
    role: str


ACCOUNTS = (
    Account("demo.admin", "系统管理员", "supervision", "admin"),
    Account("demo.supervisor", "赵敏", "supervision", "supervisor"),
    Account("demo.triage", "陈静", "hotline_12345", "triage"),
    Account("demo.housing", "王芳", "housing_bureau", "agent"),
    Account("demo.transport", "李强", "transport_bureau", "agent"),
    Account("demo.city", "刘洋", "city_management", "agent"),
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="fill a fresh database with sample cases, staff accounts and ratings",
        description="Fill a fresh install with four months of realistic cases, staff accounts "
        "(sign-in details printed once) and ratings. Refuses a database that has cases.",
    )
    p.add_argument("--seed", type=int, default=12345, help="random seed (default 12345)")
    p.add_argument("--cases", type=int, default=120, help="number of cases (default 120)")
    p.set_defaults(func=_demo)


class _Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _demo(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from case_store import migrate
    from case_store.models import Case, Staff
    from minsheng.config.settings import load_settings
    from minsheng.services.bootstrap import bootstrap

    real_now = dt.datetime.now(dt.UTC)
    clock = _Clock(real_now)
    app = bootstrap(load_settings(args.config), clock=clock)
    try:
        current, head = migrate.current_revision(app.engine), migrate.head_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing (empty database)'}, this "
                f"release needs {head}: run `minsheng db upgrade` (or `make run`) first"
            )
        with app.uow() as uow:
            cases = uow.session.scalar(select(func.count(Case.id))) or 0
            logins = {
                str(x)
                for x in uow.session.scalars(select(Staff.login).where(Staff.login.like("demo.%")))
            }
        if cases or logins:
            print(
                f"error: this database already holds {cases} case(s)"
                + (f" and demo accounts ({', '.join(sorted(logins))})" if logins else "")
                + "; `minsheng demo` only fills a fresh install. Point MINSHENG_DATABASE_URL at "
                "an empty database (or remove var/minsheng.db) and run it again.",
                file=sys.stderr,
            )
            return 1
        if not 10 <= args.cases <= 2000:
            print("error: --cases is between 10 and 2000", file=sys.stderr)
            return 2
        made = _fill(app, clock, real_now, random.Random(args.seed), args.cases)
    finally:
        app.dispose()
    print(
        f"{made['cases']} cases ({made['open']} open, {made['overdue']} overdue, "
        f"{made['resolved']} resolved, {made['rated']} rated, {made['transferred']} transferred)"
    )
    print("\nstaff accounts (shown only now; only their hashes are kept):")
    print(f"  {'login':<18} {'password':<26} {'role':<11} department")
    for account, password in made["accounts"]:
        print(f"  {account.login:<18} {password:<26} {account.role:<11} {account.department}")
    print("\nsign in at /console/login; the public statistics are at /public")
    return 0


def _fill(
    app: Any, clock: _Clock, real_now: dt.datetime, rnd: random.Random, count: int
) -> dict[str, Any]:
    from minsheng.services.access import staff
    from minsheng.services.casework import resident_actions, staff_actions
    from minsheng.services.casework.submission import Intake, submit
    from minsheng.services.sla import sweep

    settings = app.settings
    accounts = []
    actors: dict[str, str] = {}
    for account in ACCOUNTS:
        if account.department not in {d.id for d in settings.departments}:
            continue  # a config without this department: no account for it
        creds = staff.add_staff(
            app,
            name=account.name,
            department=account.department,
            role=account.role,
            login=account.login,
        )
        accounts.append((account, creds.password))
        actors.setdefault(account.department, f"staff:{creds.public_id}")
    fallback = actors.get("supervision", "staff")
    routing = settings.routing
    stats = {"cases": 0, "open": 0, "overdue": 0, "resolved": 0, "rated": 0, "transferred": 0}

    def actor_for(department: str | None) -> str:
        return actors.get(department or "", fallback)

    def act(run: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        try:
            run(*args, **kwargs)
            return True
        except Exception:  # an action the case's state does not allow: skip it, keep going
            return False

    start = real_now - dt.timedelta(days=120)
    # Spread over four months up to an hour ago, so this month has cases too.
    span = 120 * 86_400 - 3_600
    moments = sorted(start + dt.timedelta(seconds=rnd.uniform(0, span)) for _ in range(count))
    for n, at in enumerate(moments):
        domain, urgency, kind, text, address = rnd.choices(CASES, weights=WEIGHTS)[0]
        # Daytime submissions, as most are.
        local = at.astimezone(app.tz).replace(hour=rnd.randint(8, 21), minute=rnd.randint(0, 59))
        clock.now = min(local.astimezone(dt.UTC), real_now - dt.timedelta(hours=1))
        view = submit(
            app,
            Intake(
                text=text,
                domain=domain,
                urgency=urgency,
                kind=kind,
                channel="web",
                external_id=f"demo-resident-{n % 47}",
                display_name=rnd.choice(("张先生", "李女士", "王阿姨", "刘师傅", "陈同学", None)),
                address=address,
                phone=f"1{rnd.choice('3578')}{rnd.randint(100_000_000, 999_999_999)}"
                if rnd.random() < 0.6
                else None,
                details={"contact_consent": rnd.random() < 0.7},
            ),
        )
        ref, department = view["reference"], view["department"]
        stats["cases"] += 1
        age = real_now - clock.now
        fate = rnd.random()
        # Recent cases are mostly still open; older ones mostly resolved.
        stuck = fate > 0.94  # an old case nobody finished: overdue on the dashboard
        if (
            stuck
            or (age < dt.timedelta(days=10) and fate < 0.7)
            or (age < dt.timedelta(days=45) and fate < 0.3)
        ):
            stats["open"] += 1
            if fate < 0.2 and urgency != "urgent":
                continue  # not yet accepted
            clock.now += dt.timedelta(hours=rnd.uniform(0.5, 20))
            if clock.now >= real_now:
                continue
            act(staff_actions.accept, app, ref, actor=actor_for(department))
            if fate < 0.6:
                act(staff_actions.start, app, ref, actor=actor_for(department))
                act(
                    staff_actions.reply,
                    app,
                    ref,
                    text=rnd.choice(REPLIES),
                    actor=actor_for(department),
                )
            elif fate < 0.75:
                act(
                    staff_actions.ask_resident,
                    app,
                    ref,
                    question="请问具体是几号楼附近？方便的话请发一张照片。",
                    actor=actor_for(department),
                )
            continue
        if department != routing.get("other") and fate < 0.12:
            # Sent to the wrong place first, then transferred where it belongs.
            clock.now += dt.timedelta(hours=rnd.uniform(1, 6))
            if act(
                staff_actions.transfer,
                app,
                ref,
                to_department=None,
                reason="非本单位职责，退回派单台",
                actor=actor_for(department),
            ):
                stats["transferred"] += 1
                clock.now += dt.timedelta(hours=rnd.uniform(1, 4))
                act(
                    staff_actions.transfer,
                    app,
                    ref,
                    to_department=department,
                    reason="经核实属该单位职责",
                    actor=actor_for("hotline_12345"),
                )
        clock.now += dt.timedelta(hours=rnd.uniform(0.5, 30))
        act(staff_actions.accept, app, ref, actor=actor_for(department))
        act(staff_actions.start, app, ref, actor=actor_for(department))
        if rnd.random() < 0.6:
            clock.now += dt.timedelta(hours=rnd.uniform(2, 48))
            act(
                staff_actions.reply, app, ref, text=rnd.choice(REPLIES), actor=actor_for(department)
            )
        if rnd.random() < 0.2:
            resident_actions.resident_message(
                app, ref, text="补充一下：情况比之前更严重了，请尽快处理。"
            )
        # Mostly within the 30 working days; some well past them.
        clock.now += dt.timedelta(days=rnd.choice((1, 2, 3, 5, 8, 12, 20, 45)))
        if clock.now >= real_now - dt.timedelta(hours=2):
            stats["open"] += 1
            continue
        note, outcome = rnd.choice(RESOLUTIONS)
        if not act(
            staff_actions.resolve, app, ref, note=note, outcome=outcome, actor=actor_for(department)
        ):
            continue
        stats["resolved"] += 1
        clock.now += dt.timedelta(hours=rnd.uniform(1, 40))
        if clock.now < real_now and rnd.random() < 0.85:
            score = rnd.choice(SCORES)
            if act(resident_actions.rate, app, ref, score=score, comment=rnd.choice(COMMENTS)):
                stats["rated"] += 1
    clock.now = real_now
    # Raise the warnings and breaches that are due now, as the running service would.
    sweep.run(app, real_now)
    stats["overdue"] = _overdue(app, real_now)
    return {**stats, "accounts": accounts}


def _overdue(app: Any, now: dt.datetime) -> int:
    from sqlalchemy import and_, func, or_, select

    from case_store.lifecycle import OPEN_STATUSES
    from case_store.models import Case

    with app.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count(Case.id)).where(
                    Case.status.in_(OPEN_STATUSES),
                    or_(
                        and_(Case.first_responded_at.is_(None), Case.first_response_due_at < now),
                        Case.resolution_due_at < now,
                    ),
                )
            )
            or 0
        )
