"""Demand topics: similar demands group (whatever the script or language), others don't."""

from __future__ import annotations

import datetime as dt
import random

from nlu.clusters import ClusterOptions, Demand, Topic, cluster_demands

D = dt.date
DEMANDS = [
    # Lifts to be added to old walk-up blocks, in several wordings and scripts.
    (
        "MS-2603-AAAA01",
        "幸福里小区是老小区，6层没有电梯，希望加装电梯",
        "housing",
        1,
        "幸福街道",
        D(2026, 3, 2),
    ),
    (
        "MS-2603-AAAA02",
        "我们东湖花园老楼想加装电梯，老人爬楼太难了",
        "housing",
        2,
        "东湖街道",
        D(2026, 3, 5),
    ),
    (
        "MS-2603-AAAA03",
        "請問阳光新村老樓加裝電梯什麼時候能辦？",
        "housing",
        3,
        "幸福街道",
        D(2026, 3, 9),
    ),
    (
        "MS-2603-AAAA04",
        "申请和平小区加装电梯，居民都同意了",
        "housing",
        4,
        "人民街道",
        D(2026, 3, 12),
    ),
    # Traffic lights out, in Chinese and English.
    (
        "MS-2603-BBBB01",
        "人民路和解放路路口的红绿灯坏了，很危险",
        "transport",
        5,
        "人民街道",
        D(2026, 3, 3),
    ),
    (
        "MS-2603-BBBB02",
        "建设大街路口红绿灯不亮，车都乱开",
        "transport",
        6,
        "人民街道",
        D(2026, 3, 4),
    ),
    (
        "MS-2603-BBBB03",
        "The traffic light at the Jiefang Road junction is broken",
        "transport",
        7,
        None,
        D(2026, 3, 6),
    ),
    ("MS-2603-BBBB04", "紅綠燈壞了好幾天了，滨江路口", "transport", 8, "滨江街道", D(2026, 3, 8)),
    # No food market nearby; one filed under commerce, one under housing by the classifier.
    (
        "MS-2603-CCCC01",
        "东湖花园附近没有菜市场，买菜要坐公交",
        "commerce",
        9,
        "东湖街道",
        D(2026, 3, 1),
    ),
    (
        "MS-2603-CCCC02",
        "希望在东湖这边建一个菜市场，买菜太远了",
        "commerce",
        10,
        "东湖街道",
        D(2026, 3, 7),
    ),
    (
        "MS-2603-CCCC03",
        "小区周边没有菜市场，老人买菜太远",
        "housing",
        11,
        "东湖街道",
        D(2026, 3, 10),
    ),
    ("MS-2603-CCCC04", "东湖附近建个菜市场吧，买菜太远", "commerce", 9, "东湖街道", D(2026, 3, 11)),
    # Unrelated one-offs.
    (
        "MS-2603-DDDD01",
        "楼下烧烤店半夜噪音扰民，吵得睡不着",
        "environment",
        12,
        "人民街道",
        D(2026, 3, 2),
    ),
    ("MS-2603-DDDD02", "公积金怎么提取，需要什么材料", "social", 13, "城南街道", D(2026, 3, 3)),
    ("MS-2603-DDDD03", "我家手机信号很差，打电话总断", "telecom", 14, "北门街道", D(2026, 3, 4)),
]


def _topic_of(topics: list[Topic], key: str) -> Topic:
    return next(t for t in topics if key in t.members)


def test_demands_for_the_same_thing_form_one_topic_whatever_their_wording() -> None:
    topics = cluster_demands(DEMANDS)
    lifts = _topic_of(topics, "MS-2603-AAAA01")
    assert set(lifts.members) == {
        "MS-2603-AAAA01",
        "MS-2603-AAAA02",
        "MS-2603-AAAA03",
        "MS-2603-AAAA04",
    }
    assert "电梯" in lifts.label and "加装" in lifts.label


def test_traditional_characters_and_english_join_their_chinese_topic() -> None:
    lights = _topic_of(cluster_demands(DEMANDS), "MS-2603-BBBB01")
    assert {"MS-2603-BBBB03", "MS-2603-BBBB04"} <= set(lights.members)
    assert lights.domain == "transport"


def test_different_needs_stay_apart() -> None:
    topics = cluster_demands(DEMANDS)
    keys = [
        "MS-2603-AAAA01",
        "MS-2603-BBBB01",
        "MS-2603-CCCC01",
        "MS-2603-DDDD01",
        "MS-2603-DDDD02",
        "MS-2603-DDDD03",
    ]
    assert len({_topic_of(topics, k).id for k in keys}) == len(keys)
    assert sum(t.size for t in topics) == len(DEMANDS)


def test_one_estates_different_needs_stay_apart_however_the_message_opens() -> None:
    texts = [
        ("和平小区电梯坏了好几天", "housing"),
        ("请问和平小区没有5G信号", "telecom"),
        ("建议和平小区新建幼儿园", "education"),
        ("请问和平小区路灯不亮", "transport"),
        ("希望增加和平小区的公交线路", "transport"),
        ("和平小区附近没有菜市场", "commerce"),
        ("幸福里小区电梯坏了好几天", "housing"),
        ("请问幸福里小区没有5G信号", "telecom"),
        ("东门路灯不亮", "transport"),
    ]
    demands = [
        Demand(f"MS-2604-HP{i:04d}", text, domain, i, "幸福街道", D(2026, 4, 1))
        for i, (text, domain) in enumerate(texts)
    ]
    topics = cluster_demands(demands)
    together = {frozenset(t.members) for t in topics}
    assert frozenset({"MS-2604-HP0000", "MS-2604-HP0006"}) in together  # both broken lifts
    assert frozenset({"MS-2604-HP0001", "MS-2604-HP0007"}) in together  # both without signal
    assert frozenset({"MS-2604-HP0003", "MS-2604-HP0008"}) in together  # both dark streets
    assert len(topics) == 6


def test_a_topic_may_span_two_domains_when_the_texts_agree() -> None:
    market = _topic_of(cluster_demands(DEMANDS), "MS-2603-CCCC01")
    assert "MS-2603-CCCC03" in market.members
    assert market.domain == "commerce"
    assert market.domains == (("commerce", 3), ("housing", 1))


def test_a_topic_counts_areas_distinct_residents_and_first_and_last_seen() -> None:
    market = _topic_of(cluster_demands(DEMANDS), "MS-2603-CCCC01")
    assert market.areas == (("东湖街道", 4),)
    assert market.residents == 3  # resident 9 asked twice
    assert (market.first_seen, market.last_seen) == (D(2026, 3, 1), D(2026, 3, 11))
    assert market.members[0] == "MS-2603-CCCC01"


def test_the_same_demands_in_any_order_give_the_same_topics() -> None:
    shuffled = list(DEMANDS)
    random.Random(3).shuffle(shuffled)
    assert cluster_demands(shuffled) == cluster_demands(DEMANDS)


def test_a_topic_keeps_its_id_when_a_new_demand_joins_it() -> None:
    before = _topic_of(cluster_demands(DEMANDS), "MS-2603-AAAA01")
    more = [
        *DEMANDS,
        (
            "MS-2604-AAAA05",
            "翠苑三区老楼加装电梯的事有进展吗",
            "housing",
            20,
            "幸福街道",
            D(2026, 4, 1),
        ),
    ]
    after = _topic_of(cluster_demands(more), "MS-2603-AAAA01")
    assert "MS-2604-AAAA05" in after.members
    assert after.id == before.id and after.id.startswith("TP-")


def test_a_stricter_threshold_splits_what_a_looser_one_groups() -> None:
    loose = cluster_demands(DEMANDS, ClusterOptions(threshold=0.1, cross_domain_threshold=0.1))
    strict = cluster_demands(DEMANDS, ClusterOptions(threshold=0.95, cross_domain_threshold=0.95))
    assert len(strict) == len(DEMANDS) > len(loose)


def test_demands_given_as_records_or_tuples_cluster_alike() -> None:
    records = [Demand(*d) for d in DEMANDS]  # type: ignore[arg-type]
    assert cluster_demands(records) == cluster_demands(DEMANDS)


def test_no_demands_give_no_topics() -> None:
    assert cluster_demands([]) == []


def test_the_nlu_package_stays_free_of_the_rest_of_the_project() -> None:
    import ast
    from pathlib import Path

    import nlu.clusters as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    roots = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    roots |= {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not roots & {"case_store", "routing", "services", "minsheng", "web", "worker", "bot"}
