import pytest

import nlu
from nlu.model import LinearModel
from nlu.parser import Parser, detect_language


def test_a_result_has_the_rasa_fields_and_the_three_axes(tiny_parser: Parser) -> None:
    result = tiny_parser.parse("地铁末班车几点")
    assert result["text"] == "地铁末班车几点"
    assert result["intent"] == result["domain"]
    assert result["intent"]["name"] == "transport"
    assert [r["name"] for r in result["intent_ranking"]][0] == "transport"
    assert {r["name"] for r in result["intent_ranking"]} == set(nlu.DOMAINS)
    assert result["urgency"]["name"] in nlu.URGENCIES
    assert result["kind"]["name"] in nlu.KINDS
    assert result["language"] == "zh"
    assert isinstance(result["low_confidence"], bool)


def test_ranking_confidences_are_probabilities(tiny_parser: Parser) -> None:
    ranking = tiny_parser.parse("建议增加公交线路")["intent_ranking"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=0.01)
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_a_safety_rule_makes_the_message_urgent_and_is_reported(tiny_parser: Parser) -> None:
    result = tiny_parser.parse("老师，厨房里好大的燃气味")
    assert result["urgency"]["name"] == "urgent"
    assert [r["id"] for r in result["rules"]] == ["gas_leak"]
    rule = result["rules"][0]
    assert result["text"][rule["start"] : rule["end"]] == rule["text"]


def test_entity_offsets_point_into_the_text_the_resident_sent(tiny_parser: Parser) -> None:
    sent = "\u200b幸福裏小區  3號樓停水，電話１３８００００１２３４"
    result = tiny_parser.parse(sent)
    by_entity = {e["entity"]: e for e in result["entities"]}
    phone = by_entity["phone_number"]
    assert sent[phone["start"] : phone["end"]] == "１３８００００１２３４"
    assert phone["value"] == "13800001234"
    location = result["entities"][0]
    assert sent[location["start"] : location["end"]] == "幸福裏小區"
    assert location["extractor"] and location["value"] == "幸福裏小區"


def test_rule_offsets_point_into_the_text_the_resident_sent(tiny_parser: Parser) -> None:
    sent = "\u200b\u200b樓道  有煤氣味"
    rule = tiny_parser.parse(sent)["rules"][0]
    assert sent[rule["start"] : rule["end"]] == rule["text"] == "煤氣味"


def test_a_domain_confidence_under_the_threshold_is_flagged(tiny_model: LinearModel) -> None:
    strict = Parser(tiny_model, low_confidence_threshold=1.01)
    lenient = Parser(tiny_model, low_confidence_threshold=0.0)
    assert strict.parse("你好")["low_confidence"] is True
    assert lenient.parse("你好")["low_confidence"] is False


def test_empty_and_emoji_only_messages_still_get_a_result(tiny_parser: Parser) -> None:
    for text in ["", "   ", "👍👍", "\u200b"]:
        result = tiny_parser.parse(text)
        assert result["domain"]["name"] in nlu.DOMAINS
        assert result["entities"] == []


def test_a_parser_refuses_text_that_is_not_a_string(tiny_parser: Parser) -> None:
    with pytest.raises(TypeError):
        tiny_parser.parse(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("楼下噪音太大", "zh"),
        ("The street light is out", "en"),
        ("幸福里小区 Bldg 3 停水", "zh"),
        ("12345", "zh"),
    ],
)
def test_language_is_chinese_or_english(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_label_keys_are_the_taxonomy_keys() -> None:
    assert nlu.URGENCIES == ("urgent", "high", "normal")
    assert nlu.KINDS == ("demand", "complaint", "inquiry", "suggestion")
    assert len(nlu.DOMAINS) == 12 and "other" in nlu.DOMAINS


def test_a_message_saying_the_danger_is_over_is_not_urgent_even_if_the_model_leans_that_way(
    tiny_model: LinearModel,
) -> None:
    eager = Parser(tiny_model)
    eager.urgent_threshold = 0.0  # the model alone would call everything urgent
    assert eager.parse("楼道里水管漏水")["urgency"]["name"] == "urgent"
    assert eager.parse("昨天燃气味的事燃气公司来查过了，现在没事了")["urgency"]["name"] != "urgent"
