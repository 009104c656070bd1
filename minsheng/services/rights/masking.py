"""Masking of contact details and ID numbers in text that the public may read."""

from __future__ import annotations

import re

# Full-width digits (１３８…) would slip past the patterns; they are read as ASCII first.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－", "0123456789Xx+-")

PHONE = "[电话已隐去]"
ID_NUMBER = "[证件号已隐去]"
EMAIL = "[邮箱已隐去]"
NUMBER = "[号码已隐去]"

_SEP = r"[\s\-.]?"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Resident ID numbers: 18 characters (17 digits and a check digit or X), or the old 15.
    (
        re.compile(
            r"(?<![0-9A-Za-z])\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx](?![0-9A-Za-z])"
        ),
        ID_NUMBER,
    ),
    (re.compile(r"(?<!\d)\d{15}(?!\d)"), ID_NUMBER),
    # Bank cards and other long numbers (14 digits or more, so +86 and a mobile stay a phone).
    (re.compile(r"(?<!\d)\d(?:[\s\-]?\d){13,}(?!\d)"), NUMBER),
    # Mobile numbers, with or without +86 and separators (138-1234-5678, 138 1234 5678).
    (
        re.compile(
            r"(?<!\d)(?:\+?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?!\d)"
        ),
        PHONE,
    ),
    # Landlines: an area code and a 7–8 digit number, or a bare 8-digit local number after a
    # word that says it is one (电话, 座机, tel).
    (re.compile(r"(?<!\d)\(?0\d{2,3}\)?[\s\-]?\d{3,4}[\s\-]?\d{4}(?!\d)"), PHONE),
    (
        re.compile(r"(?i)((?:电话|手机|座机|联系方式|号码|tel|phone)[:：\s]*)\d{7,8}(?!\d)"),
        r"\1" + PHONE,
    ),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), EMAIL),
)


def mask_personal(text: str | None) -> str | None:
    """`text` with phone numbers, ID numbers, e-mail addresses and long numbers masked."""
    if text is None:
        return None
    masked = text.translate(_FULL_WIDTH)
    for pattern, replacement in _PATTERNS:
        masked = pattern.sub(replacement, masked)
    return masked
