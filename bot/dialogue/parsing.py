"""Recognising what the resident typed: case references, commands and their plain-word
twins, yes and no."""

from __future__ import annotations

import re

from bot.dialogue.model import Event

REFERENCE = re.compile(r"MS-?\d{4}-?[0-9A-Za-z]{6}", re.IGNORECASE)
_REF_TAIL = str.maketrans("OIL", "011")
_PUNCT = re.compile(r"[\s。．.!！?？~～，,、\"“”'‘’]+")

_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), name)
    for p, name in (
        (
            r"(查询|查看|查|看看)?(一下)?(我的)?(诉求|投诉|案件|工单|问题|反映)?的?(办理)?"
            r"(进展|进度|状态|结果)(如何|怎么样|怎样|查询)?",
            "status",
        ),
        (r"(办|处理)到哪(了|一步了)?", "status"),
        (r"(check\s*)?(my\s*)?(case|request|complaint)?\s*(status|progress)", "status"),
        (r"(查询|查看|看看)?(我的|我提交的)(全部|所有)?(诉求|投诉|案件|工单)(列表)?", "mycases"),
        (r"(show\s*)?(all\s*)?my\s*(cases|requests|complaints)", "mycases"),
        (r"帮助|怎么用|使用说明|help|menu|菜单", "help"),
        (r"你好|您好|hi|hello|start|开始", "start"),
        (
            r"(提交|反映)?(新的?)(诉求|问题)|new(\s*(case|request|problem))?|我要(反映|提交)问题",
            "new",
        ),
        (r"取消|退出|算了|cancel|quit", "cancel"),
        (r"(查看|查询)?我的(个人)?(数据|信息|资料)|(show\s*)?my\s*data", "mydata"),
        (r"(删除|清除)(我的)?(个人)?(数据|信息|资料)|forget\s*me|delete\s*my\s*data", "forget"),
        # Livelihood projects (bot.dialogue.projects).
        (r"(查看|看看)?(民生实事|点单项目)(项目)?(列表)?|(show\s*)?(open\s*)?projects", "projects"),
        (r"(查看)?我(支持|点单)?的(民生实事|项目)|my\s*projects", "myprojects"),
        (r"中文|切换(到)?中文|说中文|chinese", "lang:zh"),
        (r"english|英文|英语|切换(到)?英文|switch\s*to\s*english", "lang:en"),
    )
)
_WITHDRAW = re.compile(r"(撤回|撤销|withdraw)\s*(MS-?\d{4}-?[0-9A-Za-z]{6})?", re.IGNORECASE)

_YES = {
    "是",
    "是的",
    "好",
    "好的",
    "可以",
    "行",
    "同意",
    "确认",
    "确定",
    "对",
    "没问题",
    "嗯",
    "yes",
    "y",
    "ok",
    "okay",
    "sure",
    "confirm",
    "yep",
    "yeah",
}
_NO = {"不", "不用", "不要", "否", "不可以", "不行", "不同意", "别", "no", "n", "nope", "no thanks"}


def normalise_reference(text: str) -> str | None:
    m = re.fullmatch(r"MS-?(\d{4})-?([0-9A-Z]{6})", text.strip().upper())
    if not m:
        return None
    return f"MS-{m.group(1)}-{m.group(2).translate(_REF_TAIL)}"


def _plain(text: str) -> str:
    return _PUNCT.sub("", text).lower() if len(text) <= 40 else ""


def parse_command(text: str) -> tuple[str, str] | None:
    """(name, argument) for a slash command or its plain-word twin; None for free text."""
    stripped = text.strip()
    if stripped.startswith("/"):
        head, _, arg = stripped[1:].partition(" ")
        return head.split("@", 1)[0].lower(), arg.strip()
    if m := _WITHDRAW.fullmatch(stripped):
        return "withdraw", m.group(2) or ""
    if REFERENCE.fullmatch(stripped):
        return "status", stripped
    compact = _plain(stripped)
    if not compact:
        return None
    for pattern, name in _PLAIN:
        if pattern.fullmatch(compact):
            if name.startswith("lang:"):
                return "lang", name[5:]
            return name, ""
    return None


def wants_nlu(event: Event) -> bool:
    """Whether the caller should classify this event's text before calling `handle`."""
    return bool(
        event.text
        and event.text.strip()
        and event.callback is None
        and parse_command(event.text) is None
    )


def as_word(text: str) -> str:
    return _PUNCT.sub(" ", text).strip().lower()


def is_yes(text: str) -> bool:
    return as_word(text) in _YES


def is_no(text: str) -> bool:
    return as_word(text) in _NO
