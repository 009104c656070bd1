"""Masking contact details and ID numbers in text the public reads."""

from __future__ import annotations

import pytest

from minsheng.services.rights.masking import EMAIL, ID_NUMBER, PHONE, mask_personal


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_a_mobile_number_is_masked_however_it_is_written(written: str) -> None:
    masked = mask_personal(f"请联系我{written}谢谢")
    assert masked == f"请联系我{PHONE}谢谢"


@pytest.mark.parametrize(
    "written",
    [
        "110101199003074578",
        "11010119900307457X",
        "11010119900307457x",
        "110101 19900307 4578",
        "110101900307457",
    ],
)
def test_an_id_number_is_masked(written: str) -> None:
    assert mask_personal(f"身份证号{written}。") == f"身份证号{ID_NUMBER}。"


@pytest.mark.parametrize("written", ["0571-87654321", "(0571) 8765 4321", "010-1234567"])
def test_a_landline_with_its_area_code_is_masked(written: str) -> None:
    assert mask_personal(f"座机 {written}") == f"座机 {PHONE}"


def test_a_bare_local_number_after_the_word_phone_is_masked() -> None:
    assert mask_personal("电话：87654321，白天打") == f"电话：{PHONE}，白天打"


def test_an_email_address_is_masked() -> None:
    assert mask_personal("邮箱 wang.xm+311@example.com.cn 回复") == f"邮箱 {EMAIL} 回复"


def test_a_bank_card_number_is_masked() -> None:
    masked = mask_personal("工资打到卡号 6222 0212 3456 7890 123 里")
    assert masked is not None and "6222" not in masked and "7890" not in masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-02 晚上 10 点以后还在施工",
        "人民路 128 号门口",
        "已经 3 个月没发工资，共 12000 元",
        "12345 热线",
        "3 栋 2 单元 501 室楼上漏水",
    ],
)
def test_ordinary_numbers_stay_readable(text: str) -> None:
    assert mask_personal(text) == text


def test_nothing_in_nothing_out() -> None:
    assert mask_personal(None) is None
    assert mask_personal("") == ""
