"""Project references and residents' satisfaction with a project."""

from __future__ import annotations

import pytest

from case_store.references import (
    CROCKFORD,
    PROJECT_REFERENCE_RE,
    new_project_reference,
    normalise_project_reference,
    normalise_reference,
)
from routing.rates import NOT_ENOUGH_DATA, OK, satisfaction


def test_a_project_reference_carries_the_plan_year_and_four_crockford_characters() -> None:
    ref = new_project_reference(2026)
    assert ref.startswith("PJ-2026-") and PROJECT_REFERENCE_RE.match(ref)
    assert all(ch in CROCKFORD for ch in ref[-4:])


def test_project_references_do_not_repeat_systematically() -> None:
    refs = {new_project_reference(2026) for _ in range(5_000)}
    # 32**4 ≈ 1.05e6: a few birthday collisions in 5,000 draws are expected.
    assert len(refs) >= 4_950


def test_a_plan_year_must_have_four_digits() -> None:
    with pytest.raises(ValueError):
        new_project_reference(26)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("PJ-2026-7K3M", "PJ-2026-7K3M"),
        ("pj-2026-7k3m", "PJ-2026-7K3M"),
        (" pj2026 7k3m ", "PJ-2026-7K3M"),
        ("PJ_2026_OIL9", "PJ-2026-0119"),
        ("PJ-2026-7K3U", None),  # U is not a Crockford character
        ("PJ-2026-7K3", None),
        ("MS-2611-7K3M2A", None),  # a case reference is not a project reference
    ],
)
def test_a_project_reference_typed_by_a_person_is_understood(
    typed: str, expected: str | None
) -> None:
    assert normalise_project_reference(typed) == expected


def test_a_project_reference_is_not_taken_for_a_case_reference() -> None:
    assert normalise_reference("PJ-2026-7K3M") is None


def test_satisfaction_reports_mean_rate_and_sample_size() -> None:
    result = satisfaction([5, 4, 4, 3, 1, 5])
    assert result.sample_size == 6
    assert result.mean.value == pytest.approx(22 / 6)
    assert result.rate.value == pytest.approx(4 / 6)
    assert result.rate.status == OK


def test_below_five_scores_satisfaction_is_not_enough_data_but_counts_are_kept() -> None:
    result = satisfaction([5, 5, 4, 2])
    assert result.mean.value is None and result.rate.value is None
    assert result.rate.status == NOT_ENOUGH_DATA and result.mean.status == NOT_ENOUGH_DATA
    assert (result.rate.numerator, result.sample_size) == (3, 4)


def test_no_scores_at_all_is_not_enough_data_even_with_a_minimum_of_zero() -> None:
    assert satisfaction([], min_sample=0).rate.status == NOT_ENOUGH_DATA


def test_a_score_outside_one_to_five_is_refused() -> None:
    with pytest.raises(ValueError):
        satisfaction([5, 6])
