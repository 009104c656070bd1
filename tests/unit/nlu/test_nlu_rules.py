import pytest

from nlu.rules import RULE_IDS, apply_rules


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
    ("no_heating_frail_cold", "The heating has been off for two days and my elderly mother is freezing"),
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
]


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
