"""Masking of contact details and ID numbers in text that the public may read (Open311).

The patterns live in minsheng.redaction, shared by every place that masks.
"""

from __future__ import annotations

from minsheng.redaction import EMAIL, ID_NUMBER, NAME, NUMBER, PHONE, PLATE, mask

__all__ = ["EMAIL", "ID_NUMBER", "NAME", "NUMBER", "PHONE", "PLATE", "mask_personal"]


def mask_personal(text: str | None) -> str | None:
    """`text` with phone, ID, card and plate numbers, e-mail addresses and a name the
    resident introduced themselves with masked."""
    if text is None:
        return None
    return mask(text, names=True)
