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
        # Questions about "the thing I reported" in the resident's own words; whole-message
        # matches only, so a description that mentions progress stays a description.
        (
            r"(请问)?我?(刚才|刚刚|之前|上次|前几天|昨天|前天|早上|上午|下午)?"
            r"(反映|提交|投诉|举报|报|说|提)的?(那个|那件|这个|这件)?"
            r"(事情?|问题|诉求|投诉|情况|工单)?(现在)?(处理|办)?得?"
            r"(怎么样|怎样|如何|咋样|有进展|有结果|有消息|有回复|有人管)了?(吗|没有|呢|啊|没)?",
            "status",
        ),
        (r"(现在)?(进展|进度|状态|结果)(如何|怎么样|怎样|咋样)了?(吗|呢|啊)?", "status"),
        (r"(现在)?(处理|办)得?(怎么样|如何|咋样)了?(吗|呢|啊)?", "status"),
        (r"(有人|有没有人)(管|处理|理|跟进|受理)(吗|没有|了吗|了没|啊|呢)?", "status"),
        (r"(怎么|为什么)?还没(有)?(人管|人理|人处理|处理|解决|回复|消息)(啊|呢|吗)?", "status"),
        (
            r"(hi\s*)?(what(s|is)\s*the\s*(status|progress)|any\s*(updates?|news|progress)"
            r"|(is\s*there\s*)?(an|any)\s*(updates?|news|progress))"
            r"(\s*(on|about|with|for|of)\s*(my|the)\s*(case|report|request|complaint|problem))?"
            r"(\s*please)?",
            "status",
        ),
        (
            r"(what(s|is)\s*happening|how(s|is)\s*it\s*going)\s*(with|on)\s*my\s*"
            r"(case|report|request|complaint)",
            "status",
        ),
        (r"(has|did)\s*anyone\s*(looked|look|picked|pick)\s*(at|up)\s*(it|my\s*\w+)", "status"),
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


# Greetings and fillers that say nothing about a problem (compared without spaces or
# punctuation, lower-cased). "hi", "hello" and friends are already the /start command.
_FILLERS = {
    "在吗",
    "在不在",
    "在么",
    "有人吗",
    "有人在吗",
    "有人么",
    "喂",
    "嗨",
    "哈喽",
    "哈啰",
    "你好啊",
    "嗯嗯",
    "哦",
    "哦哦",
    "好的",
    "谢谢",
    "谢谢你",
    "谢谢您",
    "多谢",
    "测试",
    "test",
    "testing",
    "hey",
    "yo",
    "thanks",
    "thankyou",
    "ok",
    "okay",
    "hmm",
    "anyonethere",
    "isanyonethere",
}
_SKIP = {"跳过", "略过", "不方便", "不用了", "没有", "skip", "later", "not now", "none"}

# Mobile numbers (with an optional +86) and landlines with an area code.
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"
    r"|(?<!\d)\d{7,8}(?!\d)"
)
# Characters too common to make two messages look alike.
_COMMON = set("的了是我在有不没吗呢啊吧一个这那你他她们也都就还很和与及或要会能想说又再")
_EN_STOP = {
    "the", "and", "for", "with", "this", "that", "there", "have", "has", "was", "were",
    "are", "is", "it", "its", "my", "our", "your", "still", "not", "but", "from", "near",
    "outside", "about", "again", "please", "been", "will", "can", "just", "what", "when",
}  # fmt: skip


def is_contentless(text: str) -> bool:
    """Too little to be a problem: digits, punctuation, emoji, one character, a greeting."""
    core = "".join(ch for ch in text if ch.isalnum()).lower()
    if not core or core.isdigit() or core in _FILLERS:
        return True
    return len(core) == 1 or (core.isascii() and len(core) < 3)


def is_skip(text: str) -> bool:
    return as_word(text) in _SKIP or is_no(text)


def find_phone(text: str) -> str | None:
    """A phone number in what the resident wrote, spaces and dashes removed."""
    m = _PHONE.search(text)
    return re.sub(r"[\s-]", "", m.group(0)) if m else None


def mentioned_references(text: str) -> set[str]:
    found = (normalise_reference(m.group(0)) for m in REFERENCE.finditer(text))
    return {ref for ref in found if ref is not None}


def content_tokens(text: str) -> set[str]:
    """Chinese character pairs and English words, without the most common ones."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z]{3,}", lowered) if w not in _EN_STOP}
    han = re.findall(r"[\u4e00-\u9fff]+", lowered)
    pairs = {
        run[i : i + 2]
        for run in han
        for i in range(len(run) - 1)
        if not set(run[i : i + 2]) & _COMMON
    }
    return words | pairs


def content_chars(text: str) -> set[str]:
    """Single Chinese characters and English words, without the most common ones: looser
    than `content_tokens`, for words already known to be about the same area."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z]{3,}", lowered) if w not in _EN_STOP}
    return words | {ch for ch in re.findall(r"[\u4e00-\u9fff]", lowered) if ch not in _COMMON}
