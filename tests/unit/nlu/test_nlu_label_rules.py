"""Complaint versus demand by a named failure, and feedback on the service itself as `other`."""

import pytest

from nlu.label_rules import is_service_feedback, names_wrongdoing
from nlu.normalize import normalize
from nlu.parser import Parser


@pytest.mark.parametrize(
    "text",
    [
        "路灯坏了一个月，报了三次物业都说会修，到现在没人管",
        "老板拖欠我们两个月工资，请帮我们要回来",
        "商家卖过期面包还不认账，请处理",
        "物业收了钱不修电梯，这样合理吗",
        "The landlord refuses to return my deposit, please help",
    ],
)
def test_a_message_that_blames_someone_is_recognised_as_naming_a_wrongdoing(text: str) -> None:
    assert names_wrongdoing(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "小区门口的路灯坏了，麻烦派人修一下",
        "想申请居家养老上门服务",
        "Please repair the pothole on Xinhua Road.",
    ],
)
def test_a_plain_request_for_a_fix_names_no_wrongdoing(text: str) -> None:
    assert not names_wrongdoing(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "你们这个机器人老是答非所问",
        "建议12345热线给老年人开一个专线，语音菜单老人听不明白",
        "政务服务大厅的叫号屏老是坏，老人听不到",
        "The chatbot keeps misunderstanding me",
        "帮我转人工",
    ],
)
def test_feedback_on_the_bot_the_hotline_or_the_service_hall_is_service_feedback(text: str) -> None:
    assert is_service_feedback(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "打养老服务热线，机器人客服绕来绕去",  # a department's own hotline: that department's case
        "建议人社服务大厅给农民工开个专门窗口",
        "老人家里停水了，请尽快来修",
        "12345能报火警吗",
    ],
)
def test_a_department_channel_or_an_ordinary_request_is_not_service_feedback(text: str) -> None:
    assert not is_service_feedback(normalize(text).text)


def test_feedback_on_the_service_is_routed_to_other_even_when_it_mentions_old_people(
    tiny_parser: Parser,
) -> None:
    result = tiny_parser.parse("你们这个机器人答非所问，我问老人补贴它说垃圾分类")
    assert result["domain"]["name"] == "other"
    assert result["intent"] == result["domain"]
    assert result["intent_ranking"][0]["name"] == "other"
    assert result["signals"]["service_feedback"] is True


def test_an_emergency_is_never_turned_into_service_feedback(tiny_parser: Parser) -> None:
    result = tiny_parser.parse("12345打不通，楼道里一股煤气味")
    assert result["signals"]["service_feedback"] is False
    assert result["urgency"]["name"] == "urgent"


class _Hesitant:
    """A model that leans to demand but finds complaint plausible, whatever the message."""

    meta: dict = {}

    def rank(self, text: str) -> dict:
        return {
            "domain": [("housing", 0.9), ("other", 0.1)],
            "urgency": [("normal", 0.9), ("high", 0.08), ("urgent", 0.02)],
            "kind": [("demand", 0.55), ("complaint", 0.35), ("inquiry", 0.1)],
        }


def test_a_request_that_blames_someone_is_a_complaint_when_the_model_hesitates() -> None:
    parser = Parser(_Hesitant())  # type: ignore[arg-type]
    assert (
        parser.parse("物业收了维修费，师傅来了一趟没修好，再打电话就推脱，请处理")["kind"]["name"]
        == "complaint"
    )
    assert parser.parse("家里水龙头漏水，请师傅上门修")["kind"]["name"] == "demand"


@pytest.mark.parametrize(
    "text",
    [
        "包工头欠了我们三个月的工钱，请帮我们讨回来",
        "我的工资还差两个月没发，请帮我讨要",
        "那家凉皮店一直没证，案板上全是苍蝇，请去查查",
        "楼上那户违规改的卫生间天天往我家渗水",
        "小区门口的药店卖过期药，请处理",
        "奶茶店老板跑路了，充值卡的钱退不了",
        "商家客服已读不回，还把我拉黑了",
        "理发店老板不肯退卡里的钱",
        "My boss owes me two months of wages, please help",
        "The clinic charged me twice for the same scan",
        "An unlicensed stall sells snacks outside the school",
        "Could someone help me claim my unpaid wages?",
    ],
)
def test_unpaid_wages_an_unlicensed_or_cheating_business_and_a_neighbour_at_fault_name_a_wrongdoing(
    text: str,
) -> None:
    assert names_wrongdoing(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "请问工资一般每个月几号发？",
        "办居住证需要什么证明材料",
        "居住证下周就过期了，能不能加急续签",
        "路口摄像头抓拍的违章能不能复核",
        "家里欠了十几万医药费，想申请临时救助",
        "工地夜间施工几点到几点算违规？",
        "My visa expires on Sunday, how do I renew it?",
        "How much do I owe on my water bill?",
    ],
)
def test_wages_papers_expiry_debts_and_rules_asked_about_name_no_wrongdoing(text: str) -> None:
    assert not names_wrongdoing(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "物业说不归他们管，让我们自己想办法",
        "找了后勤，后勤说没钱换",
        "村干部说上面没拨下来，补偿款一分没给",
        "孩子被班主任用尺子打了手心",
        "我爸在银行门口被保安推倒了",
        "医院门口排了两百多人，没人出来管",
        "地铁停了半小时，广播一句解释都没有",
        "学校昨晚突然在群里通知要换校区",
        "楼上又往下扔东西，砸坏了我的车",
        "几个摊贩占道卖菜，盲道都堵死了",
        "奶茶里有头发",
        "The property office said it's not their job to fix the gate",
        "Pile drivers until 1am every night. This can't be legal.",
        "The landlord just keeps saying he will come next week",
    ],
)
def test_an_excuse_harm_by_a_person_a_sudden_decision_or_public_misconduct_names_a_wrongdoing(
    text: str,
) -> None:
    assert names_wrongdoing(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "有没有人管管菜价？涨得太快了",  # a question, not a report that nobody acts
        "物业说明天上午停水检修",  # a party's notice that refuses nothing
        "电梯坏了，我被关在电梯里了",  # trapped by a breakdown, not by a person
        "昨晚突然停电了，请尽快恢复",  # sudden, but nobody decided it
        "孩子想喝奶茶，附近哪里有卖",
        "家里有蟑螂，想请人上门消杀",  # a pest at home, no business served it
        "突然接到通知说明天停水",  # short notice received, nobody named deciding it
        "医生说不能吃辣，要忌口",  # advice, not a refusal
        "医院说检查结果正常",
        "社区说可以帮忙申请",
        "The property office said the gate will be repaired on Monday",
        "Is there a rule about construction noise at night?",
    ],
)
def test_a_notice_a_breakdown_or_a_question_about_who_acts_names_no_wrongdoing(text: str) -> None:
    assert not names_wrongdoing(normalize(text).text)
