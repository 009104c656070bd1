"""Rule-based entity extraction: locations, phone numbers, dates and times, ages and counts.

Extraction runs on the normalised text; spans are mapped back to the original message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXTRACTOR = "MinshengRuleExtractor"

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a dozen": 12,
    "a hundred": 100,
}


@dataclass(frozen=True, slots=True)
class Found:
    entity: str
    start: int
    end: int
    role: str | None = None
    number: int | None = None
    value: str | None = None  # when the value differs from the surface text


def chinese_number(text: str) -> int | None:
    """Value of a plain number written in digits or Chinese numerals (二十, 八十二, 三百五)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


_PHONE = re.compile(
    r"(?<![\d-])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\d])"
    r"|(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)"
)

_NUM = rf"(?:\d+|[{_CN_NUM}几]+)"
_AGE = re.compile(
    rf"(?P<n>\d{{1,3}}|[{_CN_NUM}]{{1,4}})(?:多|来)?(?:周)?岁(?:半)?"
    r"|\b(?P<en>\d{1,3})[- ](?:years?|yrs?)[- ]old\b|\baged (?P<en2>\d{1,3})\b",
    re.IGNORECASE,
)
_COUNT_NOUNS = (
    "老人|孩子|小孩|学生|小学生|中学生|儿童|居民|住户|家庭|工人|农民工|村民|业主|员工|病人|患者|老师|家长|"
    "人|户|家|辆车|辆|栋楼|个村"
)
_COUNT = re.compile(
    rf"(?P<n>{_NUM})(?P<approx>多|余|来)?(?:个|位|名)?(?:{_COUNT_NOUNS})"
    r"|\b(?P<en>\d+|a dozen|dozens of|hundreds of|several|two|three|four|five|six|seven|eight|nine|ten|"
    r"twenty|thirty|forty|fifty)\s+(?:\w+\s+)?(?:people|residents|families|households|kids|children|"
    r"students|pupils|workers|elderly|pensioners|cars|vehicles|homes|flats)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|"
    r"(?:下下?|上|这|本)?(?:周|星期|礼拜)[一二三四五六日天]|(?:今|明|昨|前|后|大后)天|今晚|昨晚|明晚|今早|明早|"
    r"(?:下|上|这|本)(?:个月|周|星期)|(?:今|明|去)年|"
    r"\b(?:today|tomorrow|yesterday|tonight|(?:next|last|this) (?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|week|month|weekend)|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    rf"(?:凌晨|早上|上午|中午|下午|傍晚|晚上|半夜|夜里)?(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})[点时](?:\d{{1,2}}分|半|整|多)?"
    r"|\d{1,2}:\d{2}|凌晨|早上|上午|中午|下午|傍晚|晚上|半夜|深夜|"
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b(?:this|in the) (?:morning|afternoon|evening)\b|\bmidnight\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"{_NUM}(?:多|来)?(?:个)?(?:小时|分钟|天|个星期|星期|周|个月|月|年)(?:多)?(?=了|没|都|还|一直|以来|以上|，|,|。|$|[^\u4e00-\u9fff])"
    r"|\b(?:\d+|a few|several|two|three|four|five|six|seven|ten)\s+(?:minutes|hours|days|weeks|months|years)\b",
    re.IGNORECASE,
)

# Words that cannot be part of a place name, so a name starts after the nearest of them.
_NAME_STOP = set(
    "我你他她它们的在住是了到从和跟与及把被给那这个条些说去来往向对于为就都也还又很太每该其边"
)
# Stop characters that also begin common place names (和平街, 向阳路, 为民路).
_NAME_STARTS = set("和向为")
# Names so common that they begin the name whatever stands before them ("请问和平小区",
# "建议和平小区"): left to the context rule, one estate's name is cut out in some messages and
# kept in others.
_NAME_START_WORDS = frozenset({"和平", "和谐", "和睦", "和顺", "和兴", "向阳", "向荣", "为民"})
# 路 ends a road name, but not in words about roads or routes: 路灯 (street light), 路面,
# 路况, 路牌, 路段, 路边, 路径, 路线, 路标, 路基; 线路 (a bus route), 电路, 绕路, 走路, 迷路,
# 带路, 让路, 修路, 问路.
_ROAD = "(?<![线电绕走迷带让修问])路(?![灯面况牌段边径线标基])"
_PLACE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("community", "小区|花园|家园|新村|公寓|社区|苑|园|庄|村|大院|宿舍|新城|大厦|广场|里(?=\\d)"),
    ("road", f"大道|大街|{_ROAD}|街|巷|胡同|弄|公路|高架|大桥|桥"),
    ("district", "开发区|高新区|新区|街道|区|县|镇|乡"),
    (
        "place",
        "小学|中学|幼儿园|学校|医院|卫生院|卫生服务中心|诊所|公园|农贸市场|菜市场|市场|超市|商场|地铁站|车站|养老院|敬老院",
    ),
)
_SUFFIX_RE = re.compile("|".join(f"(?P<{role}>{alts})" for role, alts in _PLACE_SUFFIXES))
_NOT_PLACES = {
    "小区",
    "社区",
    "园区",
    "地区",
    "城区",
    "市区",
    "片区",
    "校区",
    "景区",
    "辖区",
    "山区",
    "郊区",
    "老区",
    "马路",
    "道路",
    "公路",
    "一路",
    "上街",
    "逛街",
    "花园",
    "公园",
    "家园",
    "学校",
    "医院",
    "市场",
    "超市",
    "车站",
    "农村",
    "乡村",
    "新村",
    "街道",
    "本村",
    "全村",
    "各村",
    "同村",
    "大街",
    "过马路",
    "小巷",
    "公寓",
    "宿舍",
    "广场",
    "大厦",
}
_BUILDING = re.compile(
    rf"(?:\d+|[{_CN_NUM}]+)(?:号楼|栋|幢|座|单元|号院)(?:\d+(?:室|号))?|\d+-\d+(?:-\d+)?(?:室|号)?|\d{{3,4}}室"
    r"|\b(?:bldg\.?|building|block|tower)\s*\d+\b|\b(?:flat|apt\.?|room)\s*\d+\b",
    re.IGNORECASE,
)
# A name word may not itself be a road word, or "Binjiang Road Zhongshan Road" reads as one road.
_EN_PLACE = re.compile(
    r"\b(?:(?!(?:Road|Rd|Street|St|Avenue|Ave|Lane)\b)[A-Z][a-z]+\s){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Estate|Gardens?|Court|Park|Square|Plaza|"
    r"District|Village|Community|Primary|School|Hospital|Market|Mall|Garden)\b\.?"
)
# After a road name: the number and then building, unit and room, kept as one address
# ("滨江路88号", "和平街12号院3号楼2单元501室", "和平街12号3-2-501").
_ZH_ADDRESS_TAIL = re.compile(
    rf"(?:\d+|[{_CN_NUM}]+)(?:号院|号|弄)(?:\d+(?:号楼|栋|幢|座|号院))?(?:(?:\d+|[{_CN_NUM}]+)单元)?(?:\d+(?:室|户|号))?"
    r"(?:\d+-\d+(?:-\d+)?(?:室|号)?)?"
)
_EN_ADDRESS_NUMBER = re.compile(r"(?:\bNo\.?\s*)?\b\d+[A-Za-z]?,?\s+$", re.IGNORECASE)
_EN_ADDRESS_TAIL = re.compile(
    r"(?:,?\s*(?:Block|Building|Bldg\.?|Tower|Unit|Flat|Apt\.?|Room)\s*\d+[A-Za-z]?)+",
    re.IGNORECASE,
)
_EN_PLACE_ROLES = {
    "road": {"Road", "Rd", "Street", "St", "Avenue", "Ave", "Lane"},
    "district": {"District"},
    "community": {"Estate", "Garden", "Gardens", "Court", "Village", "Community"},
}


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _place_names(text: str) -> list[Found]:
    found: list[Found] = []
    previous_end = 0
    for match in _SUFFIX_RE.finditer(text):
        role = match.lastgroup or "place"
        start = match.start()
        while start > previous_end and match.start() - start < 6:
            ch = text[start - 1]
            if not (_is_cjk(ch) or ch.isalnum()) or ch in _NAME_STOP:
                break
            start -= 1
        # "和平街", "是和平街": a stop character that leaves a one-character name begins the name
        # when nothing name-like stands before it. A district's one-character name stands on
        # its own ("我和东区"), so there the stop character stays a stop.
        if (
            match.start() - start == 1
            and start > previous_end
            and text[start - 1] in _NAME_STARTS
            and (
                text[start - 1 : start + 1] in _NAME_START_WORDS
                or (
                    role != "district"
                    and (
                        start - 1 == previous_end
                        or not _is_cjk(text[start - 2])
                        or text[start - 2] in _NAME_STOP
                    )
                )
            )
        ):
            start -= 1
        surface = text[start : match.end()]
        if match.start() - start < (1 if role == "district" else 2) or surface in _NOT_PLACES:
            continue
        if role == "district" and not any(
            _is_cjk(ch) or ch.isupper() for ch in text[start : match.start()]
        ):
            continue
        end = match.end()
        if role == "road":
            tail = _ZH_ADDRESS_TAIL.match(text, end)
            if tail and tail.end() > end:
                role, end = "address", tail.end()
        found.append(Found("location", start, end, role=role))
        previous_end = end
    for match in _EN_PLACE.finditer(text):
        last = match.group(0).rstrip(".").split()[-1]
        role = next((r for r, words in _EN_PLACE_ROLES.items() if last in words), "place")
        start, end = match.start(), match.end()
        if role == "road":
            number = _EN_ADDRESS_NUMBER.search(text, max(0, start - 12), start)
            tail = _EN_ADDRESS_TAIL.match(text, end)
            if number or tail:
                role = "address"
                start = number.start() if number else start
                end = tail.end() if tail else end
        found.append(Found("location", start, end, role=role))
    return found


def _numbers(text: str) -> list[Found]:
    found: list[Found] = []
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        found.append(Found("phone_number", match.start(), match.end(), value=digits))
    for match in _AGE.finditer(text):
        raw = match.group("n") or match.group("en") or match.group("en2") or ""
        found.append(Found("age", match.start(), match.end(), number=chinese_number(raw)))
    for match in _COUNT.finditer(text):
        if match.group("n") in ("一", "1") and text[match.end() - 1] in "人家":
            continue  # "一个人住", "一家" describe, they do not count
        raw = (match.group("n") or match.group("en") or "").lower()
        exact = match.group("approx") is None and "几" not in raw
        number = (
            chinese_number(raw)
            if match.group("n")
            else _EN_NUMBERS.get(raw, int(raw) if raw.isdigit() else None)
        )
        found.append(Found("count", match.start(), match.end(), number=number if exact else None))
    return found


def _times(text: str) -> list[Found]:
    found = [Found("date", m.start(), m.end()) for m in _DATE.finditer(text)]
    found += [Found("time", m.start(), m.end()) for m in _TIME.finditer(text)]
    found += [Found("duration", m.start(), m.end()) for m in _DURATION.finditer(text)]
    return found


_PRIORITY = {
    "phone_number": 0,
    "age": 1,
    "date": 2,
    "time": 3,
    "duration": 4,
    "count": 5,
    "location": 6,
}


def extract(text: str) -> list[Found]:
    """Non-overlapping entities of a normalised message, in text order."""
    candidates = _numbers(text) + _times(text) + _place_names(text)
    candidates += [
        Found("location", m.start(), m.end(), role="building") for m in _BUILDING.finditer(text)
    ]
    candidates.sort(key=lambda f: (_PRIORITY[f.entity], -(f.end - f.start), f.start))
    taken: list[Found] = []
    for cand in candidates:
        if all(cand.end <= t.start or cand.start >= t.end for t in taken):
            taken.append(cand)
    return sorted(taken, key=lambda f: f.start)
