"""The safety rules as data: what each rule matches, what vetoes it, and its advice key.

`nlu.rules` compiles this table and applies it; nothing here runs at parse time. Every
pattern is a regular expression matched case-insensitively on the normalised text.

A rule is a dict with
  id           stable key reported in parse results (`rules[].id`)
  description  for people
  advice       key of the emergency advice the dialogue shows ("default" when none fits)
  triggers     alternatives; the rule fires on the first trigger match that is not vetoed

A trigger is a dict with
  pattern        what fires it
  requires       context that must occur within the context window around the match
  also_requires  a second, independent context that must also be near
  excludes       vetoes the trigger when found in the match's sentence
  negatable      False when a negation before the match must not veto it ("没有暖气")

Shared vetoes (VETOES) apply to every trigger; see nlu.rules for how each is scoped.
"""

from __future__ import annotations

# Vetoes shared by every rule. "clause" ones look at the clause around the match,
# "before" ones at the clause text before it, "message" at the whole message.
VETOES: dict[str, str] = {
    # "没有煤气味", "no smoke": negated right before the match.
    "negation_before": (
        r"(?:没有|没|并没有|并未|未|不是|并非|不像|无|别|毫无)(?:闻到|发现|看到|听到|再)?\s*$"
        r"|\b(?:no|not|never|without|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|no longer)\b(?:\s+\w+){0,2}\s*$"
    ),
    # Hypothetical, preventive or about a drill: "如果着火", "消防演练", "fire drill".
    "hypothetical": (
        r"如果|假如|万一|要是|假设|若是|倘若|以防|防止|预防|避免|以免|演练|演习|培训|宣传|讲座|科普|"
        r"知识|预案|防范|隐患|风险|模拟|会不会|真要|真的要|真着|真出|一旦|迟早|哪天|到时候|"
        r"\b(?:if|in case|drills?|exercises?|training|prevent\w*|risk|hazard|simulat\w*|sooner or later)\b"
    ),
    # "差点摔了", "险些着起来", "almost fell": the danger did not happen.
    "near_miss_before": r"差点|差一点|险些|\b(?:almost|nearly)\b",
    # About the past ("去年着火过") unless it is still going on ("still").
    "past": (
        r"上次|上回|上个月|去年|前年|以前|之前|曾经|当年|那次|多年前|几年前|小时候|昨天|昨晚|前天|前几天|上周|上星期|"
        r"\b(?:last (?:year|month|week|night)|years ago|used to|yesterday)\b"
    ),
    "still": r"开始|一直|到现在|至今|还在|仍然|依然|\b(?:since|still)\b",
    # A suggestion or a problem already solved is never an emergency, whatever words it uses.
    "message": (
        r"^\s*(?:建议|提议)|现在没事|已经没事|早就来电|已经修好|已经处理好|"
        r"(?<![炉煤灶])火(?:已经)?(?:被)?(?:扑)?灭了|已经(?:被)?扑灭|现在没事了|(?:现在|已经)(?:都)?散了|"
        r"^\s*(?:i )?suggest|\b(?:now fixed|all fine now|resolved now)\b|\b(?:fire|it) (?:is|was|has been) (?:already )?put out\b"
    ),
}

# Vocabulary shared by several rules' contexts.
ELDERLY_OR_DISABLED = (
    r"老人|老太|老头|老爷子|老大爷|大爷|大妈|奶奶|爷爷|外婆|外公|姥姥|姥爷|老伴|老母亲|老父亲|"
    r"[6-9]\d岁|[六七八九]十多?岁|(?:妈|爸|母亲|父亲|婆婆|公公)(?:今年)?[6-9]\d|独居|孤寡|空巢|残疾|瘫痪|偏瘫|失能|"
    r"卧床|痴呆|认知障碍|阿尔茨海默|失智|盲人|聋哑|智力障碍|脑瘫|自闭症|精神残疾|植物人|轮椅|阿婆|阿公|阿嫲|老奶奶|老爷爷|"
    r"\b(?:elderly|old (?:man|woman|lady|gentleman|neighbou?r)|grand(?:ma|mother|pa|father)|[6-9]\d[- ]year[- ]old|"
    r"disabled|wheelchair|pensioner|dementia|alzheimer'?s|bedridden|paralys\w*|visually impaired)\b"
)
FRAIL = (
    ELDERLY_OR_DISABLED + r"|婴儿|宝宝|新生儿|月子|产妇|孕妇|怀孕|病人|卧床|手术|"
    r"\b(?:frail|baby|babies|newborn|infant|sick|bedridden|pregnant)\b"
)
CHILD = (
    r"孩子|小孩|儿童|婴儿|宝宝|娃|幼儿|小朋友|小学生|女儿|儿子|男孩|女孩|(?<!\d)(?:[1-9]|1[0-4])岁|(?<![十\d])[一二三四五六七八九]岁|"
    r"\b(?:child|children|kids?|baby|babies|toddlers?|son|daughter|boy|girl|pupils?|students?)\b"
)
# Someone near the danger: a falling object or a live wire is urgent when people are under or beside it.
PEOPLE_EXPOSED = (
    CHILD
    + r"|"
    + ELDERLY_OR_DISABLED
    + r"|下面|底下|楼下|人行道|行人|路人|通道|公交站|站台|有人|人来人往|人在|上学|放学|"
    r"\b(?:people|pedestrians?|below|underneath|beneath|pavement|sidewalk|passers?-?by|bus stop)\b"
)

# A fall is an emergency when it hurt, left the person alone or is happening now.
FALL_HARM = (
    r"一个人|独自|独居|就他|就她|没人(?:扶|发现|照顾|在)|身边没人|无人|起不来|动不了|不能动|流血|出血|骨折|摔断|疼得|昏|叫不醒|地上|磕|头破|头上|头部|救命|"
    r"现在|刚才|刚刚|\b(?:alone|bleeding|can'?t (?:get up|move)|floor|unconscious|right now|just now|hurt|injured|help)\b"
)

# A medical need that cannot wait: treatment, oxygen or medicine running out.
ACUTE_NEED = (
    r"透析|吸氧|制氧|氧气|呼吸机|化疗|担架|急救|发烧|高烧|病危|药[^，。,]{0,4}(?:吃完|用完|没了|快没|断了)|去医院|上医院|"
    r"\b(?:oxygen|dialysis|chemo\w*|ventilator|stretcher|fever|hospital|(?:medicine|medication|pills) (?:is |are )?(?:running out|finished|gone))\b"
)


# Someone who cannot help themselves when their care stops: frail, disabled, very young or
# chronically ill. Also the `vulnerable_person` signal of a parse result.
VULNERABLE = (
    ELDERLY_OR_DISABLED
    + r"|婴儿|宝宝|新生儿|幼儿|月子|产妇|孕妇|病人|患者|重病|癌症|晚期|尿毒症|心脏病|心脏不好|心衰|糖尿病|"
    r"中风|脑梗|哮喘|癫痫|帕金森|精神病|抑郁症|鼻饲|导尿|插着管|一个人住|"
    r"\b(?:frail|baby|babies|newborn|infant|toddler|sick|pregnant|diabetic|diabetes|cardiac|heart (?:condition|disease|patient)|"
    r"cancer|stroke|epilep\w*|asthma\w*|parkinson'?s|lives alone|living alone|on (?:her|his|their) own)\b"
)
# Basic care that has just stopped: food, a carer, medication.
CARE_STOPPED = (
    r"(?:一天|一整天|从早上|从早|早上到现在|一早到现在|到现在|两天|三天|一天一夜|一口饭都|一口东西都|啥都|什么都|饭都)[^，。,]{0,6}没(?:有)?吃|"
    r"没(?:有)?饭吃|挨饿|饿(?:着|了一天|了两天|坏了|得直哭|得不行)|没人(?:做饭|送饭|喂饭|喂|给(?:他|她)?做饭)|"
    r"(?:送餐|送饭|助餐|配餐|午饭|饭)[^，。,]{0,6}(?:没来|没送|没人送|没送到|停了|断了|不送了)|断顿|家里没(?:有)?(?:吃的|米|粮)|"
    r"(?:护工|保姆|护理员|照护员|护理人员|助老员|钟点工|家政|陪护|养老服务员|服务人员|上门的人|阿姨)[^，。,]{0,10}"
    r"(?:没来|没到|没有来|没上门|不来了|没人来|走了|辞职|跑了|联系不上|失联|罢工|不干了)|"
    r"(?:药|胰岛素|降压药|救心丸|药片|针剂|奶粉|尿不湿)[^，。,]{0,8}(?:吃完|用完|断了|没了|快没了|不够|只剩|最后一)|断药|(?:买|配|拿|开)不到药|"
    r"\b(?:hasn'?t eaten|has not eaten|not eaten|had nothing to eat|nothing to eat|no food|without food|starving|"
    r"(?:meals?|food|lunch|dinner)(?: delivery)? (?:didn'?t|did not|hasn'?t|has not|never) (?:come|arrive|turn up|show up)|"
    r"(?:carer|caregiver|care worker|nurse|helper|aide|home help|nanny)s?\b[^.]{0,30}\b(?:didn'?t|did not|hasn'?t|has not|never|won'?t) (?:come|show|turn up|arrive)|"
    r"(?:carer|caregiver|care worker|helper) (?:quit|left|is gone)|nobody (?:came|has come) to (?:feed|help|care)|"
    r"(?:medicine|medication|pills|insulin|tablets|inhaler|prescription)\b[^.]{0,30}\b(?:run(?:s|ning)? out|ran out|finished|used up|gone)|"
    r"last dose|out of (?:insulin|medication|medicine|pills))\b"
)
# The loss is now, not a risk or a memory.
CARE_NOW = (
    r"今天|今早|今晚|现在|刚才|刚刚|从早|早上|一早|一天|一整天|到现在|已经|两天|三天|几天|一上午|中午|下午|晚上|"
    r"\b(?:today|now|this morning|since|tonight|all day|yet|anymore|left)\b"
)
# Asking about rules, allowances or plans is not the loss itself.
CARE_QUESTION = (
    r"补贴|津贴|申请|政策|规定|标准|收费|费用|报销|资格|条件|流程|手续|万一|上周|上个月|去年|以前|上次|那次|"
    r"\b(?:allowance|subsidy|apply|application|policy|eligib\w*|what if|last (?:week|month|year))\b"
)
# Power, heating or water gone in extreme weather.
SUPPLY_OUT = (
    r"停电|断电|没电|停暖|没暖气|没有暖气|暖气[^，。,]{0,4}(?:停|不热|坏)|停水|断水|没水|没有水|"
    r"\b(?:no power|power (?:is |has been |was )?(?:out|off|cut)|power cut|no electricity|blackout|no heat(?:ing)?|"
    r"heating (?:is |has been )?(?:off|out|broken)|no water|water (?:is |has been )?(?:off|cut))\b"
)
EXTREME_WEATHER = (
    r"零下|冰冷|冰凉|冻|严寒|寒潮|大雪|下雪|暴雪|[-−]\d+度|高温|酷暑|中暑|热死|三十[七八九]度|四十度|3[89]度|4\d度|"
    r"\b(?:freezing|below zero|sub-?zero|minus \d+|snow\w*|heat ?wave|-\d+\s?°?c?|(?:3[7-9]|4\d) degrees)\b"
)
# Someone hurt at work and a person in charge keeping help away.
WORK_INJURY = (
    r"受伤|砸伤|摔伤|烫伤|割伤|压伤|夹伤|轧伤|扎伤|砸到|压住|卷进|夹住|骨折|断了|流血|出血|昏|晕|烧伤|"
    r"\b(?:injured|hurt|bleeding|crushed|broke|broken|burn(?:ed|t)|fell|unconscious|caught in)\b"
)
WORK_SETTING = (
    r"工地|车间|厂里|工厂|厂房|单位|上班|干活|工友|同事|工人|老板|工头|包工头|班长|主管|经理|仓库|流水线|"
    r"\b(?:work|site|factory|workshop|warehouse|colleague|co-?worker|worker|boss|foreman|manager|supervisor|employer)\b"
)
BLOCKING_HELP = (
    r"(?:不让|不许|不准|不给|拦着|拦住|不肯|拖着不|非要|不同意|锁着门不让)[^，。,]{0,6}(?:打120|叫救护车|叫120|送医|去医院|上医院|报警|打电话|走|出去|离开)|"
    r"(?:没收|抢走|扣了)[^，。,]{0,4}手机|私了|"
    r"\b(?:won'?t|will not|doesn'?t|does not|refuses? to|refusing to|isn'?t|not) (?:let(?:ting)? (?:us|me|him|her|them) )?"
    r"(?:call(?:ing)?|take|taking|send|sending|go|leave)\b[^.]{0,20}\b(?:ambulance|hospital|120|police|doctor|out)\b|"
    r"\b(?:took|taken|grabbed) (?:our|my|his|her) phones?\b"
)


RULES: tuple[dict[str, object], ...] = (
    dict(
        id="gas_leak",
        description="gas smell or gas leak",
        advice="gas",
        triggers=(
            dict(
                pattern=(
                    r"(?:煤气|燃气|天然气|液化气|瓦斯|媒气|煤汽|然气)(?:的)?(?:味|气味|泄漏|泄露|漏气|漏了|在漏|外泄|"
                    r"管[^，。,]{0,4}(?:破|断|裂|漏|喷)|罐[^，。,]{0,3}(?:漏|喷)|报警器[^，。,]{0,3}(?:响|叫|报警))"
                    r"|(?:闻到|闻着|一股|好大的?|很大的?|很浓的?|浓浓的?)[^，。,]{0,6}(?:煤气|燃气|天然气|液化气)"
                    r"|\bgas+ (?:leak\w*|leek|smell\w*|smel|odou?r|alarm)|\bsme(?:ll|l)\w* (?:of |like )?gas+\b|\bleaking gas\b"
                ),
                excludes=(r"煤气费|燃气费|缴费|交费|\bgas bill"),
            ),
            dict(
                pattern=(
                    r"(?:家里|屋里|厨房|楼道|楼里|灶|表|管|阀|接口)[^，。,]{0,6}漏气|"
                    r"(?:燃气表|燃气管|气表|表箱|立管|管道|管子|接口|阀门)[^，。,]{0,8}(?:有味|有点?(?:气)?味|嘶嘶|冒气|往外冒)|"
                    r"嘶嘶[^，。,]{0,6}(?:冒气|漏气|有味)|挖破[^，。,]{0,6}(?:燃气|天然气|煤气)?管"
                ),
                requires=(r"味|嘶|闻|臭|冒气|燃气|煤气|天然气|\b(?:smell|hiss)"),
                excludes=(r"轮胎|车胎|气球|充气|空调|打气|暖气|水管|漏水"),
            ),
        ),
    ),
    dict(
        id="fire_smoke",
        description="fire, flames or smoke in a building",
        advice="fire",
        triggers=(
            dict(
                pattern=(
                    r"(?<![不没])着火|着了火|起火|失火|烧起来|火光|火势|蓝火|明火[^，。,]{0,4}(?:窜|蔓延)|(?<!防)火灾(?!隐患|风险|演练|预防|保险|险|报警器)|"
                    r"\b(?:on fire|caught fire|catching fire|in flames|flames|blaze)\b|\bfire (?:in|on|at|broke out|spreading)\b"
                ),
                excludes=(
                    r"消防演练|火灾隐患|打不着|点不着|着不了|\bfire (?:drill|exit|door|hazard|safety)"
                ),
            ),
            dict(
                pattern=(
                    r"冒烟|浓烟|冒黑烟|全是烟|好多烟|烟雾弥漫|烧焦味|"
                    r"\bsmoke (?:is )?(?:coming|pouring|billowing|everywhere|filling)|\b(?:thick|black) smoke\b|"
                    r"\bfull of smoke\b|\bsmell of burning\b"
                ),
                excludes=(
                    r"烟囱|油烟|尾气|排气管|抽烟|吸烟|烧烤|烟花|鞭炮|焚烧|烧垃圾|秸秆|工厂|厂子|chimney|barbecue|bbq"
                ),
            ),
            dict(
                pattern=(
                    r"火警(?:铃|警报|报警)[^，。,]{0,4}(?:响|叫)|\bfire alarms? (?:is |are |keeps? )?(?:going off|ringing|sounding)\b"
                ),
                requires=(
                    r"烟|火|出不去|出不来|困|焦味|\b(?:smoke|flames?|trapped|can'?t get out|burning)\b"
                ),
            ),
        ),
    ),
    dict(
        id="electrical_hazard",
        description="sparks, live wires down or electric shock",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"(?:电线|电缆|插座|电表|配电箱|电箱|变压器|充电|电瓶|电动车)[^，。,]{0,8}(?:火花|打火|冒火|爆炸|炸了)|"
                    r"火花四溅|冒火花|触电|被电(?:得|了|倒|伤)|漏电[^。]{0,12}(?:被电|电到|电了一下)|"
                    r"(?:高压线|电线|电缆)[^，。,]{0,6}(?:断|掉|垂|落|耷拉)[^。]{0,8}(?:地上|路上|路面|人)|"
                    r"\bsparks?\b|\bsparking\b|\blive wires?\b|\bpower lines? (?:down|fallen|on the)|\belectrocut\w*|\belectric shock"
                ),
            ),
            dict(
                pattern=(
                    r"(?:电线|电缆|高压线|电线杆)[^，。,]{0,8}(?:垂|耷拉|掉在|掉到|露着|斜着|压在)|"
                    r"\b(?:power |electric(?:al)? )?(?:lines?|wires?|cables?) (?:is |are )?(?:hanging|dangling|exposed|down)\b"
                ),
                requires=(PEOPLE_EXPOSED + r"|车|\b(?:road|touch\w*|cars?)\b"),
            ),
        ),
    ),
    dict(
        id="trapped",
        description="someone trapped (lift, room, vehicle, rubble)",
        advice="trapped",
        triggers=(
            dict(
                pattern=(
                    r"被困(?!扰|惑|难)|困在|困住|"
                    r"(?:关|卡|锁)在[^，。,]{0,4}(?:电梯|里面|屋里|房间|车里|储物间|厕所|柜子|地下室|店里|教室|办公室|车上|半空|栏杆)|"
                    r"电梯[^，。,]{0,10}(?:卡住|卡在|困|关着人|出不来|停在[^，。,]{0,6}中间|开不了门|门打不开|打不开门|往下掉|滑到底|下坠)|"
                    r"(?:卡|夹)(?:住|在)[^，。,]{0,8}(?:出不来|拔不出|下不来)|(?:门|出口|卷帘门)[^，。,]{0,10}出不去|"
                    r"(?:电梯|屋|房|门|车|井|里面)[^，。,]{0,8}出不来|"
                    r"\btrapped\b|\bstuck in (?:the |a )?(?:lift|elevator)\b|\b(?:lift|elevator) (?:is |got )?stuck\b|"
                    r"\bstuck between floors\b|\blocked (?:himself |herself |themselves )?in(?:side)?\b|"
                    r"\blocked in\b|\bcan'?t get out\b"
                ),
            ),
            # Stuck upstairs by a broken lift is urgent (taxonomy tie rule) when someone needs care now;
            # "old people cannot get down" alone is a building-wide disruption, labelled high.
            dict(
                pattern=(
                    r"下不了楼|下不去|下不来|出不了门|出不去|困在家|"
                    r"\b(?:can'?t|cannot|unable to|could not|couldn'?t) (?:get|go|come) (?:down|out|downstairs)\b|"
                    r"\bstuck (?:at home|upstairs|indoors)\b|担架[^，。,]{0,4}(?:上不来|下不去|抬不|进不去)|"
                    r"\bcan'?t (?:bring|carry|get) (?:the |a )?stretcher\b"
                ),
                requires=(r"电梯|\b(?:lift|elevator)s?\b"),
                also_requires=(ACUTE_NEED),
                excludes=(
                    r"没电梯|没有电梯|加装电梯|装电梯|\b(?:no|without an?) (?:lift|elevator)\b|\binstall\w*"
                ),
            ),
        ),
    ),
    dict(
        id="elderly_fall_alone",
        description="an elderly or disabled person has fallen",
        advice="fall",
        triggers=(
            dict(
                pattern=(
                    r"倒在地|倒地|躺在地上|(?<!卧床)起不来|爬不起来|站不起来|\b(?:on the floor|can'?t (?:get|stand) up)\b"
                ),
                requires=(ELDERLY_OR_DISABLED),
                excludes=(r"防摔|防跌|防滑|扶手|适老化|补贴|\b(?:handrail|grab bar)"),
            ),
            dict(
                pattern=(r"摔倒|摔了|摔在|摔下|跌倒|跌在|跌了|\b(?:fell|fallen|had a fall)\b"),
                requires=(ELDERLY_OR_DISABLED),
                also_requires=(FALL_HARM),
                excludes=(r"防摔|防跌|防滑|扶手|适老化|补贴|\b(?:handrail|grab bar)"),
            ),
        ),
    ),
    dict(
        id="medical_emergency",
        description="someone unconscious, not breathing, bleeding or seizing",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"晕倒(?!过)|昏倒|晕过去|昏过去|昏迷|休克|不省人事|没(?:有)?了?(?:呼吸|心跳|意识)|抽搐|喘不上气|上不来气|"
                    r"呼吸困难|(?:嘴唇|脸色?)发紫|大出血|血流不止|流了好?多血|在流血|在出血|口吐白沫|心脏病(?:犯|发)|心梗|"
                    r"窒息|抢救|叫了救护车|(?:叫|打)了120|120[^，。]{0,3}(?:还没|咋还|怎么还)|叫不醒|叫(?:他|她)?(?:也)?不(?:答应|应)|"
                    r"(?:人|老人|老头|老太|他|她|孩子|大爷|大妈|阿姨|大哥)[^，。,]{0,8}一动不动|"
                    r"\b(?:lying|collapsed|fallen)\b[^.]{0,60}\b(?:not moving|motionless)\b|"
                    r"误吞|误喝|误食|吞了[^，。,]{0,4}(?:电池|磁力珠|硬币|珠子|药)|卡在[^，。,]{0,3}(?:喉咙|嗓子)|"
                    r"(?:嗓子|喉咙)[^，。,]{0,2}(?:发紧|肿)|喘气[^，。,]{0,3}(?:困难|急)|呼吸[^，。,]{0,3}(?:急促|有点急)|"
                    r"破水|羊水破|要生了|脑出血|脑溢血|突发[^，。,]{0,4}(?:心脏|脑梗)|中暑[^，。,]{0,3}(?:倒|晕)|"
                    r"摔断|(?<![椅桌凳床])腿断了|头(?:上)?(?:在|一直)?流血|(?:扎|戳|刺|划|打)伤[^，。,]{0,6}眼睛|"
                    r"\b(?:unconscious|passed out|fainted|collapsed|not breathing|can'?t breathe|stopped breathing|"
                    r"seizure|heart attack|having a stroke|bleeding|choking|overdosed?|took (?:a lot of|too many) pills|"
                    r"unresponsive|won'?t wake up|swallowed (?:a |some |several )?(?:battery|batteries|magnets?|coins?|button)|"
                    r"throat (?:is )?(?:closing|swelling|tight)|water (?:has )?broken|(?:is|went|gone) (?:in|into) labou?r|heatstroke|"
                    r"broken (?:arm|leg)|head injury|confused and vomiting|vomiting and confused)\b"
                ),
                excludes=(r"宠物|猫|兽医|\b(?:cat|vet)\b"),
            ),
            dict(
                pattern=(
                    r"黄疸|浑身发黄|皮肤[^，。,]{0,3}黄|不吃奶|发烧|高烧|抽|呼吸急促|\b(?:jaundice|not feeding|fever|yellow)\b"
                ),
                requires=(
                    r"新生儿|刚出生|出生[^，。,]{0,3}(?:天|周)|满月|\b(?:newborn|days? old|week-old)\b"
                ),
                excludes=(r"疫苗|体检|\b(?:vaccin\w*|check-?up)\b"),
            ),
        ),
    ),
    dict(
        id="home_flooding",
        description="water flooding into a home",
        advice="flood",
        triggers=(
            dict(
                pattern=(
                    r"(?:家|屋|室|卧室|客厅|厨房|房间|房子|地下室|车库|一楼|楼道)[^，。,]{0,8}"
                    r"(?:进水|淹了|被淹(?!过)|淹水|灌水|灌进|水漫|漫进|积水[^，。,]{0,6}(?:公分|厘米|cm|深|没过))|"
                    r"水管[^，。,]{0,3}(?:爆|破裂|炸|冻裂)|爆管|倒灌|漫进(?:屋|家|房|客厅|卧室)|"
                    r"(?:暖气|水管|管道|阀门|接头)[^，。,]{0,6}(?:爆|崩|裂)[^。]{0,16}(?:喷|浇|淹|涌|流进|漫|瀑布)|"
                    r"(?:热水|开水|滚烫的水)[^，。,]{0,4}(?:往外)?(?:喷|浇)|流进[^，。,]{0,6}(?:家|户|屋)|"
                    r"淹到[^，。,]{0,4}(?:膝盖|小腿|脚踝|床)|水[^，。,]{0,4}(?:有|到|没过|漫过)[^，。,]{0,3}(?:脚踝|膝盖|小腿)|"
                    r"\bflood(?:ed|ing)?\b[^.,]{0,20}\b(?:home|flat|apartment|house|basement|kitchen|bedroom|living room)\b|"
                    r"\b(?:home|flat|apartment|house|basement|kitchen|bedroom) (?:is |got )?flood(?:ed|ing)\b|"
                    r"\bburst (?:water )?pipe|\bpipe (?:has )?burst|"
                    r"\bwater (?:is )?(?:pouring|gushing|streaming|flooding|coming) (?:in|into|through|down|from)"
                ),
            ),
            dict(
                pattern=(
                    r"水[^，。,]{0,4}(?:哗哗|直接|一直|不停)[^，。,]{0,4}(?:往|流|灌|涌|冒)|水顺着[^，。,]{0,6}(?:电线|灯)"
                ),
                requires=(
                    r"家|屋|卧室|客厅|厨房|房间|天花板|吊顶|吊灯|楼上|\b(?:ceiling|flat|home)\b"
                ),
            ),
        ),
    ),
    dict(
        id="no_heating_frail_cold",
        description="no heating for frail people or in freezing weather",
        advice="cold",
        triggers=(
            dict(
                pattern=(
                    r"(?:暖气|供暖|供热|采暖|取暖|地暖|暖风)[^，。,]{0,8}(?:不热|停了|停止|坏了|没了|中断|冰凉|不开|不通|没有|没开|没来|断了)|"
                    r"(?:没有|没|停了|断了)(?:暖气|供暖|取暖)|(?:暖气片?|地暖)[^，。,]{0,4}(?:全是)?凉的|不烧锅炉|锅炉[^，。,]{0,6}(?:停了|坏了|灭了)|"
                    r"(?:炉子|炉火|煤炉)[^，。,]{0,3}灭了|屋里(?:冰凉|冰冷)|冻得[^，。,]{0,4}(?:发抖|哆嗦|受不了)|"
                    r"\b(?:heating|heater|radiators?|boiler)\b[^.,]{0,30}\b(?:off|broken|not working|stopped|out|cold|failed|down)\b|"
                    r"\bno heat(?:ing)?\b|\bwithout heat(?:ing)?\b"
                ),
                requires=(FRAIL),
                negatable=False,
            ),
        ),
    ),
    dict(
        id="life_support_power",
        description="a life-support or medical device without power or supply",
        advice="power_medical",
        triggers=(
            dict(
                pattern=(
                    r"(?:制氧机|呼吸机|吸氧|氧气|透析|吸痰器|输液泵|监护仪|胰岛素)[^。]{0,15}(?:停电|没电|断电|没氧|没气|用完|快没了|停了|中断|没法用|不能用|坏了|缺货|最后一瓶|报警)|"
                    r"(?:停电|断电|没电)[^。]{0,30}(?:制氧机|呼吸机|吸氧|氧气|透析|吸痰器|输液泵|ICU|重症)|"
                    r"\b(?:oxygen|ventilator|dialysis|concentrator|respirator|life support)\b[^.]{0,40}"
                    r"\b(?:power|outage|no electricity|running out|runs? out|ran out|running low|empty|last (?:cylinder|tank|bottle))\b|"
                    r"\b(?:power cut|power outage|no power|no electricity)\b[^.]{0,40}\b(?:oxygen|ventilator|dialysis|life support)\b"
                ),
                excludes=(
                    r"计划停电|停电通知|提前准备|(?:明天|后天|下周|周[一二三四五六日末])[^，。,]{0,6}(?:要|会|是|计划)?[^，。,]{0,3}停电|要停电|会停电|"
                    r"\b(?:planned|scheduled) (?:power )?(?:cut|outage)|\btomorrow'?s? (?:power )?(?:cut|outage)|\bwill be (?:a )?power (?:cut|outage)"
                ),
                negatable=False,
            ),
        ),
    ),
    dict(
        id="self_harm",
        description="a threat of suicide or self-harm",
        advice="self_harm",
        triggers=(
            dict(
                pattern=(
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
    dict(
        id="child_in_danger",
        description="a child in danger or missing",
        advice="child",
        triggers=(
            dict(
                pattern=(
                    r"(?:锁|关|困|落)在车(?:里|内)|车(?:里|内)(?:锁|关|困)着|(?:孩子|小孩|宝宝|娃|儿童|女儿|儿子)[^，。,]{0,3}(?:走失|走丢|不见了|找不到了|失踪|被拐)|"
                    r"拐走|(?:孩子|小孩|宝宝|娃|儿童|小朋友)[^，。,]{0,6}(?:爬|站|坐|挂|悬)在[^，。,]{0,6}(?:窗|阳台|护栏|栏杆|楼顶|外面)|"
                    r"虐待[^，。,]{0,6}(?:孩子|小孩|儿童)|"
                    r"(?:落|忘|丢)在[^，。,]{0,6}(?:公园|车上|车里|景区|路边|商场|野外|学校|幼儿园|教室|车站)|一个人(?:关|锁|留)在(?:家|屋|车)|"
                    r"(?:绑|捆)在[^，。,]{0,4}(?:椅子|床)|爬(?:到|上)[^，。,]{0,4}(?:窗台|阳台|护栏)|"
                    r"(?:被|让)[^，。,]{0,4}(?:陌生人|不认识的人|叔叔|阿姨)[^，。,]{0,2}接走|"
                    r"\b(?:left|locked) (?:alone )?in (?:a |the )?(?:hot )?car\b|\babduct\w*|\bkidnap\w*|"
                    r"\b(?:child|kid|toddler|son|daughter) (?:is |has gone |went )?missing\b|"
                    r"\b(?:left|forgot(?:ten)?) (?:behind|alone)\b|\bleft (?:\w+ )?(?:toddlers?|kids|children|child) alone\b"
                ),
                requires=(CHILD),
            ),
        ),
    ),
    dict(
        id="drowning",
        description="someone drowning or fallen into water",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"溺水|落水(?!管)|掉(?:进|到|在)?[^，。,]{0,3}(?:水里|河里|湖里|江里|海里|井里|池塘|水塘|水库)|被水冲走|"
                    r"滑(?:下去|进|到)[^，。,]{0,4}(?:河|湖|江|水)|"
                    r"(?:河|湖|江|水库|池|海|水)[^，。,]{0,8}(?:掉下去|掉进去|下水了|扑腾|沉下去)|扑腾|"
                    r"冰面[^，。,]{0,4}(?:裂|破)|冰窟窿|(?:河|湖|江)边[^，。,]{0,8}滑下去|"
                    r"\bdrowning\b|\bfell (?:in|into) (?:the |a )?(?:river|lake|pond|water|canal|sea|well)\b|\bswept away\b|"
                    r"\b(?:went|got|is|are) (?:in|into) the (?:river|lake|sea) (?:and|now|right)\b|\bice (?:is )?(?:cracking|cracked)\b"
                ),
                excludes=(r"护栏|警示|容易|担心|\b(?:fence|sign)\b"),
            ),
        ),
    ),
    dict(
        id="violence_weapon",
        description="violence in progress or a weapon",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"持刀|拿刀(?!具)|动刀|挥刀|砍人|捅人|捅了|被捅|砍伤|刺伤|行凶|杀人|开枪|枪声|持械|"
                    r"(?:斗殴|打架|群殴)[^。]{0,8}(?:流血|刀|棍|砍)|(?:正在|还在)(?:打人|打架|殴打|砸)|围(?:在|着)[^，。,]{0,6}打|抢劫|劫持|绑架|"
                    r"(?:现在|正在|还在)(?:打|抽|揪|踢)(?:人|孩子|小孩|老人|他|她|我)|现在还在打[！!]|还绑着|泼了?汽油|"
                    r"\b(?:knife|gun|machete|stabb(?:ed|ing)|shooting|gunshots?|robbery|mugg(?:ed|ing))\b|"
                    r"\bbeing (?:beaten|attacked|assaulted)\b|\bbeating (?:a|her|him|his|my|an?)\b|"
                    r"\bstill (?:tied|being (?:hit|beaten))\b"
                ),
            ),
        ),
    ),
    dict(
        id="structural_collapse",
        description="a structure collapsing or objects falling on people",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"塌了|倒塌了|坍塌|塌方|砸伤|砸到人|砸中人|压着(?:一个)?人|压着一个|压在下面|塌下来|塌陷|往下陷|"
                    r"\b(?:collapsing|caving in|about to (?:fall|collapse)|crumbling)\b|"
                    r"\b(?:wall|ceiling|roof|building|balcony|scaffold\w*) (?:has )?collapsed\b"
                ),
                excludes=(
                    r"球台|桌|椅|凳|床|沙发|柜|书架|货架|帐篷|积木|蛋糕|\b(?:table|chair|sofa|shelf)\b"
                ),
            ),
            dict(
                pattern=(
                    r"(?:往下掉|正在掉|一直掉|还在掉|哗哗(?:往下)?掉|摇摇欲坠|随时(?:会|要|可能)?(?:掉|塌|倒|砸)|"
                    r"晃得厉害|在晃|只剩一个角|斜挂|往外歪|鼓出来|挂在半空)|"
                    r"(?:树|树干|树枝|电线杆|灯杆|塔吊)[^，。,]{0,6}(?:歪倒|倒向|斜靠|靠在|压在|断了一半)|"
                    r"\b(?:about to fall|could fall (?:down )?any|hanging by|swaying|falling (?:off|down) (?:onto|on)|"
                    r"leaning (?:against|on|over)|cracking more)\b"
                ),
                requires=(PEOPLE_EXPOSED),
                excludes=(r"牙|头发|墙皮|油漆|瓷砖缝|价|成绩|器材|漫步机|秋千|\b(?:price|hair)\b"),
            ),
        ),
    ),
    dict(
        id="poisoning",
        description="poisoning or many people suddenly ill",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"中毒|一氧化碳|毒蘑菇|"
                    r"(?:上吐下泻|呕吐|腹泻|拉肚子)[^。]{0,20}(?:好几|多人|一群|全家|好多人|急诊|送医)|"
                    r"(?:[\d两三四五六七八九十几]+多?个?(?:人|孩子|同事|学生|小孩|老人)|好几|多人|一群|全家|好多人)[^。]{0,12}(?:全?吐了|在吐|上吐下泻|呕吐|腹泻)|"
                    r"(?:氯气|氨气|毒气|有毒气体|化学品|农药)[^。]{0,10}(?:泄漏|泄露|漏气|在漏|外泄)|"
                    r"(?:刺鼻|化学|毒气|氯气|氨气)[^。]{0,30}(?:咳嗽|流眼泪|喘不过气|头晕|呕吐)|"
                    r"\b(?:\d+|several|many) (?:people|kids|children|students|colleagues)\b[^.]{0,30}\b(?:vomiting|diarrh\w*)|"
                    r"\b(?:chemical|toxic)\b[^.]{0,40}\b(?:coughing|dizzy|vomiting|can'?t breathe)\b|"
                    r"\bpoison(?:ed|ing)\b|\bcarbon monoxide\b"
                ),
                excludes=(r"游戏|网瘾"),
            ),
            dict(
                pattern=(
                    r"(?:井水|井里的水|井的水|自来水|饮用水|水井|水库|水源|取水口|河水|湖里)[^。]{0,20}(?:发黑|发臭|有毒|污染|农药|油膜|冒泡|渗滤液|骷髅)|"
                    r"(?:冒|漏|渗|排)[^，。,]{0,6}(?:黄烟|白烟|绿色的|毒|不知道什么液体)|(?:漂白水|消毒水|农药)味|"
                    r"\b(?:toxic|chemical) (?:smoke|fumes|spill|leak)\b|\bleaking (?:chemicals?|diesel|fuel)\b"
                ),
                requires=(
                    r"喝|饮用|拉肚子|呕吐|吐|头晕|咳|呛|孩子|小孩|老人|幼儿园|学校|小学|居民|水厂|游泳|钓鱼|"
                    r"\b(?:drink\w*|vomit\w*|dizzy|cough\w*|kids|children|school|residents)\b"
                ),
                excludes=(r"游泳池|泳池"),
            ),
        ),
    ),
    dict(
        id="fraud_in_progress",
        description="a resident being defrauded right now",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"安全账户|"
                    r"(?:正在|马上|准备|要去|排队)[^。]{0,8}(?:转账|汇款|转钱|打钱|取钱|转)[^。]{0,20}(?:骗|冒充|洗钱)|"
                    r"(?:骗|冒充|洗钱)[^。]{0,40}(?:正在|马上|准备|要去|排队)[^。]{0,8}(?:转账|汇款|转钱|打钱|取钱|转)|"
                    r"\bsafe account\b|\b(?:scammer|fraudster)s?\b[^.]{0,40}\b(?:right now|on the phone)\b"
                ),
            ),
        ),
    ),
    dict(
        id="road_hazard",
        description="an open manhole or dead traffic lights on a busy road",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"井盖[^，。,]{0,6}(?:没了|丢了|被偷|敞着|翻了|压翻|不见)|"
                    r"(?:红绿灯|信号灯)[^，。,]{0,4}(?:全灭|全黑|都灭|都不亮|全不亮)|"
                    r"\b(?:open manhole|missing manhole cover)\b|\bmanhole cover (?:is )?(?:missing|gone|open)\b|"
                    r"\b(?:traffic lights?|signals?)\b[^.]{0,50}\b(?:all out|are out|not working|dead)\b|"
                    r"(?:红绿灯|信号灯)[^，。,]{0,6}(?:一直闪|坏了|不亮|失灵|黑了)|"
                    r"护栏[^，。,]{0,4}(?:倒|断|撞断|没了)|(?:路面|桥面|地面)[^，。,]{0,6}(?:塌|陷|裂开|翘起)|"
                    r"(?:钢管|货物|铁板|石头)[^，。,]{0,6}(?:掉了一路|滚得到处|在车道|在路中间)|"
                    r"(?:洒|漏)了一(?:大)?片[^，。,]{0,3}(?:油|机油)|\b(?:no warning (?:signs?|lights?)|guard ?rail\w* (?:is |are )?(?:down|broken|gone))\b"
                ),
                requires=(
                    r"乱|撞|危险|高峰|差点|孩子|小孩|老人|摔|掉进|看不清|天黑|夜里|晚上|人躺|车还在|急刹|"
                    r"\b(?:chaos|everywhere|every direction|accident|crash\w*|kids|children|dark|night|burst|fell|nearly|almost|hit)\b"
                ),
            ),
        ),
    ),
    dict(
        id="animal_attack",
        description="people being bitten or stung, or a dangerous animal indoors",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"(?:被|已经)[^，。,]{0,10}(?:蛰|咬伤|咬了)|扑上去|毒蛇|一条蛇|眼镜蛇|蟒蛇|野猪|"
                    r"(?:狼|猴子|野狗)[^，。,]{0,8}(?:跟着|追|冲|扑|龇牙|窜进|进了?屋|在阳台|在客厅)|咬(?:出血|伤了)|"
                    r"\b(?:bitten|stung|attacked by (?:a |the )?dogs?)\b|\bsnake in\b|\bwild boar\b"
                ),
            ),
        ),
    ),
    dict(
        id="vulnerable_without_care",
        description="a frail, disabled or very young person left without anyone to care for them",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"一个人(?:在家|躺|关|留|被关)|家里就(?:剩)?(?:他|她|剩)|就剩(?:他|她)|没人(?:照顾|管|喂|看着|照看|陪)|"
                    r"无人(?:照顾|照看|看护)|没人给(?:喂|做|送)|(?:照顾|陪护|护工|保姆)[^，。,]{0,12}(?:走了|跑了|没来|住院|送进医院|不在)|"
                    r"唯一的?照顾|\b(?:left alone|alone at home|home alone|nobody (?:to|is) (?:look|care|feed)\w*|no one (?:to|is) (?:look|care|feed)\w*)\b"
                ),
                requires=(ELDERLY_OR_DISABLED + r"|" + CHILD + r"|重病|插着|导尿|\b(?:sick)\b"),
                also_requires=(
                    r"今天|现在|刚|已经|从昨|到现在|今晚|突然|一直|两天|三天|\b(?:today|now|tonight|since|just)\b"
                ),
            ),
        ),
    ),
    dict(
        id="unreachable_vulnerable",
        description="a frail person living alone who cannot be reached or whose alarm went off",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"敲门(?:没|不|也不)(?:人应|反应|开|人开|应)|敲门不开|(?:几天|一个?礼拜|一周|好几天)没(?:见|出门|下楼|露面)|"
                    r"里面有(?:呻吟|呼救)|电话(?:一直|也)?(?:不接|打不通|没人接)|联系不上|"
                    r"\b(?:hasn'?t (?:answered|picked up|been seen)|not answering|no answer|can'?t reach|no one answers)\b"
                ),
                requires=(ELDERLY_OR_DISABLED + r"|独自|一个人住|\b(?:lives alone|living alone)\b"),
                excludes=(
                    r"物业|客服|热线|窗口|部门|12345|工作人员|公司|医院|商家|\b(?:hotline|office|customer service)\b"
                ),
            ),
            # Emergency call buttons are fitted for people who cannot call for help themselves.
            dict(
                pattern=(
                    r"(?:一键呼叫|紧急呼叫|呼叫器|呼叫按钮|求助按钮|防跌倒手环)[^，。,]{0,8}(?:报警|响|闪|按了|求救)|"
                    r"\b(?:emergency|alarm|panic|help|call) (?:button|pendant|alarm)\b[^.]{0,20}\b(?:went off|going off|pressed|triggered|beeping)\b"
                ),
                excludes=(
                    r"误报|误触|坏了|没电|电池|\b(?:false alarm|by mistake|broken|battery)\b"
                ),
            ),
        ),
    ),
    dict(
        id="missing_person",
        description="a vulnerable person or child missing now",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"走失|走丢|(?:出门|出去)[^，。,]{0,8}(?:没回来|没回家)|(?:到现在|至今|还)[^，。,]{0,2}(?:没|没有)(?:找到|回来|回家)|"
                    r"找不到(?:他|她|孩子|老人|人影)|\bcan'?t find (?:him|her|them|my (?:son|daughter|child|kid|mum|mom|mother|dad|father))\b|"
                    r"不见了|\b(?:missing|wandered off|has not come back|hasn'?t come (?:back|home))\b"
                ),
                requires=(ELDERLY_OR_DISABLED + r"|" + CHILD),
                excludes=(
                    r"防走失|(?:猫|狗|宠物|手机|钱包|身份证|证件|卡|行李|快递|\b(?:cat|dog|pet|phone|wallet|parcel|luggage)\b)"
                    r"[^，。,.]{0,6}(?:走失|走丢|不见|丢|找不到|\bmissing|\blost)"
                ),
            ),
        ),
    ),
    dict(
        id="unsafe_goods_selling_now",
        description="food or goods that endanger health being sold or bought right now",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"病死|死猪|死禽|瘟|变质|发霉|没检疫|未检疫|无检疫|召回|有毒|毒[^，。,]{0,2}(?:蘑菇|菜|肉)|假药|假酒|工业酒精|"
                    r"被淹过|泡过水|\b(?:recall(?:ed|s)?|diseased|spoiled|rotten|toxic|contaminated|counterfeit|unlicensed medicine)\b"
                ),
                requires=(r"卖|售|货架|柜台|\b(?:sell\w*|sold|shelves|stall|on sale)\b"),
                also_requires=(
                    r"抢着买|排队|好多人|一堆人|很多人|正在买|在买|还在卖|正在卖|现在|大爷买|老人买|家长|"
                    r"\b(?:right now|still|are buying|people (?:are )?buying|queu\w*|parents)\b"
                ),
                excludes=(r"退款|退货|赔偿|索赔|投诉过|\b(?:refund|compensation)\b"),
            ),
        ),
    ),
    dict(
        id="crowd_crush",
        description="a crowd crush or people falling on moving stairs",
        advice="default",
        triggers=(
            dict(
                pattern=(
                    r"踩踏|挤倒|被挤(?:伤|晕)|扶梯[^，。,]{0,8}(?:倒着走|逆行|倒转|突然|失控)|"
                    r"\b(?:stampede|crowd crush|crushed in the crowd|escalator (?:suddenly )?(?:reversed|running backwards))\b"
                ),
            ),
        ),
    ),
    dict(
        id="vulnerable_care_stopped",
        description="someone who cannot help themselves whose food, carer, medication or heat has just stopped",
        advice="default",
        triggers=(
            dict(
                pattern=CARE_STOPPED,
                requires=VULNERABLE,
                also_requires=CARE_NOW,
                excludes=CARE_QUESTION,
            ),
            dict(
                pattern=SUPPLY_OUT,
                requires=VULNERABLE,
                also_requires=EXTREME_WEATHER,
                excludes=r"计划|通知|要停|会停|缴费|交费|电费|水费|暖气费|明天|下周|\b(?:planned|scheduled|tomorrow)\b|"
                + CARE_QUESTION,
                negatable=False,
            ),
        ),
    ),
    dict(
        id="work_injury_blocked",
        description="someone hurt at work while the person in charge keeps help away",
        advice="default",
        triggers=(
            dict(
                pattern=BLOCKING_HELP,
                requires=WORK_INJURY,
                also_requires=WORK_SETTING,
                negatable=False,
            ),
        ),
    ),
)
