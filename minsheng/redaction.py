"""The one place that masks personal data in text: logs, /forget, the complainant-hidden view,
Open311 and CSV exports all call `mask` (names only where the resident's own words are shown).

What is masked: resident ID numbers (18 characters ending in a digit or X, and the old 15
digits), bank cards and other long numbers, phone numbers as the `phonenumbers` library reads
them (mobiles and landlines, +86, spaced or dashed, full-width digits), bare local numbers
after a word that says they are one, e-mail addresses, vehicle plates, and — with
`names=True` — a person's name the resident introduced ("我是张三", "本人李四", "my name is …").

Imports nothing of ours, so the logging setup and the service layer can both use it.
"""

from __future__ import annotations

import re

import phonenumbers

PHONE = "[电话已隐去]"
ID_NUMBER = "[证件号已隐去]"
EMAIL = "[邮箱已隐去]"
NUMBER = "[号码已隐去]"
PLATE = "[车牌已隐去]"
NAME = "[姓名已隐去]"
TOKEN = "[token]"

# Full-width forms (１３８…, ＠, ＋) are read as ASCII: same length, so spans line up.
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺ＋－＠．（）　",
    "0123456789XxABCDEFGHIJKLMNOPQRSTUVWYZ+-@.() ",
)

# Checked first: translate() is slow, and most text has no full-width forms at all.
_HAS_WIDE = re.compile("[" + re.escape("".join(chr(c) for c in _FULL_WIDTH)) + "]")


def _fold(text: str) -> str:
    return text.translate(_FULL_WIDTH) if _HAS_WIDE.search(text) else text


_SEP = r"[ \-.]?"
_TOKENS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens (digits:35 chars), bearer tokens and a token inside a Bot API URL.
    (re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"), TOKEN),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{16,}"), r"\1" + TOKEN),
    (re.compile(r"(/bot)[^/\s]+"), r"\1" + TOKEN),
    # Secrets in query strings (access-log lines carry the whole URL): ?api_key=…, &token=…
    (
        re.compile(
            r"(?i)([?&;](?:[a-z0-9]*[_-])?"
            r"(?:api[_-]?key|key|token|secret|password|passwd|pwd|auth|signature|sig|csrf)"
            r"(?:[_-][a-z0-9_-]*)?=)[^&;#\s\"']*"
        ),
        r"\1[redacted]",
    ),
)
_BEFORE_PHONES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"), EMAIL),
    # ID numbers: 6 + 8 + 3 digits and a check character, separators allowed; the old 15.
    (
        re.compile(
            r"(?<![0-9A-Za-z])\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx](?![0-9A-Za-z])"
        ),
        ID_NUMBER,
    ),
    (
        re.compile(r"(?<![0-9A-Za-z])\d{6}" + _SEP + r"\d{6}" + _SEP + r"\d{3}(?![0-9A-Za-z])"),
        ID_NUMBER,
    ),
    # Bank cards and other long numbers: 16 digits or more (a +86 mobile has 13).
    (re.compile(r"(?<!\d)\d(?:[ \-]?\d){15,}(?!\d)"), NUMBER),
)
_AFTER_PHONES: tuple[tuple[re.Pattern[str], str], ...] = (
    # A bare 7–8 digit local number after a word that says it is one.
    (
        re.compile(
            r"(?i)((?:电话|手机|座机|联系方式|号码|tel|phone)[:：\s]*)\d{3,4}[ \-]?\d{4}(?!\d)"
        ),
        r"\1" + PHONE,
    ),
    # Mobiles the phone library might not see (a new number range, odd separators).
    (
        re.compile(
            r"(?<!\d)(?:\+?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?!\d)"
        ),
        PHONE,
    ),
    # Landlines outside today's numbering plan still look like one: an area code, 7–8 digits.
    (re.compile(r"(?<!\d)\(?0\d{2,3}\)?[ \-]?\d{3,4}[ \-]?\d{4}(?!\d)"), PHONE),
    # Vehicle plates: a province character, a letter, then 5 (6 for new-energy) characters.
    (
        re.compile(
            r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]"
            r"[·•\s]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳](?![A-Za-z0-9])"
        ),
        PLATE,
    ),
)

# A name the resident gives for themselves: two to four Chinese characters after "我是",
# "我叫", "本人", "我的名字是"…, or one or two capitalised words after "my name is", "I'm",
# "I am", "this is".
_NOT_A_NAME = re.compile(
    r"^(?:居民|住户|业主|租户|市民|老人|学生|家长|残疾|外地|本地|这里|楼上|楼下|隔壁|附近|"
    r"一名|一个|一位|想|要|来|在|从|住|刚|已|不|很|非常)"
)
_ZH_NAME = re.compile(
    r"(我是|我叫|本人|我的名字是|我的名字叫|我姓名是|姓名[:：]?)\s*([\u4e00-\u9fff]{2,4})"
)
_ZH_NAME_END = re.compile(r"(?:的|在|住|家|想|要|来|从|反映|投诉|举报|咨询|求助|是|，|。|,|\.|\s)")
_EN_NAME = re.compile(
    r"(?i:\b(my name is|my name's|i'm|i am|this is)\s+)"
    r"([A-Z][a-z]+(?:[ \-][A-Z][a-z]+)?)"
)
_EN_NOT_A_NAME = frozenset(
    {
        "A",
        "An",
        "The",
        "Not",
        "Very",
        "So",
        "Here",
        "There",
        "Writing",
        "Calling",
        "Living",
        "From",
        "In",
        "At",
        "On",
        "Your",
        "My",
        "Urgent",
        "About",
        "It",
        "Sorry",
    }
)


def mask(text: str, *, names: bool = False, tokens: bool = False) -> str:
    """`text` with personal data replaced by placeholders.

    `names=True` also masks a name the writer introduced themselves with (resident text);
    `tokens=True` also masks credentials (for logs).
    """
    if not text:
        return text
    out = text
    if tokens:
        out = _apply(out, _TOKENS)
    out = _apply(out, _BEFORE_PHONES)
    out = _mask_phones(out)
    out = _apply(out, _AFTER_PHONES)
    if names:
        out = _mask_names(out)
    return out


def mask_optional(text: str | None, *, names: bool = False) -> str | None:
    return None if text is None else mask(text, names=names)


def _apply(text: str, patterns: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, replacement in patterns:
        text = _sub(pattern, replacement, text)
    return text


def _sub(pattern: re.Pattern[str], replacement: str, text: str) -> str:
    """Match on the ASCII-folded text, replace in the original (the fold keeps lengths)."""
    folded = _fold(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        pieces.append(text[last : match.start()])
        pieces.append(match.expand(replacement) if "\\" in replacement else replacement)
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


_DIGIT_RUN = re.compile(r"\d(?:[ \-()]{0,2}\d){6}")


def _mask_phones(text: str) -> str:
    folded = _fold(text)
    # The library's matcher is slow; most log lines and messages hold no run of 7 digits.
    if _DIGIT_RUN.search(folded) is None:
        return text
    spans: list[tuple[int, int]] = []
    try:
        # Read as a mainland number unless it carries a country code (+44 …).
        for found in phonenumbers.PhoneNumberMatcher(
            folded, "CN", leniency=phonenumbers.Leniency.VALID
        ):
            if not _DATE.fullmatch(found.raw_string.strip()):
                spans.append((found.start, found.end))
    except Exception:  # the library must never stop a log line or a page
        return text
    return _replace_spans(text, spans, PHONE)


_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    if not spans:
        return text
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    pieces: list[str] = []
    last = 0
    for start, end in merged:
        pieces += [text[last:start], placeholder]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _mask_names(text: str) -> str:
    def zh(match: re.Match[str]) -> str:
        lead, candidate = match.group(1), match.group(2)
        if _NOT_A_NAME.match(candidate):
            return match.group(0)
        # "我是张三的邻居": the name ends where a particle or a verb begins.
        cut = _ZH_NAME_END.search(candidate, 1)
        name = candidate[: cut.start()] if cut and cut.start() >= 2 else candidate
        if len(name) < 2:
            return match.group(0)
        return match.group(0).replace(name, NAME, 1) if lead else match.group(0)

    def en(match: re.Match[str]) -> str:
        name = match.group(2)
        first = re.split(r"[ \-]", name)[0]
        if first in _EN_NOT_A_NAME:
            return match.group(0)
        return match.group(0)[: match.start(2) - match.start(0)] + NAME

    text = _ZH_NAME.sub(zh, text)
    return _EN_NAME.sub(en, text)
