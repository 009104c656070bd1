"""One table of hostile samples, run against every place that masks personal data.

Each masking call site — the log formatter, /forget's scrub (also used by retention), the
complainant-hidden workspace view (also behind the CSV export), Open311 — must take out every
sample; the places that show a resident's own words take out the names they typed as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from minsheng import redaction
from minsheng.logs import RedactingFormatter
from minsheng.services.casework import workspace_view
from minsheng.services.rights import masking, privacy

# (sample, the secret part that must disappear)
HOSTILE = [
    ("手机13812345678谢谢", "13812345678"),
    ("手机 138 1234 5678", "138 1234 5678"),
    ("手机 138-1234-5678", "138-1234-5678"),
    ("电话 +86 138 1234 5678", "138 1234 5678"),
    ("电话+8613812345678", "13812345678"),
    ("全角 １３８１２３４５６７８ 打我", "１３８１２３４５６７８"),
    ("全角带空格 １３８　１２３４　５６７８", "５６７８"),
    ("座机 0571-87654321", "87654321"),
    ("座机 (010) 6552 1234", "6552 1234"),
    ("座机 010-1234567", "1234567"),
    ("电话：87654321，白天打", "87654321"),
    ("身份证110101199003074578。", "110101199003074578"),
    ("身份证 11010119900307457X", "11010119900307457X"),
    ("身份证 110101 19900307 457x", "19900307"),
    ("老身份证 110101900307457", "110101900307457"),
    ("全角身份证 １１０１０１１９９００３０７４５７８", "１１０１０１１９９００３０７４５７８"),
    ("邮箱 wang.xm+311@example.com.cn 回复", "wang.xm+311@example.com.cn"),
    ("mail me: Li.Hua@mail.gov.cn", "Li.Hua@mail.gov.cn"),
    ("卡号 6222 0212 3456 7890 123", "6222 0212 3456 7890 123"),
    ("车牌浙A12345停在消防通道", "浙A12345"),
    ("新能源车 京AD12345 占道", "京AD12345"),
    ("UK number +44 20 7946 0958 works too", "7946 0958"),
]
NAMES = [
    ("我是张三，楼道灯坏了", "张三"),
    ("我叫王小明的邻居说噪音很大", "王小明"),
    ("本人李四反映噪音", "李四"),
    ("我的名字是欧阳娜娜。", "欧阳娜娜"),
    ("Hello, my name is John Smith, the street light is out", "John Smith"),
    ("I'm Alice and the bin is full", "Alice"),
    ("this is Bob Lee from block 3", "Bob Lee"),
]
STAYS = [
    "2026-11-02 晚上 10 点以后还在施工",
    "第3栋2单元501室楼上漏水，已经3天了",
    "MS-2611-7KQ2XD 已受理，12 路公交",
    "我是业主，楼上漏水",
    "I'm writing about the road near No. 12",
    "this is urgent, the pipe burst",
]


def _log_line(text: str) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s", (text,), None)
    return RedactingFormatter("%(message)s").format(record)


def _hidden_view(text: str) -> str:
    return workspace_view.mask(text, hidden=True)


def _open311(text: str) -> str:
    masked = masking.mask_personal(text)
    assert masked is not None
    return masked


MASKERS: dict[str, Callable[[str], str]] = {
    "logs": _log_line,
    "forget": privacy.scrub,
    "hidden_identity": _hidden_view,
    "open311": _open311,
    "redaction.mask": redaction.mask,
}
# The places that show what a resident wrote also take out the name they introduced.
NAME_MASKERS = {k: v for k, v in MASKERS.items() if k in ("forget", "hidden_identity", "open311")}


@pytest.mark.parametrize("site", sorted(MASKERS))
@pytest.mark.parametrize(("sample", "secret"), HOSTILE)
def test_every_masking_place_takes_out_contact_and_id_numbers(
    site: str, sample: str, secret: str
) -> None:
    masked = MASKERS[site](sample)
    assert secret not in masked
    assert "已隐去" in masked


@pytest.mark.parametrize("site", sorted(NAME_MASKERS))
@pytest.mark.parametrize(("sample", "name"), NAMES)
def test_a_name_the_resident_typed_is_masked_where_their_words_are_shown(
    site: str, sample: str, name: str
) -> None:
    masked = NAME_MASKERS[site](sample)
    assert name not in masked
    assert redaction.NAME in masked


@pytest.mark.parametrize("site", sorted(MASKERS))
@pytest.mark.parametrize("sample", STAYS)
def test_dates_flat_numbers_references_and_plain_words_stay_readable(
    site: str, sample: str
) -> None:
    masked = MASKERS[site](sample)
    if site == "forget":
        # /forget also drops flat and room numbers, which make an address someone's home.
        assert "已隐去" not in masked
        return
    assert masked == sample


def test_logs_also_hide_bot_and_bearer_tokens() -> None:
    line = _log_line(
        "POST /bot123456:AAAbbbCCCdddEEEfffGGGhhhIIIjjjKKKlll/sendMessage Bearer abcdefghijklmnopqrstuvwx"
    )
    assert "AAAbbb" not in line and "abcdefghijklmnop" not in line


def test_a_view_that_may_see_the_resident_is_left_as_written() -> None:
    text = "我是张三，电话13812345678"
    assert workspace_view.mask(text, hidden=False) == text
