"""One table of hostile samples, run against every place that masks personal data.

Each masking call site — the log formatter, /forget's scrub (also used by retention), the
complainant-hidden workspace view (also behind the CSV export), Open311 — must take out every
sample; the places that show a resident's own words take out the names they typed as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from redaction_samples import HOSTILE, NAMES, STAYS

from minsheng import redaction
from minsheng.logs import RedactingFormatter
from minsheng.services.casework import workspace_view
from minsheng.services.rights import masking, privacy


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


def test_a_log_line_keeps_its_time_and_masks_numbers_in_the_message_and_the_traceback() -> None:
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        raise ValueError("callback 13912345678 failed")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "minsheng.test",
            logging.WARNING,
            __file__,
            1,
            "resident %s",
            ("13800138000",),
            sys.exc_info(),
        )
    record.created = 1_796_000_000.0  # the time's digits run on like a phone number's
    line = formatter.format(record)
    assert "13800138000" not in line and "13912345678" not in line
    assert f"resident {redaction.PHONE}" in line
    assert f"ValueError: callback {redaction.PHONE} failed" in line
    assert line.startswith(formatter.formatTime(record))
