"""Case references: shape, uniqueness, and forgiving input from people."""

from __future__ import annotations

import datetime as dt

from case_store.references import (
    CROCKFORD,
    REFERENCE_RE,
    new_access_token,
    new_reference,
    normalise_reference,
)


def test_a_reference_carries_year_and_month_and_six_crockford_characters() -> None:
    ref = new_reference(dt.date(2026, 11, 29))
    assert ref.startswith("MS-2611-")
    assert REFERENCE_RE.match(ref)
    assert all(ch in CROCKFORD for ch in ref[-6:])
    assert not set("ILOU") & set(ref[-6:])


def test_references_are_unique_over_a_hundred_thousand() -> None:
    day = dt.date(2026, 11, 29)
    refs = {new_reference(day) for _ in range(100_000)}
    # 32**6 ≈ 1.07e9 combinations: a birthday collision in 1e5 draws is possible (p≈0.5%),
    # which is why the store retries on collision; the generator itself must not repeat
    # systematically.
    assert len(refs) >= 99_990


def test_a_reference_typed_in_lower_case_with_o_for_zero_is_understood() -> None:
    assert normalise_reference(" ms-2611-ab0cde ") == "MS-2611-AB0CDE"
    assert normalise_reference("MS2611ABOCDE") == "MS-2611-AB0CDE"
    assert normalise_reference("ms-2611-abicde") == "MS-2611-AB1CDE"


def test_text_that_is_not_a_reference_is_rejected() -> None:
    assert normalise_reference("hello") is None
    assert normalise_reference("MS-26-ABCDEF") is None


def test_access_tokens_carry_at_least_128_random_bits() -> None:
    token = new_access_token()
    assert len(token) * 6 >= 128
    assert token != new_access_token()
