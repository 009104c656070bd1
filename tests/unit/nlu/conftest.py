"""A small classifier trained in memory, so parser tests need no model on disk."""

from __future__ import annotations

import pytest

from nlu.fitting import TrainOptions
from nlu.model import LinearModel
from nlu.parser import Parser
from nlu.rasa_yaml import Example
from nlu.train import train_model

_MESSAGES = [
    ("小区楼道里一股煤气味，快来人", "utilities", "urgent", "demand"),
    ("家里停水两天了，什么时候恢复供水", "utilities", "high", "inquiry"),
    ("暖气片不热，屋里很冷，请派人来修", "utilities", "normal", "demand"),
    ("电费怎么在网上交", "utilities", "normal", "inquiry"),
    ("水压太低，洗澡都洗不了，请处理", "utilities", "normal", "demand"),
    ("建议在学校门口设置接送等候区", "education", "normal", "suggestion"),
    ("幼儿园报名截止日期是哪天", "education", "normal", "inquiry"),
    ("班主任收了家长的购物卡，请查处", "education", "normal", "complaint"),
    ("学校食堂饭菜有异味，孩子吃了拉肚子", "education", "high", "complaint"),
    ("孩子下周就要开学了还没分到学校，求帮忙", "education", "high", "demand"),
    ("公交车司机开车太猛，乘客摔倒了也不管", "transport", "normal", "complaint"),
    ("路口红绿灯坏了，请尽快修复", "transport", "high", "demand"),
    ("建议增加早高峰地铁班次", "transport", "normal", "suggestion"),
    ("地铁末班车几点", "transport", "normal", "inquiry"),
    ("马路上有个大坑，好几辆车爆胎了", "transport", "high", "demand"),
]


@pytest.fixture(scope="session")
def tiny_model() -> LinearModel:
    sets: dict[str, list[Example]] = {"domain": [], "urgency": [], "kind": []}
    for text, domain, urgency, kind in _MESSAGES:
        sets["domain"].append(Example(text, domain))
        sets["urgency"].append(Example(text, urgency))
        sets["kind"].append(Example(text, kind))
    return train_model(sets, TrainOptions(folds=2))


@pytest.fixture()
def tiny_parser(tiny_model: LinearModel) -> Parser:
    return Parser(tiny_model)
