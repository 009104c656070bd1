"""Explicit safety rules: phrases that make a message urgent whatever the model thinks.

Each rule has triggers (zh and en). A trigger match counts unless it is negated right before
("没有煤气味", "no smoke"), sits in a clause that is hypothetical, preventive or about a drill
("如果着火", "消防演练", "fire drill"), or in a clause about the past ("去年着火过"), or its
sentence contains one of the trigger's own exclusions ("煤气费"). Some triggers also need a
context word near the match (a fall needs an elderly or disabled person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FLAGS = re.IGNORECASE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


@dataclass(frozen=True, slots=True)
class Trigger:
    pattern: re.Pattern[str]
    requires: re.Pattern[str] | None = None  # must match within CONTEXT_WINDOW of the trigger
    excludes: re.Pattern[str] | None = None  # vetoes the trigger when found in its sentence
    negatable: bool = True


@dataclass(frozen=True, slots=True)
class SafetyRule:
    id: str
    description: str
    triggers: tuple[Trigger, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired, with the span it matched in the normalised text."""

    rule_id: str
    start: int
    end: int


CONTEXT_WINDOW = 80

_CLAUSE_END = re.compile(r"[，,。！？!?；;\n]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_NEGATION_BEFORE = _rx(
    r"(?:没有|没|并没有|并未|未|不是|并非|不像|无|别|毫无)(?:闻到|发现|看到|听到|再)?\s*$"
    r"|\b(?:no|not|never|without|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|no longer)\b(?:\s+\w+){0,2}\s*$"
)
_HYPOTHETICAL = _rx(
    r"如果|假如|万一|要是|假设|若是|倘若|以防|防止|预防|避免|以免|演练|演习|培训|宣传|讲座|科普|"
    r"知识|预案|防范|隐患|风险|模拟|会不会|真要|真的要|"
    r"\b(?:if|in case|drills?|exercises?|training|prevent\w*|risk|hazard|simulat\w*)\b"
)
_PAST = _rx(
    r"上次|上回|上个月|去年|前年|以前|之前|曾经|当年|那次|多年前|几年前|小时候|"
    r"\b(?:last (?:year|month)|years ago|used to)\b"
)
# A suggestion or a problem already solved is never an emergency, whatever words it uses.
_MESSAGE_VETO = _rx(
    r"^\s*(?:建议|提议)|现在没事|已经没事|早就来电|已经修好|已经处理好|"
    r"^\s*(?:i )?suggest|\b(?:now fixed|all fine now|resolved now)\b"
)
_STILL = _rx(r"开始|一直|到现在|至今|还在|仍然|依然|\b(?:since|still)\b")

ELDERLY_OR_DISABLED = (
    r"老人|老太|老头|老爷子|老大爷|大爷|大妈|奶奶|爷爷|外婆|外公|姥姥|姥爷|老伴|老母亲|老父亲|"
    r"[6-9]\d岁|[六七八九]十多?岁|(?:妈|爸|母亲|父亲|婆婆|公公)(?:今年)?[6-9]\d|独居|孤寡|空巢|残疾|瘫痪|"
    r"\b(?:elderly|old (?:man|woman|lady|gentleman)|grand(?:ma|mother|pa|father)|[6-9]\d[- ]year[- ]old|"
    r"disabled|wheelchair|pensioner)\b"
)
FRAIL = (
    ELDERLY_OR_DISABLED
    + r"|婴儿|宝宝|新生儿|月子|产妇|孕妇|怀孕|病人|卧床|手术|"
    r"\b(?:frail|baby|babies|newborn|infant|sick|bedridden|pregnant)\b"
)
CHILD = r"孩子|小孩|儿童|婴儿|宝宝|娃|幼儿|小朋友|小学生|女儿|儿子|\b(?:child|children|kids?|baby|toddler|son|daughter)\b"

RULES: tuple[SafetyRule, ...] = (
    SafetyRule(
        "gas_leak",
        "gas smell or gas leak",
        (
            Trigger(
                _rx(
                    r"(?:煤气|燃气|天然气|液化气|瓦斯)(?:的)?(?:味|气味|泄漏|泄露|漏气|漏了|在漏|外泄|"
                    r"管[^，。,]{0,4}(?:破|断|裂|漏|喷)|罐[^，。,]{0,3}(?:漏|喷)|报警器[^，。,]{0,3}(?:响|叫|报警))"
                    r"|(?:闻到|闻着|一股|好大的?|很大的?|很浓的?|浓浓的?)[^，。,]{0,6}(?:煤气|燃气|天然气|液化气)"
                    r"|\bgas (?:leak\w*|smell\w*|odou?r|alarm)|\bsmell\w* (?:of |like )?gas\b|\bleaking gas\b"
                ),
                excludes=_rx(r"煤气费|燃气费|缴费|交费|\bgas bill"),
            ),
        ),
    ),
    SafetyRule(
        "fire_smoke",
        "fire, flames or smoke in a building",
        (
            Trigger(
                _rx(
                    r"(?<![不没])着火|着了火|起火|失火|烧起来|火光|火势|(?<!防)火灾(?!隐患|风险|演练|预防|保险|险|报警器)|"
                    r"\b(?:on fire|caught fire|catching fire|in flames|flames|blaze)\b|\bfire (?:in|on|at|broke out|spreading)\b"
                ),
                excludes=_rx(r"消防演练|火灾隐患|打不着|点不着|着不了|\bfire (?:drill|exit|door|hazard|safety)"),
            ),
            Trigger(
                _rx(
                    r"冒烟|浓烟|冒黑烟|全是烟|好多烟|烟雾弥漫|烧焦味|"
                    r"\bsmoke (?:is )?(?:coming|pouring|billowing|everywhere|filling)|\b(?:thick|black) smoke\b|"
                    r"\bfull of smoke\b|\bsmell of burning\b"
                ),
                excludes=_rx(r"烟囱|油烟|尾气|排气管|抽烟|吸烟|烧烤|烟花|鞭炮|焚烧|烧垃圾|秸秆|工厂|厂子|chimney|barbecue|bbq"),
            ),
        ),
    ),
    SafetyRule(
        "electrical_hazard",
        "sparks, live wires down or electric shock",
        (
            Trigger(
                _rx(
                    r"(?:电线|电缆|插座|电表|配电箱|电箱|变压器|充电|电瓶|电动车)[^，。,]{0,8}(?:火花|打火|冒火|爆炸|炸了)|"
                    r"火花四溅|冒火花|触电|"
                    r"(?:高压线|电线|电缆)[^，。,]{0,6}(?:断|掉|垂|落|耷拉)[^。]{0,8}(?:地上|路上|路面|人)|"
                    r"\bsparks?\b|\bsparking\b|\blive wires?\b|\bpower lines? (?:down|fallen|on the)|\belectrocut\w*|\belectric shock"
                ),
            ),
        ),
    ),
    SafetyRule(
        "trapped",
        "someone trapped (lift, room, vehicle, rubble)",
        (
            Trigger(
                _rx(
                    r"被困(?!扰|惑|难)|困在|困住|(?:关|卡|锁)在[^，。,]{0,4}(?:电梯|里面|屋里|房间|车里|储物间|厕所|柜子|地下室)|"
                    r"电梯[^，。,]{0,10}(?:卡住|卡在|困|关着人|出不来|停在[^，。,]{0,6}中间)|"
                    r"(?:电梯|屋|房|门|车|井|里面)[^，。,]{0,8}出不来|"
                    r"\btrapped\b|\bstuck in (?:the |a )?(?:lift|elevator)\b|\b(?:lift|elevator) (?:is |got )?stuck\b|"
                    r"\blocked in\b|\bcan'?t get out\b"
                ),
            ),
        ),
    ),
    SafetyRule(
        "elderly_fall_alone",
        "an elderly or disabled person has fallen",
        (
            Trigger(
                _rx(
                    r"摔倒|摔了|摔在|摔下|跌倒|跌在|跌了|倒在地|倒地|躺在地上|起不来|爬不起来|"
                    r"\b(?:fell|fallen|had a fall|on the floor|can'?t get up)\b"
                ),
                requires=_rx(ELDERLY_OR_DISABLED),
                excludes=_rx(r"防摔|防跌|防滑|扶手|适老化|补贴|\b(?:handrail|grab bar)"),
            ),
        ),
    ),
    SafetyRule(
        "medical_emergency",
        "someone unconscious, not breathing, bleeding or seizing",
        (
            Trigger(
                _rx(
                    r"晕倒(?!过)|昏倒|晕过去|昏过去|昏迷|休克|不省人事|没(?:有)?了?(?:呼吸|心跳|意识)|抽搐|喘不上气|上不来气|"
                    r"呼吸困难|(?:嘴唇|脸色?)发紫|大出血|血流不止|流了好?多血|在流血|在出血|口吐白沫|心脏病(?:犯|发)|心梗|"
                    r"窒息|抢救|叫了救护车|(?:叫|打)了120|120[^，。]{0,3}(?:还没|咋还|怎么还)|"
                    r"\b(?:unconscious|passed out|fainted|collapsed|not breathing|can'?t breathe|stopped breathing|"
                    r"seizure|heart attack|having a stroke|bleeding|choking|overdosed?|took (?:a lot of|too many) pills)\b"
                ),
            ),
        ),
    ),
    SafetyRule(
        "home_flooding",
        "water flooding into a home",
        (
            Trigger(
                _rx(
                    r"(?:家|屋|室|卧室|客厅|厨房|房间|房子|地下室|车库|一楼|楼道)[^，。,]{0,8}"
                    r"(?:进水|淹了|被淹(?!过)|淹水|灌水|灌进|水漫|漫进|积水[^，。,]{0,6}(?:公分|厘米|cm|深|没过))|"
                    r"水管[^，。,]{0,3}(?:爆|破裂|炸)|爆管|倒灌|漫进(?:屋|家|房|客厅|卧室)|"
                    r"淹到[^，。,]{0,4}(?:膝盖|小腿|脚踝|床)|水[^，。,]{0,4}(?:有|到|没过|漫过)[^，。,]{0,3}(?:脚踝|膝盖|小腿)|"
                    r"\bflood(?:ed|ing)?\b[^.,]{0,20}\b(?:home|flat|apartment|house|basement|kitchen|bedroom|living room)\b|"
                    r"\b(?:home|flat|apartment|house|basement|kitchen|bedroom) (?:is |got )?flood(?:ed|ing)\b|"
                    r"\bburst (?:water )?pipe|\bpipe (?:has )?burst|"
                    r"\bwater (?:is )?(?:pouring|gushing|streaming|flooding) (?:in|into|through|down|from)"
                ),
            ),
            Trigger(
                _rx(r"水[^，。,]{0,4}(?:哗哗|直接|一直|不停)[^，。,]{0,4}(?:往|流|灌|涌|冒)|水顺着[^，。,]{0,6}(?:电线|灯)"),
                requires=_rx(r"家|屋|卧室|客厅|厨房|房间|天花板|吊顶|吊灯|楼上|\b(?:ceiling|flat|home)\b"),
            ),
        ),
    ),
    SafetyRule(
        "no_heating_frail_cold",
        "no heating for frail people or in freezing weather",
        (
            Trigger(
                _rx(
                    r"(?:暖气|供暖|供热|采暖|取暖|地暖|暖风)[^，。,]{0,8}(?:不热|停了|停止|坏了|没了|中断|冰凉|不开|不通|没有|没开|没来|断了)|"
                    r"(?:没有|没|停了|断了)(?:暖气|供暖|取暖)|"
                    r"\b(?:heating|heater|radiators?|boiler)\b[^.,]{0,20}\b(?:off|broken|not working|stopped|out|cold|failed|down)\b|"
                    r"\bno heat(?:ing)?\b|\bwithout heat(?:ing)?\b"
                ),
                requires=_rx(FRAIL),
                negatable=False,
            ),
        ),
    ),
    SafetyRule(
        "life_support_power",
        "a life-support or medical device without power or supply",
        (
            Trigger(
                _rx(
                    r"(?:制氧机|呼吸机|吸氧|氧气|透析|吸痰器|输液泵|监护仪|胰岛素)[^。]{0,15}(?:停电|没电|断电|没氧|没气|用完|快没了|停了|中断|没法用|不能用|坏了|缺货)|"
                    r"(?:停电|断电|没电)[^。]{0,30}(?:制氧机|呼吸机|吸氧|氧气|透析|吸痰器|输液泵|ICU|重症)|"
                    r"\b(?:oxygen|ventilator|dialysis|concentrator|respirator|life support)\b[^.]{0,40}"
                    r"\b(?:power|outage|no electricity|running out|run out|ran out|empty)\b|"
                    r"\b(?:power cut|power outage|no power|no electricity)\b[^.]{0,40}\b(?:oxygen|ventilator|dialysis|life support)\b"
                ),
                negatable=False,
            ),
        ),
    ),
    SafetyRule(
        "self_harm",
        "a threat of suicide or self-harm",
        (
            Trigger(
                _rx(
                    r"不想活|活着没意思|自杀|轻生|寻死|割腕|跳楼(?!价|甩卖|大甩卖)|跳河|跳江|喝农药|上吊|"
                    r"吞了?(?:一整?瓶|好多|很多)?安眠药|吃了(?:一整?瓶|好多|很多|一大把)(?:安眠药|药)|"
                    r"结束(?:自己的)?生命|一了百了|死了算了|想死(?!你)|要去死|以死相逼|"
                    r"站在[^，。,]{0,6}(?:楼顶|天台|桥上)|"
                    r"\bkill (?:myself|himself|herself|themselves)\b|\bsuicid\w*|\bend (?:my|his|her) life\b|"
                    r"\bdon'?t want to live\b|\bwant to die\b|\bself[- ]harm\b|\bhurt (?:myself|himself|herself)\b|"
                    r"\bjump off (?:the |a )?(?:roof|bridge|building)\b"
                ),
            ),
        ),
    ),
    SafetyRule(
        "child_in_danger",
        "a child in danger or missing",
        (
            Trigger(
                _rx(
                    r"(?:锁|关|困|落)在车(?:里|内)|(?:孩子|小孩|宝宝|娃|儿童|女儿|儿子)[^，。,]{0,3}(?:走失|走丢|不见了|找不到了|失踪|被拐)|"
                    r"拐走|(?:孩子|小孩|宝宝|娃|儿童|小朋友)[^，。,]{0,6}(?:爬|站|坐|挂|悬)在[^，。,]{0,6}(?:窗|阳台|护栏|栏杆|楼顶|外面)|"
                    r"虐待[^，。,]{0,6}(?:孩子|小孩|儿童)|"
                    r"\b(?:left|locked) (?:alone )?in (?:a |the )?(?:hot )?car\b|\babduct\w*|\bkidnap\w*|"
                    r"\b(?:child|kid|toddler|son|daughter) (?:is |has gone |went )?missing\b"
                ),
                requires=_rx(CHILD),
            ),
        ),
    ),
    SafetyRule(
        "drowning",
        "someone drowning or fallen into water",
        (
            Trigger(
                _rx(
                    r"溺水|落水(?!管)|掉(?:进|到|在)?[^，。,]{0,3}(?:水里|河里|湖里|江里|海里|井里|池塘|水塘|水库)|被水冲走|"
                    r"滑(?:下去|进|到)[^，。,]{0,4}(?:河|湖|江|水)|"
                    r"\bdrowning\b|\bfell (?:in|into) (?:the |a )?(?:river|lake|pond|water|canal|sea|well)\b|\bswept away\b"
                ),
                excludes=_rx(r"护栏|警示|容易|担心|\b(?:fence|sign)\b"),
            ),
        ),
    ),
    SafetyRule(
        "violence_weapon",
        "violence in progress or a weapon",
        (
            Trigger(
                _rx(
                    r"持刀|拿刀(?!具)|动刀|挥刀|砍人|捅人|捅了|被捅|砍伤|刺伤|行凶|杀人|开枪|枪声|持械|"
                    r"(?:斗殴|打架|群殴)[^。]{0,8}(?:流血|刀|棍|砍)|(?:正在|还在)(?:打人|打架|殴打|砸)|围(?:在|着)[^，。,]{0,6}打|抢劫|劫持|绑架|"
                    r"\b(?:knife|gun|machete|stabb(?:ed|ing)|shooting|gunshots?|robbery|mugg(?:ed|ing))\b|"
                    r"\bbeing (?:beaten|attacked|assaulted)\b|\bbeating (?:a|her|him|his|my|an?)\b"
                ),
            ),
        ),
    ),
    SafetyRule(
        "structural_collapse",
        "a structure collapsing or objects falling on people",
        (
            Trigger(
                _rx(
                    r"塌了|倒塌了|坍塌|塌方|砸伤|砸到人|砸中人|压着(?:一个)?人|压着一个|压在下面|塌下来|"
                    r"\b(?:collapsing|caving in|about to (?:fall|collapse)|crumbling)\b|"
                    r"\b(?:wall|ceiling|roof|building|balcony|scaffold\w*) (?:has )?collapsed\b"
                ),
            ),
        ),
    ),
    SafetyRule(
        "poisoning",
        "poisoning or many people suddenly ill",
        (
            Trigger(
                _rx(
                    r"中毒|一氧化碳|毒蘑菇|"
                    r"(?:上吐下泻|呕吐|腹泻|拉肚子)[^。]{0,20}(?:好几|多人|一群|全家|好多人|急诊|送医)|"
                    r"(?:[\d两三四五六七八九十几]+多?个?(?:人|孩子|同事|学生|小孩|老人)|好几|多人|一群|全家|好多人)[^。]{0,12}(?:全?吐了|在吐|上吐下泻|呕吐|腹泻)|"
                    r"(?:氯气|氨气|毒气|有毒气体|化学品|农药)[^。]{0,10}(?:泄漏|泄露|漏气|在漏|外泄)|"
                    r"(?:刺鼻|化学|毒气|氯气|氨气)[^。]{0,30}(?:咳嗽|流眼泪|喘不过气|头晕|呕吐)|"
                    r"\b(?:\d+|several|many) (?:people|kids|children|students|colleagues)\b[^.]{0,30}\b(?:vomiting|diarrh\w*)|"
                    r"\b(?:chemical|toxic)\b[^.]{0,40}\b(?:coughing|dizzy|vomiting|can'?t breathe)\b|"
                    r"\bpoison(?:ed|ing)\b|\bcarbon monoxide\b"
                ),
                excludes=_rx(r"游戏|网瘾"),
            ),
        ),
    ),
    SafetyRule(
        "fraud_in_progress",
        "a resident being defrauded right now",
        (
            Trigger(
                _rx(
                    r"安全账户|"
                    r"(?:正在|马上|准备|要去|排队)[^。]{0,8}(?:转账|汇款|转钱|打钱|取钱|转)[^。]{0,20}(?:骗|冒充|洗钱)|"
                    r"(?:骗|冒充|洗钱)[^。]{0,40}(?:正在|马上|准备|要去|排队)[^。]{0,8}(?:转账|汇款|转钱|打钱|取钱|转)|"
                    r"\bsafe account\b|\b(?:scammer|fraudster)s?\b[^.]{0,40}\b(?:right now|on the phone)\b"
                ),
            ),
        ),
    ),
)

RULES = RULES + (
    SafetyRule(
        "road_hazard",
        "an open manhole or dead traffic lights on a busy road",
        (
            Trigger(
                _rx(
                    r"井盖[^，。,]{0,6}(?:没了|丢了|被偷|敞着|翻了|压翻|不见)|"
                    r"(?:红绿灯|信号灯)[^，。,]{0,4}(?:全灭|全黑|都灭|都不亮|全不亮)|"
                    r"\b(?:open manhole|missing manhole cover)\b|\bmanhole cover (?:is )?(?:missing|gone|open)\b|"
                    r"\btraffic lights?\b[^.]{0,30}\b(?:all out|are out|not working)\b"
                ),
                requires=_rx(r"乱|撞|危险|高峰|差点|孩子|小孩|老人|\b(?:chaos|everywhere|accident|crash|kids|children)\b"),
            ),
        ),
    ),
    SafetyRule(
        "animal_attack",
        "people being bitten or stung, or a dangerous animal indoors",
        (
            Trigger(
                _rx(
                    r"(?:被|已经)[^，。,]{0,10}(?:蛰|咬伤|咬了)|扑上去|毒蛇|一条蛇|"
                    r"\b(?:bitten|stung|attacked by (?:a |the )?dogs?)\b|\bsnake in\b"
                ),
            ),
        ),
    ),
)

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)


def _bounds(text: str, start: int, end: int, boundary: re.Pattern[str]) -> tuple[int, int]:
    left = 0
    for m in boundary.finditer(text, 0, start):
        left = m.end()
    right_match = boundary.search(text, end)
    return left, right_match.start() if right_match else len(text)


def _vetoed(text: str, match: re.Match[str], trigger: Trigger) -> bool:
    start, end = match.span()
    clause_start, clause_end = _bounds(text, start, end, _CLAUSE_END)
    clause = text[clause_start:clause_end]
    if trigger.negatable and _NEGATION_BEFORE.search(text[clause_start:start]):
        return True
    if _HYPOTHETICAL.search(clause):
        return True
    if _PAST.search(clause) and not _STILL.search(clause):
        return True
    if trigger.excludes is not None:
        sent_start, sent_end = _bounds(text, start, end, _SENTENCE_END)
        if trigger.excludes.search(text, sent_start, sent_end):
            return True
    if trigger.requires is not None:
        lo, hi = max(0, start - CONTEXT_WINDOW), min(len(text), end + CONTEXT_WINDOW)
        if not trigger.requires.search(text, lo, hi):
            return True
    return False


def _first_hit(text: str, rule: SafetyRule) -> RuleHit | None:
    if _MESSAGE_VETO.search(text):
        return None
    for trigger in rule.triggers:
        for match in trigger.pattern.finditer(text):
            if not _vetoed(text, match, trigger):
                return RuleHit(rule.id, match.start(), match.end())
    return None


def apply_rules(text: str) -> list[RuleHit]:
    """Every safety rule that fires on a normalised message (at most one hit per rule)."""
    hits = []
    for rule in RULES:
        hit = _first_hit(text, rule)
        if hit is not None:
            hits.append(hit)
    return hits
