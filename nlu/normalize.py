"""Text normalisation that remembers where every character came from.

Traditional characters become simplified, full-width forms become half-width, runs of
whitespace collapse to one space, and control, bidi and zero-width characters disappear
(except a zero-width joiner inside an emoji sequence). Offsets found in the normalised
text map back to the text the resident actually sent.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WHITESPACE = "\t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ZWJ = "\u200d"
_VS16 = "\ufe0f"

# Anything that may change the length of the text: removable characters or a whitespace run.
_NEEDS_MAPPING = re.compile(
    "["
    + re.escape(_ZERO_WIDTH + _BIDI + _ZWJ)
    + "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]| {2,}|^ | $"
)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, when its length changed, the original index of each character."""

    original: str
    text: str
    origin: tuple[int, ...] | None = None

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the original text."""
        if self.origin is None:
            return start, end
        if end <= start:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def _opencc_characters_file() -> Path | None:
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "dictionary" / "TSCharacters.txt"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def _translation_table() -> dict[int, str]:
    """One-to-one character map: traditional → simplified, full-width → half-width, spaces."""
    table: dict[int, str] = {}
    path = _opencc_characters_file()
    if path is not None:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            target = parts[1].split(" ")[0]
            if len(target) == 1 and target != parts[0]:
                table[ord(parts[0])] = target
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    for ch in _WHITESPACE:
        table[ord(ch)] = " "
    # Common full-width punctuation outside the FF01 block keeps its Chinese form on purpose:
    # "。" and "、" carry meaning the classifier and rules use.
    return table


def _is_emoji_like(ch: str) -> bool:
    return ch == _VS16 or (ord(ch) >= 0x2190 and unicodedata.category(ch) == "So")


def _is_removable(text: str, i: int) -> bool:
    ch = text[i]
    if ch == _ZWJ:
        # A joiner between two emoji glues one pictogram (👨‍👩‍👧); elsewhere it is noise.
        return not (
            0 < i < len(text) - 1 and _is_emoji_like(text[i - 1]) and _is_emoji_like(text[i + 1])
        )
    if ch in _ZERO_WIDTH or ch in _BIDI:
        return True
    return unicodedata.category(ch) == "Cc"


def normalize(text: str) -> Normalized:
    """Return the normalised form of a message with a map back to its original offsets."""
    mapped = text.translate(_translation_table())
    if _NEEDS_MAPPING.search(mapped) is None:
        return Normalized(original=text, text=mapped)
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(mapped):
        if _is_removable(mapped, i):
            continue
        if ch == " " and (not chars or chars[-1] == " "):
            continue
        chars.append(ch)
        origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return Normalized(original=text, text="".join(chars), origin=tuple(origin))
