"""English words read through their Chinese glosses, so English messages share features with
the Chinese examples."""

from __future__ import annotations

import pytest

from nlu.features import FeatureConfig, tokens
from nlu.gloss import gloss
from nlu.model import covering_configs

GLOSSED = FeatureConfig(char_max=2, head_chars=2, gloss=True)
PLAIN = FeatureConfig(char_max=2, head_chars=2)


@pytest.mark.parametrize(
    ("word", "chinese"),
    [
        ("roof", "屋顶"),
        ("leaking", "漏水"),
        ("wages", "工资"),
        ("knives", "刀"),
        ("fights", "打架"),
    ],
)
def test_a_known_english_word_or_its_inflection_has_a_chinese_gloss(
    word: str, chinese: str
) -> None:
    assert chinese in gloss(word)


@pytest.mark.parametrize("word", ["the", "xihu", "is", "rooftop", "bus's"])
def test_an_unknown_or_function_word_has_no_gloss(word: str) -> None:
    assert gloss(word) == ()


def test_an_english_message_gets_the_character_ngrams_of_its_glosses() -> None:
    out = tokens("the roof is leaking again", GLOSSED)
    assert "屋顶" in out and "漏水" in out


def test_a_chinese_message_gets_the_same_tokens_with_or_without_glosses() -> None:
    text = "屋顶漏水，麻烦派人修一下"
    assert tokens(text, GLOSSED) == tokens(text, PLAIN)


def test_without_gloss_an_english_message_gets_no_chinese_ngrams() -> None:
    assert "漏水" not in tokens("the roof is leaking again", PLAIN)


def test_spaces_with_and_without_glosses_are_never_tokenised_together() -> None:
    glossed, plain = covering_configs([GLOSSED, PLAIN])
    assert glossed.gloss and not plain.gloss
