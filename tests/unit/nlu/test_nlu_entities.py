import pytest

from nlu.entities import chinese_number, extract


def spans(text: str) -> list[tuple[str, str, str | None]]:
    return [(f.entity, text[f.start : f.end], f.role) for f in extract(text)]


def test_community_and_building_are_found_separately() -> None:
    assert spans("我住在幸福里小区3号楼") == [
        ("location", "幸福里小区", "community"),
        ("location", "3号楼", "building"),
    ]


def test_roads_at_a_crossing_are_both_found() -> None:
    found = spans("建设路和长江路路口红绿灯不亮")
    assert ("location", "建设路", "road") in found and ("location", "长江路", "road") in found


def test_a_district_is_found_but_the_word_for_neighbourhood_is_not() -> None:
    found = spans("城西区有个小区停电了")
    assert ("location", "城西区", "district") in found
    assert all(text != "小区" for _, text, _ in found)


def test_an_apartment_number_is_a_building_location() -> None:
    assert ("location", "3-2-501", "building") in spans("桂香园3-2-501漏水")


def test_english_places_are_found() -> None:
    found = spans("Lift broken in Bldg 3, Riverside Estate on Maple Road")
    assert ("location", "Bldg 3", "building") in found
    assert ("location", "Riverside Estate", "community") in found
    assert ("location", "Maple Road", "road") in found


@pytest.mark.parametrize(
    "phone", ["13800001234", "138-0000-1234", "138 0000 1234", "+86 13800001234", "0571-87654321"]
)
def test_phone_numbers_are_found_with_digits_only_as_value(phone: str) -> None:
    found = [f for f in extract(f"联系我{phone}谢谢") if f.entity == "phone_number"]
    assert len(found) == 1
    assert found[0].value == "".join(ch for ch in phone if ch.isdigit())


def test_ages_carry_their_number() -> None:
    found = [f for f in extract("家里有个82岁的老人和一个八十五岁的老伴") if f.entity == "age"]
    assert [f.number for f in found] == [82, 85]


def test_english_ages_are_found() -> None:
    assert [f.number for f in extract("my 88-year-old neighbour") if f.entity == "age"] == [88]


def test_exact_counts_have_a_number_and_approximate_counts_do_not() -> None:
    found = {
        ("count", t): f
        for f, t in ((f, "三户楼十几个老人"[f.start : f.end]) for f in extract("三户楼十几个老人"))
    }
    assert found[("count", "三户")].number == 3
    assert found[("count", "十几个老人")].number is None


def test_living_alone_is_not_a_count() -> None:
    assert all(f.entity != "count" for f in extract("她一个人住"))


def test_dates_times_and_durations_are_found() -> None:
    found = spans("下周五上午9点到社区，已经等了三天")
    assert ("date", "下周五", None) in found
    assert ("time", "上午9点", None) in found
    assert ("duration", "三天", None) in found


def test_a_phone_number_is_not_mistaken_for_an_apartment() -> None:
    assert [e for e, _, _ in spans("电话138-0000-4521")] == ["phone_number"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("82", 82), ("八十二", 82), ("十五", 15), ("三百五十", 350), ("二零二四", 2024)],
)
def test_chinese_numerals_are_read(text: str, value: int) -> None:
    assert chinese_number(text) == value


ADDRESSES = [
    ("我住滨江路88号，楼下一直漏水", "滨江路88号"),
    ("和平街12号3单元漏水", "和平街12号3单元"),
    ("地址是和平街12号院3号楼2单元501室", "和平街12号院3号楼2单元501室"),
    ("幸福路7号2栋3单元402室停水了", "幸福路7号2栋3单元402室"),
    ("和平街12号3-2-501的暖气不热", "和平街12号3-2-501"),
    ("中山路三十五号门口有个坑", "中山路三十五号"),
    ("住在向阳路5号", "向阳路5号"),
    ("I live at 88 Binjiang Road and the water is off", "88 Binjiang Road"),
    ("Address is No. 88 Keyuan Road!!", "No. 88 Keyuan Road"),
    (
        "12 Heping Street, Building 3, Unit 2, Room 501 has no power",
        "12 Heping Street, Building 3, Unit 2, Room 501",
    ),
]


@pytest.mark.parametrize(("text", "address"), ADDRESSES)
def test_an_address_keeps_road_number_building_unit_and_room_together(
    text: str, address: str
) -> None:
    assert ("location", address, "address") in spans(text)


def test_two_english_roads_next_to_each_other_are_two_roads() -> None:
    found = spans("The lights are out where Maple Road Oak Street meet")
    assert ("location", "Maple Road", "road") in found and (
        "location",
        "Oak Street",
        "road",
    ) in found


def test_a_road_without_a_number_is_still_a_road() -> None:
    assert spans("人民路上的红绿灯坏了") == [("location", "人民路", "road")]


def test_going_out_to_the_street_is_not_a_road_name() -> None:
    assert all(role != "road" for _, _, role in spans("去了趟街"))


@pytest.mark.parametrize(
    "text",
    [
        "小区门口路灯坏了",
        "东门路灯坏了",
        "门口路面坑坑洼洼",
        "早高峰路况很差",
        "这一路段经常堵车",
        "南门路边乱停车",
        "路牌被撞倒了",
        "希望增加公交线路",
        "出租车司机绕路多收费",
        "健身路径器材损坏",
    ],
)
def test_words_about_roads_are_not_road_names(text: str) -> None:
    assert all(role not in ("road", "address") for _, _, role in spans(text))


def test_a_road_keeps_its_name_before_its_street_lights() -> None:
    assert spans("人民路路灯不亮") == [("location", "人民路", "road")]


@pytest.mark.parametrize(
    "text",
    ["和平小区停水了", "请问和平小区停水了", "建议和平小区加装电梯", "希望增加和平小区的公交"],
)
def test_a_common_estate_name_is_found_whatever_stands_before_it(text: str) -> None:
    assert ("location", "和平小区", "community") in spans(text)


def test_a_one_character_district_after_and_is_not_an_and_phrase() -> None:
    assert ("location", "东区", "district") in spans("我和东区的朋友说好了")
    assert ("location", "和平区", "district") in spans("天津和平区停电了")
