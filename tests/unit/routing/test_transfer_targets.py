from __future__ import annotations

import pytest

from routing.transfers import TransferPolicy, TransferRequest, decide_transfer

POLICY = TransferPolicy(triage_department="热线兜底组", triage_supervisor="兜底组长")
CLOCK = object()


def test_a_returned_case_goes_to_the_department_named_by_the_returning_department():
    decision = decide_transfer(
        TransferRequest("区住建局", "属于道路养护", "区交通局"), 0, POLICY, CLOCK
    )
    assert (decision.department, decision.rule, decision.bounce_count) == (
        "区交通局",
        "requested_target",
        1,
    )
    assert decision.reason == "属于道路养护"


def test_a_returned_case_without_a_target_goes_back_to_the_triage_desk():
    decision = decide_transfer(TransferRequest("区住建局", "不属于本部门"), 1, POLICY, CLOCK)
    assert (decision.department, decision.rule, decision.bounce_count) == (
        "热线兜底组",
        "to_triage",
        2,
    )


def test_the_third_return_sends_the_case_to_the_triage_supervisor():
    decision = decide_transfer(
        TransferRequest("区交通局", "不属于本部门", "区住建局"), 2, POLICY, CLOCK
    )
    assert (decision.department, decision.rule, decision.bounce_count) == (
        "兜底组长",
        "too_many_bounces",
        3,
    )


def test_the_bounce_limit_is_configurable():
    strict = TransferPolicy(
        triage_department="热线兜底组", triage_supervisor="兜底组长", max_bounces=0
    )
    decision = decide_transfer(
        TransferRequest("区交通局", "不属于本部门", "区住建局"), 0, strict, CLOCK
    )
    assert decision.department == "兜底组长"


def test_a_return_without_a_reason_is_refused():
    with pytest.raises(ValueError, match="reason"):
        decide_transfer(TransferRequest("区交通局", "   ", "区住建局"), 0, POLICY, CLOCK)


def test_a_department_cannot_return_a_case_to_itself():
    with pytest.raises(ValueError, match="itself"):
        decide_transfer(TransferRequest("区交通局", "wrong", "区交通局"), 0, POLICY, CLOCK)


def test_the_case_clock_travels_with_the_transfer_untouched():
    decision = decide_transfer(TransferRequest("区交通局", "wrong", "区住建局"), 0, POLICY, CLOCK)
    assert decision.clock is CLOCK
