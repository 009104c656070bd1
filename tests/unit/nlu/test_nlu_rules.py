import pytest

from nlu.rules import RULE_IDS, apply_rules, is_settled


def fired(text: str) -> set[str]:
    return {hit.rule_id for hit in apply_rules(text)}


FIRES = [
    ("gas_leak", "单元门口一股很浓的煤气味，不知道谁家的"),
    ("gas_leak", "厨房燃气管好像破了，一直在漏"),
    ("gas_leak", "I can smell gas on the third floor landing"),
    ("fire_smoke", "对面楼的阳台着火了，火苗往上窜"),
    ("fire_smoke", "楼道里全是烟，看不清楼梯"),
    ("fire_smoke", "The bin store behind Block 4 is on fire"),
    ("electrical_hazard", "路边的电线被风刮断了，耷拉在地上，小孩在旁边玩"),
    ("electrical_hazard", "Sparks are coming out of the socket in the hallway"),
    ("trapped", "电梯卡在两层中间，里面有人出不来"),
    ("trapped", "My neighbour is trapped in the lift"),
    ("elderly_fall_alone", "隔壁独居的老人摔倒在卫生间，自己起不来"),
    ("elderly_fall_alone", "My 86-year-old father fell in the kitchen and can't get up"),
    ("medical_emergency", "公交站有个人突然晕倒了，叫不醒"),
    ("medical_emergency", "A man in the park is not breathing"),
    ("home_flooding", "楼上水管爆了，我家客厅进水了"),
    ("home_flooding", "Our basement flat is flooded after the storm"),
    ("no_heating_frail_cold", "零下十几度，暖气坏了三天，家里还有刚出生的宝宝"),
    (
        "no_heating_frail_cold",
        "The heating has been off for two days and my elderly mother is freezing",
    ),
    ("life_support_power", "小区停电了，我爸的制氧机用不了，他离不开吸氧"),
    ("life_support_power", "Power cut on our street and my wife is on a home ventilator"),
    ("self_harm", "我实在撑不下去了，不想活了"),
    ("self_harm", "My brother says he will kill himself tonight"),
    ("child_in_danger", "停车场有个小孩被锁在车里，一直在哭"),
    ("child_in_danger", "A toddler was left alone in a hot car outside the supermarket"),
    ("drowning", "公园湖边有人落水了，快来"),
    ("drowning", "A boy fell into the canal near the bridge"),
    ("violence_weapon", "楼下两个人打起来了，有一个拿刀砍人"),
    ("violence_weapon", "A man with a knife is threatening people at the bus stop"),
    ("structural_collapse", "老房子的外墙塌了一块，砸到人了"),
    ("structural_collapse", "The balcony above the shop is crumbling onto the pavement"),
    ("poisoning", "公司食堂午饭后好几个同事上吐下泻，送急诊了"),
    ("poisoning", "We think the whole family has carbon monoxide poisoning"),
    ("fraud_in_progress", "骗子冒充警察让我爸把钱转到安全账户"),
    ("road_hazard", "学校门口的井盖被偷了，孩子放学差点掉进去"),
    ("road_hazard", "The manhole cover is missing outside the kindergarten and kids walk past"),
    ("animal_attack", "小区里的流浪狗已经咬伤了两个小孩"),
    ("animal_attack", "My son was bitten by a stray dog in the park"),
    ("animal_attack", "小区里窜进来一头野猪，在楼下追着人跑"),
    ("vulnerable_without_care", "我弟是智力障碍，照顾他的妈妈今天住院了，家里就剩他一个人"),
    (
        "vulnerable_without_care",
        "My bedridden grandmother has been left alone since this morning, the carer never came",
    ),
    ("unreachable_vulnerable", "楼下独居的大爷三天没下楼了，敲门没人应"),
    (
        "unreachable_vulnerable",
        "My 85-year-old mother lives alone and hasn't answered her phone since yesterday",
    ),
    ("unreachable_vulnerable", "老人家里的一键呼叫器报警半小时了，还没人上门"),
    ("missing_person", "我爷爷有阿尔茨海默，早上出门到现在还没回来"),
    (
        "missing_person",
        "Our 6-year-old daughter is missing at the mall, we can't find her anywhere",
    ),
    ("crowd_crush", "体育场散场，楼梯上有人被挤倒了，后面还在推"),
    ("crowd_crush", "There is a stampede at the station exit, people are falling"),
    ("unsafe_goods_selling_now", "农贸市场有个摊子在卖死禽，好多老人排队在买"),
    (
        "unsafe_goods_selling_now",
        "A stall is selling diseased chickens at half price and people are queuing to buy them",
    ),
    ("vulnerable_care_stopped", "我爸卧床，护工今天没来，从早上到现在没吃东西"),
    ("vulnerable_care_stopped", "My diabetic mother lives alone and her insulin runs out today"),
    ("work_injury_blocked", "工地上工友被砸伤了，包工头不让打120"),
    (
        "work_injury_blocked",
        "A worker was injured at the factory and the boss won't let us call an ambulance",
    ),
]


# Wordings of the same emergencies that the first version of the rules missed.
MORE_FIRES = [
    ("gas_leak", "家里好像漏气了，闻着臭臭的"),
    ("gas_leak", "楼道里一股很浓的媒气味"),
    ("gas_leak", "There is a strong gass smell in the stairwell"),
    ("fire_smoke", "商场火警铃一直响，有烟味，卷帘门关了"),
    ("trapped", "电梯停在负一楼开不了门，里面有人在拍门"),
    ("trapped", "电梯坏了三天，我爸在家吸氧，氧气瓶快用完了，人下不了楼"),
    (
        "trapped",
        "The lift has been out for days and my neighbour needs dialysis today but cannot get down",
    ),
    ("elderly_fall_alone", "我爸79岁在家摔了，头一直流血"),
    ("medical_emergency", "孩子误吞了一颗纽扣电池"),
    ("medical_emergency", "隔壁老头倒在楼梯口一动不动，叫他也不答应"),
    ("electrical_hazard", "Power line hanging very low over the road and kids keep touching it"),
    ("electrical_hazard", "开水炉漏电，一个学生被电得坐在地上"),
    ("home_flooding", "暖气管爆了，热水喷了一屋子"),
    (
        "no_heating_frail_cold",
        "The heating in my flat is completely off and my wife is 8 months pregnant",
    ),
    ("life_support_power", "My mother is on home oxygen and the last cylinder runs out tonight"),
    ("child_in_danger", "幼儿园把我女儿落在学校了，老师都走了"),
    ("child_in_danger", "路边一辆车里锁着个两岁的孩子在哭"),
    ("drowning", "有几个小孩跑到湖中间滑冰，冰面已经裂了"),
    ("violence_weapon", "养老院护工在打老人，现在还在打！"),
    ("structural_collapse", "外墙砖一块块往下掉，底下是幼儿园的接送通道"),
    ("structural_collapse", "A shop sign is hanging by one bolt and swaying over the bus stop"),
    (
        "road_hazard",
        "The traffic lights at the Huaihai Road junction are all out and cars are going everywhere",
    ),
    ("road_hazard", "路口红绿灯黄灯一直闪，放学的孩子正在过马路"),
    ("poisoning", "村里的井水发黑发臭，好多老人还在喝，已经有人拉肚子"),
    ("medical_emergency", "孩子出生第四天，浑身发黄，也不吃奶"),
    ("medical_emergency", "同学用铅笔戳伤了我儿子的眼睛"),
    (
        "structural_collapse",
        "A tree is leaning against the second-floor window and an old man lives alone there",
    ),
    ("structural_collapse", "台风把大树刮得歪倒了，压在单元门口，底下还有人进出"),
]


@pytest.mark.parametrize(
    ("rule_id", "text"), MORE_FIRES, ids=[f"{r}:{t[:12]}" for r, t in MORE_FIRES]
)
def test_other_wordings_of_an_emergency_fire_the_same_rule(rule_id: str, text: str) -> None:
    assert rule_id in fired(text)


@pytest.mark.parametrize(("rule_id", "text"), FIRES, ids=[f"{r}:{t[:12]}" for r, t in FIRES])
def test_an_emergency_message_fires_its_safety_rule(rule_id: str, text: str) -> None:
    assert rule_id in fired(text)


def test_every_rule_has_at_least_one_example_that_fires_it() -> None:
    assert {rule_id for rule_id, _ in FIRES} == set(RULE_IDS)


NEAR_MISSES = [
    "煤气费怎么交",
    "燃气费能不能在手机上缴纳",
    "小区下周三上午搞消防演练，会拉警报",
    "楼道堆满杂物，有火灾隐患",
    "没有闻到煤气味了，谢谢师傅",
    "如果闻到煤气味应该打哪个电话",
    "去年楼里着火过一次，现在消防通道还是堵着",
    "被困扰很久了，楼上每天晚上跺脚",
    "商场跳楼价大甩卖，噪音太大",
    "建议在老人家里装扶手，防止摔倒",
    "What should I do if I smell gas?",
    "Is there a fire drill at the school next week?",
    "The fire exit in our building is locked",
    "How do I pay my gas bill online?",
    "工厂烟囱一直冒黑烟，空气很差",
    "楼下烧烤摊的油烟太大",
    "轮胎漏气了，附近有修车的吗",
    "暖气费什么时候开始交",
    "河边没有护栏，小孩容易落水",
    "建议给家里用制氧机的老人登记，停电时优先通知",
    "昨天闻到的燃气味已经处理好了，想问报警器哪里买",
    "燃气灶打不着火，师傅什么时候上门",
    "公交车急刹车，车上老人差点摔了",
    "The bus braked hard and an old lady almost fell",
    "前天隔壁铺子冒烟差点着起来，消防栓里却没水",
    "厨房着火了一下，火已经扑灭了，可是消防通道还堵着",
    "The kitchen fire was put out an hour ago, but the stairwell is still blocked",
    "物业把消防通道堵了，真着火了车都进不来",
    "乒乓球台塌了一角，能修一下吗",
    "明天要停电一整天吗？家里老人离不开制氧机",
    "Is there a planned power cut tomorrow? My father uses a ventilator",
    "我爸卧床起不来，高龄补贴能不能上门办",
    "早上看到两个老人在冰上摔倒了，麻烦来清雪",
    "整栋楼电梯停了五天，好多老人下不了楼，物业一直拖",
    "老楼没电梯，我妈八十岁了这几年都下不了楼",
    "老人走失了，社区有没有防走失的手环可以领？",
    "孩子的身份证找不到了，去哪补办",
    "家里的猫不见了，小区能帮忙找吗",
    "上个月买的牛奶过期了，已经要求超市退款",
    "我家的猫误食了百合，一直在吐",
    "呼叫器没电了一直闪，怎么换电池",
    "有人打架，现在已经散了",
    "新生儿满月要打什么疫苗",
    "孩子眼睛看不清黑板，能不能调个座位",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_a_near_miss_fires_no_safety_rule(text: str) -> None:
    assert fired(text) == set()


def test_a_fall_without_an_elderly_or_disabled_person_is_not_the_fall_rule() -> None:
    assert "elderly_fall_alone" not in fired("快递小哥在门口摔了一下，没事")


def test_no_heating_alone_is_not_an_emergency_without_frailty_or_frost() -> None:
    assert "no_heating_frail_cold" not in fired("暖气不热，屋里才十七度")


def test_a_hit_reports_where_the_trigger_is() -> None:
    text = "三楼一股煤气味"
    hit = apply_rules(text)[0]
    assert text[hit.start : hit.end] == "一股煤气"


def test_a_fall_of_an_elderly_person_needs_harm_solitude_or_immediacy() -> None:
    assert "elderly_fall_alone" not in fired("她晚上下楼倒垃圾摔了一跤，麻烦物业把灯修好")
    assert "elderly_fall_alone" in fired("我妈80岁，刚才在卫生间摔了，一个人在家")


def test_a_broken_lift_is_an_emergency_only_when_someone_upstairs_needs_care_now() -> None:
    assert "trapped" not in fired("电梯停了一周，楼上的老人下不了楼")
    assert "trapped" in fired("电梯停了一周，楼上的老人下不了楼，今天必须去医院透析")


def test_a_settled_message_is_recognised() -> None:
    assert is_settled("昨天闻到的燃气味已经处理好了，现在没事了")
    assert is_settled("建议在公园增加长椅")
    assert not is_settled("楼道里有燃气味，快来人")
