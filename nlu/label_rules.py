"""Rules that correct the model on two confusions it cannot learn from words alone.

Kind: by the taxonomy a complaint reports that someone did wrong or failed to act. When the
model hesitates between demand (or inquiry) and complaint and the message names such a
failure ("物业不管", "老板拖欠", "the landlord refuses"), it is a complaint even though it also
asks for action or asks a question.

Domain: feedback on the service itself (this bot, the city app, the 12345 hotline, the service
hall) is `other`, even when it mentions older people or another service's words.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE

# Parties who can be answerable for a wrong: a business, an employer, a landlord, an official body.
_PARTY = (
    r"(?:物业|物管|保安|门卫|房东|中介|老板|公司|单位|厂家|厂里|商家|店家|店主|店员|摊主|售后|客服|平台|"
    r"学校|老师|班主任|校长|园长|后勤|医院|社区|居委会|村委|村干部|街道|网格员|城管|民警|派出所|"
    r"交警|司机|站长|施工方|施工队|开发商|工作人员|窗口|经理|领导|厂子|业委会|供热公司|燃气公司|电力公司)"
)
# Someone did wrong or failed to act. Deliberately about people and bodies, not about things
# being broken: "电梯坏了" is a demand, "物业不修" a complaint.
WRONGDOING = re.compile(
    r"没人管|没人理|不管不问|不管|不理|不闻不问|推脱|推诿|踢皮球|互相推|推来推去|不认账|不承认|硬说|"
    r"说不是(?:他们|我们|她|他)的(?:问题|事|责任)|不归(?:他们|我们)管|拖着不|一直拖|拖了|拖欠|欠薪|克扣|扣押|"
    r"没人来|没下文|敷衍|乱收费|乱收|多收|多扣|私自|擅自|强制|强行|偷排|偷倒|骗|忽悠|态度(?:太)?(?:差|恶劣|不好)|"
    r"不给(?:退|修|赔|办|开|解决|发|报)|不退|不赔|不修|不作为|故意|威胁|打人|骂人|吼|凭什么|摆设|"
    r"违规(?:改|搭|建|储存|存放|收|经营|操作|排|施工|占)|违法(?:收|经营|排|建|搭|用工|解雇|辞退)|"
    r"无证(?!明|件)|没证(?!明|件)|无照|(?:没有|无)[^，。,]{0,4}(?:资质|证照|执照)|卖(?:的)?过期|用过期|过期(?:的)?(?:食品|药品|面包|牛奶|肉)|"
    r"欠(?:了)?[^，。,]{0,10}(?:工资|工钱)|(?:工资|工钱|薪水)[^，。,]{0,8}(?:没发|不发|没给|不给)|不发工资|跑路|卷钱|卷款|"
    r"不肯(?:退|修|赔|给|签|办|改)|拉黑|已读不回|"
    r"说好的?[^，。,]{0,12}(?:结果|可是|但是|却|没|不)|答应[^，。,]{0,8}(?:没|不|一直)|报了[^，。,]{0,6}(?:次|回)[^，。,]{0,8}(?:没|不)|"
    r"\b(?:refus\w+|won'?t (?:fix|pay|refund|return|answer|let|come)|ignor\w+|never (?:came|showed|answered|fixed|paid|replied)|"
    r"nobody (?:came|cares|answers|did)|did nothing|does nothing|overcharg\w+|cheat\w*|scam\w*|rude|threaten\w*|"
    r"kept (?:my|our|the)|has not paid|hasn'?t paid|not paid|without (?:any )?notice|no one (?:came|answers)|"
    r"owes? (?:me|us|him|her|them)|owed (?:me|us)|charged (?:me|us) (?:twice|double)|unpaid (?:wages|salary)|"
    r"ran off with|blocked (?:me|everyone|us)|unlicen[cs]ed|sell\w* expired|illegally|"
    r"(?:can'?t|cannot|couldn'?t) be legal|against the (?:law|rules)|no explanation|not (?:a|one) (?:single )?word|"
    r"(?:just |only )?keeps? (?:saying|telling|promising)|nobody (?:is doing|explain\w*|bothers)|"
    r"(?:said|says|told (?:me|us)) (?:it'?s|it is|that'?s) (?:normal|fine|not (?:their|our|his|her) (?:job|problem|business)))\b|"
    # Reported excuses: a named party answers with a refusal, a shrug or "not ours".
    rf"{_PARTY}[^，。,]{{0,3}}(?:说|称|回复|答复|推说|只说|就说|总说|一直说|表示)(?:(?:是|这是|这很|属于)?正常|"
    r"[^，。,]{0,10}(?:不归|不是(?:我们|他们)|上面|上级|查不到|没办法|管不了|办不了|不给办|没钱|没空|没人手|没权|不管|"
    r"自己(?:解决|想办法|负责)))|"
    # Harm done by a person: "被班主任打了", "被保安推倒"; 关/锁 are left out ("被关在电梯里" is a breakdown).
    r"被[^，。,]{0,8}(?:打了|打伤|殴打|骂|辱骂|推倒|踢|扇|掐|赶出|训斥|体罚|罚站|威胁|恐吓|骚扰)|"
    r"(?<!有)没(?:有)?人(?:出来|过来|来|去)?(?:管|理|处理|解释|回应|负责|过问)|"
    r"(?:一句|半句|连个|连句|一个)[^，。,]{0,3}(?:解释|说法|通知|道歉|回复)(?:都|也)没|"
    r"(?:也|都)没(?:有)?(?:贴|给|发)?(?:个|一个|一句)(?:说法|解释|通知|道歉)|"
    r"突然(?:在群里|在网上)?(?:贴|发)?(?:通知|宣布|决定|要求|改成|取消|涨价|收费|不让)|"
    r"随地大小便|随地吐痰|乱扔|乱倒|乱丢|乱贴|乱搭|私拉|占道|高空抛物|往(?:楼)?下扔|吹口哨|耍流氓|"
    r"(?:吃出|喝出|(?:饭|菜|汤|茶|外卖|面|饮料|食品|蛋糕|包子|饺子|零食|牛奶|盒饭)(?:里|里面)(?:有|发现))"
    r"[^，。,]{0,4}(?:头发|虫|苍蝇|蟑螂|异物|玻璃|钢丝|塑料)",
    _FLAGS,
)
# The model must already see a complaint as plausible: the cue only settles a close call.
COMPLAINT_MIN_PROBABILITY = 0.15

SERVICE_CHANNEL = re.compile(
    r"12345|市民热线|政务热线|便民热线|机器人|智能客服|在线客服|人工客服|转人工|"
    r"(?:你们|这个|这)(?:个)?(?:平台|系统|小程序|app|公众号|热线|客服|网站|软件)|"
    r"政务(?:服务)?(?:大厅|中心|网|app|平台)|市民(?:服务)?中心|行政服务中心|(?<!社区)(?:服务|办事)大厅|"
    r"\b(?:chat ?bot|bot|(?:the|this|your) (?:app|hotline|website|service hall|assistant|system)|12345 hotline|city hotline)\b",
    _FLAGS,
)
SERVICE_FEEDBACK = re.compile(
    r"答非所问|听不懂|听不明白|看不懂|看不清|不好用|难用|不方便|太慢|反应慢|打不通|没人接|占线|排队|等待|转不到|转人工|"
    r"闪退|卡顿|老是卡|登录|登不上|打不开|字太小|字体|大字|英文|方言|普通话|语音菜单|菜单|界面|功能|"
    r"听不到|叫号|老是坏|总是坏|态度|体验|建议|改进|优化|希望|能不能|繁琐|还不如|没用|点赞|表扬|感谢|谢谢|满意|办结|回访|真人|换个说法|"
    r"\b(?:suggest\w*|feedback|confus\w+|misunderst\w+|understand|useless|crash\w*|slow|menu|language|english|"
    r"font|interface|log(?:s|ged)? (?:me )?(?:in|out)|thanks?|helpful|human|closed)\b",
    _FLAGS,
)
# A department's own channel ("水务集团热线", "人社服务大厅") is feedback on that department.
DEPARTMENT_CHANNEL = re.compile(
    r"(?:养老|供热|供暖|水务|自来水|燃气|供电|电力|医保|社保|人社|税务|公积金|教育|医院|物业|银行|学校|交警|车管)"
    r"[^，。,]{0,6}(?:热线|客服|大厅|app|小程序|公众号|平台|机器人|网站)",
    _FLAGS,
)
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def names_wrongdoing(text: str) -> bool:
    return bool(WRONGDOING.search(text))


def is_service_feedback(text: str) -> bool:
    """True when one sentence names the service channel and gives feedback on it."""
    for sentence in _SENTENCE_END.split(text):
        if DEPARTMENT_CHANNEL.search(sentence):
            continue
        if SERVICE_CHANNEL.search(sentence) and SERVICE_FEEDBACK.search(sentence):
            return True
    return False


# Patterns the kind classifier gets as features (nlu.features, FeatureConfig.cues). They are
# evidence, not verdicts: the model learns how much each weighs beside the words.
KIND_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("wrongdoing", WRONGDOING),
    (
        "report",
        re.compile(r"举报|投诉|曝光|检举|控告|告他|\b(?:report\w*|complain\w*)\b", _FLAGS),
    ),
    (
        "indignation",
        re.compile(
            r"凭什么|什么事|个鬼|太过分|过分了|岂有此理|离谱|气死|气人|坑人|太黑|黑心|良心|"
            r"无语|恶心人|欺负|像话|讲不讲理|还有没有|[!！]{2,}|😡|🤬|"
            r"\b(?:ridiculous|unacceptable|outrageous|disgrace\w*|shameful|fed up|how can they)\b",
            _FLAGS,
        ),
    ),
    (
        "neglect",
        re.compile(
            r"(?:[\d一二三四五六七八九十两几半多]+|好几)(?:个)?(?:天|周|星期|礼拜|月|年)(?:了|多了)?[^，。,.]{0,6}"
            r"(?:还|都|也|一直|始终)?(?:没|不|未)|一直(?:没|不|挂着|拖)|至今(?:没|未|不)|"
            r"\bfor (?:\d+|two|three|four|five|six|several|many) (?:days|weeks|months|years)\b|"
            r"\b(?:still (?:not|no|hasn'?t|haven'?t)|yet to)\b",
            _FLAGS,
        ),
    ),
    (
        "request",
        re.compile(
            r"请|麻烦|帮忙|帮我|帮帮|给修|能不能|能否|可不可以|希望|尽快|赶紧|快来|派人|"
            r"\b(?:please|could you|can you|would you|need (?:someone|help)|send someone)\b",
            _FLAGS,
        ),
    ),
    (
        "question",
        re.compile(
            r"[?？]|吗[。，,]?$|吗[?？。]|怎么办|怎么|如何|哪里|哪儿|多少|是否|几点|什么时候|有没有|能不能.{0,20}[?？]|"
            r"\b(?:how|what|where|when|which|is there|are there|can i|do i|does)\b",
            _FLAGS,
        ),
    ),
)
