"""Clustering a ledger of demands into topics: time, peak memory and how well topics come out.

Run:  .venv/bin/python bench/clusters.py [--count 100000] [--seed 7]

Generates synthetic but varied demands (40 underlying needs, each written in many ways:
different places, openings and endings, word choices, some in traditional characters, some in
English, plus one-off demands that belong to no need), clusters them with
`nlu.clusters.cluster_demands`, and prints the wall time of the clustering, the process's
peak resident memory, and two quality figures against the needs the text was generated from:
purity (share of clustered demands whose topic's majority need is their own) and
completeness (share of a need's demands in its largest topic, averaged over needs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

from nlu.clusters import cluster_demands

PLACES = [
    "幸福里小区",
    "东湖花园",
    "阳光新村",
    "翠苑三区",
    "和平小区",
    "锦绣家园",
    "人民路",
    "解放路",
    "建设大街",
    "滨江路",
    "梧桐巷",
    "青年路",
    "城南新村",
    "北门小区",
    "桃园社区",
]
AREAS = ["幸福街道", "东湖街道", "人民街道", "城南街道", "滨江街道", "北门街道"]
OPENINGS = [
    "",
    "你好，",
    "您好，",
    "请问",
    "我想反映一下，",
    "麻烦问一下，",
    "我是住在附近的居民，",
]
ENDINGS = [
    "",
    "，希望尽快解决",
    "，谢谢",
    "，请有关部门处理",
    "，已经好几个月了",
    "！！",
    "，怎么办",
]

# (domain, [ways of saying it], [English ways]); {p} is a place.
NEEDS: list[tuple[str, list[str], list[str]]] = [
    (
        "housing",
        [
            "{p}电梯坏了好几天",
            "{p}的电梯又出故障了",
            "{p}电梯经常停运困人",
            "{p}几号楼电梯坏了没人修",
        ],
        ["the elevator in {p} is broken again"],
    ),
    (
        "housing",
        ["{p}是老小区没有电梯，希望加装电梯", "{p}老楼加装电梯的事什么时候能办", "申请{p}加装电梯"],
        ["please install an elevator in the old building at {p}"],
    ),
    (
        "housing",
        ["{p}楼顶漏水，家里天花板都湿了", "{p}屋顶渗水严重", "下雨{p}顶楼漏水"],
        ["the roof leaks at {p}"],
    ),
    ("housing", ["{p}楼道灯坏了，晚上很黑", "{p}楼道里的声控灯不亮", "{p}楼道照明没有了"], []),
    (
        "water",
        ["{p}停水了，什么时候恢复供水", "{p}突然停水没有通知", "{p}一整天没水"],
        ["no water supply in {p} since morning"],
    ),
    ("water", ["{p}自来水发黄有异味", "{p}的水很浑浊，有铁锈味", "{p}水质有问题，水是黄的"], []),
    (
        "water",
        ["{p}下水道堵了，污水冒出来", "{p}的排水管道堵塞", "{p}窨井反水很臭"],
        ["the sewer is blocked on {p}"],
    ),
    (
        "energy",
        ["{p}停电了，冰箱里的东西都坏了", "{p}频繁停电", "{p}又跳闸停电"],
        ["power cut in {p} again"],
    ),
    (
        "energy",
        ["{p}冬天暖气不热", "{p}的暖气温度太低", "{p}供暖不达标，家里很冷"],
        ["the heating at {p} is not warm enough"],
    ),
    ("energy", ["{p}天然气没气了", "{p}燃气压力不够，做不了饭"], []),
    (
        "transport",
        ["{p}路口红绿灯坏了", "{p}的信号灯不亮，很危险", "{p}红绿灯时间太短"],
        ["the traffic light at {p} is broken"],
    ),
    (
        "transport",
        ["{p}附近公交车太少，等半小时", "希望增加{p}的公交线路", "{p}没有公交站"],
        ["more buses are needed near {p}"],
    ),
    (
        "transport",
        ["{p}路面坑坑洼洼", "{p}的马路有个大坑", "{p}路面破损需要修补"],
        ["there is a big pothole on {p}"],
    ),
    (
        "transport",
        ["{p}停车位太少，车没地方停", "{p}乱停车堵住消防通道", "{p}车位不够用"],
        ["not enough parking spaces in {p}"],
    ),
    (
        "transport",
        ["{p}路灯不亮", "{p}的路灯坏了好几盏", "{p}晚上路灯全黑"],
        ["the street lights on {p} are out"],
    ),
    (
        "environment",
        ["{p}楼下烧烤店噪音太大", "{p}夜市太吵，晚上睡不着", "{p}半夜有人施工噪音扰民"],
        ["too much noise at night near {p}"],
    ),
    (
        "environment",
        ["{p}垃圾没人清运，臭气熏天", "{p}的垃圾桶满了好几天", "{p}垃圾堆积没人管"],
        ["garbage has not been collected in {p}"],
    ),
    ("environment", ["{p}饭店油烟太大", "{p}餐馆排油烟直冲居民楼", "{p}油烟污染严重"], []),
    (
        "environment",
        ["{p}的河道发臭", "{p}附近河水发黑有异味", "{p}小河污染严重"],
        ["the river near {p} smells bad"],
    ),
    (
        "environment",
        ["{p}流浪狗太多，咬人", "{p}有很多流浪猫狗", "{p}野狗成群很吓人"],
        ["stray dogs in {p} are dangerous"],
    ),
    (
        "health",
        ["{p}附近没有社区医院，看病太远", "希望在{p}建社区卫生服务站", "{p}缺少诊所"],
        ["we need a clinic near {p}"],
    ),
    ("health", ["{p}社区医院挂号太难", "{p}卫生院排队时间太长", "{p}看病排队要一上午"], []),
    (
        "education",
        ["{p}附近没有幼儿园，孩子入园难", "希望{p}新建幼儿园", "{p}幼儿园学位不够"],
        ["no kindergarten places near {p}"],
    ),
    ("education", ["{p}小学放学时门口交通拥堵", "{p}学校门口接送孩子太乱"], []),
    (
        "social",
        ["{p}老人多，希望建老年食堂", "{p}缺少老年人助餐点", "{p}老人吃饭不方便，想要社区食堂"],
        ["elderly people in {p} need a canteen"],
    ),
    ("social", ["{p}没有老年活动中心", "希望{p}建一个老年人活动室", "{p}老人没地方活动"], []),
    ("social", ["{p}低保申请一直没有结果", "{p}办理低保手续太麻烦"], []),
    (
        "commerce",
        ["{p}附近没有菜市场，买菜不方便", "希望在{p}建菜市场", "{p}买菜要走很远"],
        ["there is no food market near {p}"],
    ),
    ("commerce", ["{p}超市卖过期食品", "{p}小卖部的东西过期了"], []),
    ("commerce", ["{p}商家缺斤短两", "{p}菜市场秤不准"], []),
    (
        "public_safety",
        ["{p}监控摄像头坏了", "希望{p}多装几个监控", "{p}没有监控，电动车老被偷"],
        ["please add cameras in {p}"],
    ),
    (
        "public_safety",
        ["{p}电动车在楼道充电很危险", "{p}有人飞线充电", "{p}楼道停满电动车充电"],
        [],
    ),
    ("public_safety", ["{p}消防通道被堵", "{p}的消防栓没水", "{p}灭火器过期了"], []),
    (
        "parks",
        ["{p}附近没有公园，没地方散步", "希望{p}建个口袋公园", "{p}缺少绿地和健身场所"],
        ["we need a small park near {p}"],
    ),
    (
        "parks",
        ["{p}健身器材坏了", "{p}的健身器材生锈不能用", "{p}健身路径器材损坏"],
        ["the fitness equipment in {p} is broken"],
    ),
    ("parks", ["{p}树枝太长挡住窗户", "{p}大树需要修剪", "{p}的树快倒了很危险"], []),
    (
        "telecom",
        ["{p}手机信号很差", "{p}没有5G信号", "{p}宽带老是断网"],
        ["mobile signal is very weak in {p}"],
    ),
    (
        "housing",
        ["{p}物业不作为，收费不服务", "{p}物业费太高", "{p}物业管理混乱"],
        ["the property management at {p} does nothing"],
    ),
    ("housing", ["{p}外墙瓷砖掉落砸车", "{p}外墙脱落很危险"], []),
    (
        "water",
        ["{p}水管爆裂，到处是水", "{p}自来水管漏水", "{p}地下水管破了"],
        ["a water pipe burst on {p}"],
    ),
]
SWAPS = [("坏了", "出问题了"), ("希望", "建议"), ("很", "特别"), ("太", "非常"), ("没有", "没")]
ONE_OFF = [
    "请帮我查询一下社保缴费记录",
    "我的快递丢了找谁",
    "想咨询户口迁移需要什么材料",
    "公司拖欠工资三个月",
    "邻居家装修把我家墙弄裂了",
    "网购的东西质量不好",
    "我的身份证丢了怎么补办",
    "出租车司机绕路多收费",
    "公积金怎么提取",
    "婚姻登记要预约吗",
]


def generate(count: int, seed: int) -> tuple[list[tuple[object, ...]], dict[str, int]]:
    rng = random.Random(seed)
    try:
        from opencc import OpenCC

        to_traditional = OpenCC("s2t").convert
    except ImportError:  # the characters stay simplified; nothing else changes

        def to_traditional(text: str) -> str:
            return text

    start = dt.date(2026, 1, 1)
    demands: list[tuple[object, ...]] = []
    truth: dict[str, int] = {}
    for i in range(count):
        key = f"MS-{i:07d}"
        place = rng.choice(PLACES)
        if rng.random() < 0.03:
            text, need, domain = rng.choice(ONE_OFF) + f"（{rng.randint(1, 999)}）", -1, "social"
        else:
            need = rng.randrange(len(NEEDS))
            domain, zh, en = NEEDS[need]
            if en and rng.random() < 0.08:
                text = rng.choice(en).format(p=place)
            else:
                text = rng.choice(zh).format(p=place)
                for old, new in SWAPS:
                    if old in text and rng.random() < 0.3:
                        text = text.replace(old, new, 1)
                text = rng.choice(OPENINGS) + text + rng.choice(ENDINGS)
                if rng.random() < 0.1:
                    text = to_traditional(text)
            if rng.random() < 0.05:  # filed under a neighbouring domain by the classifier
                domain = NEEDS[(need + 1) % len(NEEDS)][0]
        truth[key] = need
        demands.append(
            (
                key,
                text,
                domain,
                f"R{rng.randrange(count // 3)}",
                rng.choice(AREAS),
                start + dt.timedelta(days=rng.randrange(330)),
            )
        )
    return demands, truth


def quality(topics, truth: dict[str, int]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    agree = total = 0
    best_share: dict[int, int] = defaultdict(int)
    sizes = Counter(v for v in truth.values() if v >= 0)
    for topic in topics:
        needs = Counter(truth[k] for k in topic.members)
        if topic.size >= 2:
            agree += needs.most_common(1)[0][1]
            total += topic.size
        for need, n in needs.items():
            if need >= 0:
                best_share[need] = max(best_share[need], n)
    purity = agree / total if total else 0.0
    completeness = sum(best_share[n] / sizes[n] for n in sizes) / len(sizes)
    return purity, completeness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    demands, truth = generate(args.count, args.seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    topics = cluster_demands(demands)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    purity, completeness = quality(topics, truth)
    multi = [t for t in topics if t.size >= 2]
    print(f"demands: {len(demands)}  needs: {len(NEEDS)}")
    print(
        f"clustering: {elapsed:.1f} s   peak RSS: {peak_mib:.0f} MiB "
        f"(before clustering {before / 1024:.0f} MiB)"
    )
    print(
        f"topics: {len(topics)} ({len(multi)} with 2+ demands, "
        f"{sum(t.size for t in multi) / len(demands):.1%} of demands in them)"
    )
    print(f"purity: {purity:.3f}   completeness: {completeness:.3f}")
    for topic in topics[:12]:
        print(f"  {topic.id} {topic.size:6d} {topic.domain:14s} {topic.label}")


if __name__ == "__main__":
    main()
