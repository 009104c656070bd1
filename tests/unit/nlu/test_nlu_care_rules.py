"""Emergencies without an emergency word: a person who cannot help themselves whose care has
just stopped, and an injury at work with someone keeping help away."""

import pytest

from nlu.normalize import normalize
from nlu.rules import RULE_ADVICE, RULE_IDS, apply_rules, signals
from nlu.safety_table import RULES as TABLE


def fired(text: str) -> set[str]:
    return {hit.rule_id for hit in apply_rules(normalize(text).text)}


CARE_STOPPED_NOW = [
    "我妈瘫痪在床，护工今天没来，从早上到现在一口饭都没吃",
    "独居的王奶奶八十多了，降压药今天就吃完了，社区医院说要下周才有",
    "俺爹卧床好几年了，保姆今早辞职走了，一天没人给他做饭",
    "我家宝宝才五个月，奶粉今天吃完了，我发烧下不了床，家里就我俩",
    "隔壁的残疾大叔从昨天到现在没吃东西，送饭的志愿者没来",
    "零下十五度停电两天了，家里有卧床的老人",
    "外面零下二十度，暖气停了，我爸心脏不好，屋里冻得不行",
    "阿嬤獨居，今天送餐的沒來，她糖尿病不能餓著",
    "My bedridden father has not eaten since this morning, the carer didn't come",
    "My diabetic mother lives alone and her insulin runs out today",
    "Power has been out for two days, it's freezing and my grandfather is in a wheelchair",
]


@pytest.mark.parametrize("text", CARE_STOPPED_NOW)
def test_a_helpless_person_whose_care_stopped_today_is_an_emergency(text: str) -> None:
    assert "vulnerable_care_stopped" in fired(text)


CARE_NEAR_MISSES = [
    "护工没来可以申请补贴吗",
    "如果护工不来，老人的饭怎么办",
    "上周护工没来，老人饿了一天，现在换了新护工",
    "老人食堂饭菜太咸，我爸今天没吃几口",
    "明天计划停电，家里有卧床老人，能提前通知吗",
    "零下十度，小区停暖了，屋里十六度",
    "我今天忙得一天没吃饭",
    "降压药能不能在社区医院开，每次去大医院排队太久",
    "What allowance can I apply for if my mother's carer quits?",
    "The carer didn't come last week, we found a new one",
]


@pytest.mark.parametrize("text", CARE_NEAR_MISSES)
def test_a_question_a_past_loss_or_a_loss_without_a_helpless_person_is_not_the_care_rule(
    text: str,
) -> None:
    assert "vulnerable_care_stopped" not in fired(text)


WORK_INJURY_BLOCKED = [
    "工地上工友被钢管砸伤了腿，一直在流血，包工头不让打120",
    "车间里同事手被机器夹住了，主管拦着不让叫救护车，说怕罚款",
    "厂里有个工人从架子上摔下来骨折了，老板把我们手机没收了不让报警",
    "A worker was injured at the factory and the boss won't let us call an ambulance",
    "My coworker is bleeding badly at the site and the foreman is refusing to let us take him to hospital",
]


@pytest.mark.parametrize("text", WORK_INJURY_BLOCKED)
def test_an_injury_at_work_with_help_kept_away_is_an_emergency(text: str) -> None:
    assert "work_injury_blocked" in fired(text)


WORK_NEAR_MISSES = [
    "上个月在工地受伤了，老板不给报工伤，医药费都是自己出的",
    "老板不让我们请假去医院体检",
    "工伤认定需要哪些材料",
    "The boss won't let us leave before 9pm, is that legal?",
]


@pytest.mark.parametrize("text", WORK_NEAR_MISSES)
def test_a_past_injury_or_a_labour_dispute_is_not_the_work_injury_rule(text: str) -> None:
    assert "work_injury_blocked" not in fired(text)


def test_the_parse_result_says_whether_a_vulnerable_person_is_named(tiny_parser) -> None:  # type: ignore[no-untyped-def]
    named = tiny_parser.parse("我爸瘫痪在床，家里停水了")
    unnamed = tiny_parser.parse("家里停水了，什么时候来水")
    assert named["signals"]["vulnerable_person"] is True
    assert unnamed["signals"]["vulnerable_person"] is False


def test_a_care_emergency_is_urgent_and_reported_like_the_other_rules(tiny_parser) -> None:  # type: ignore[no-untyped-def]
    result = tiny_parser.parse("我妈卧床不起，护工今天没来，她从早上到现在没吃东西")
    assert result["urgency"]["name"] == "urgent"
    assert "vulnerable_care_stopped" in [r["id"] for r in result["rules"]]
    assert result["signals"]["care_stopped"] is True


def test_stopped_care_is_signalled_even_when_nobody_helpless_is_named() -> None:
    assert signals("护工今天没来")["care_stopped"] is True
    assert signals("护工今天没来")["vulnerable_person"] is False


def test_each_fired_rule_carries_the_advice_key_the_dialogue_shows(tiny_parser) -> None:  # type: ignore[no-untyped-def]
    rule = tiny_parser.parse("厨房里一股煤气味")["rules"][0]
    assert rule["advice"] == "gas"
    assert RULE_ADVICE["vulnerable_care_stopped"] == "default"


def test_the_rule_table_is_plain_data_with_an_advice_key_for_every_rule() -> None:
    assert [spec["id"] for spec in TABLE] == list(RULE_IDS)
    for spec in TABLE:
        assert isinstance(spec["advice"], str)
        for trigger in spec["triggers"]:
            assert all(isinstance(v, (str, bool)) for v in trigger.values())
