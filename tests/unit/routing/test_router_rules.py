from __future__ import annotations

import pytest

from routing.router import (
    UNKNOWN_ACCUSED,
    KindOverride,
    LocationOverride,
    RoutingRequest,
    RoutingTable,
    accused_after_change,
    looks_like_staff_complaint,
    route,
)

TABLE = RoutingTable(
    domain_departments={
        "housing": "区住建局",
        "transport": "区交通局",
        "environment": "区城管局",
        "market": "区市场监管局",
    },
    triage_department="热线兜底组",
    supervisor_department="区督查室",
    supervisors={"区城管局": "区政府办"},
    location_overrides=(
        LocationOverride(department="新城管委会", district="新城区"),
        LocationOverride(
            department="老街街道办", district="新城区", street="老街街道", domains=("environment",)
        ),
        LocationOverride(department="开发区建设局", district="开发区", domains=("housing",)),
    ),
    kind_overrides=(KindOverride(kind="suggestion", department="区政策研究室"),),
    min_confidence=0.6,
    department_names={
        "区城管局": ("区城管局", "District City Management Bureau", "城管", "执法队员", "城管队员"),
        "区住建局": ("区住建局", "District Housing Bureau", "住建局"),
        "区市场监管局": ("区市场监管局", "District Market Regulation", "市场监管局"),
        "开发区建设局": ("开发区建设局", "Development Zone Construction Bureau"),
    },
)


def test_a_confident_housing_demand_goes_to_the_housing_bureau_by_the_domain_table():
    decision = route(RoutingRequest("housing", "demand", 0.92), TABLE)
    assert (decision.department, decision.rule) == ("区住建局", "domain_table")
    assert decision.confidence == 0.92
    assert decision.hide_identity_from is None
    assert "区住建局" in decision.reason


def test_an_other_domain_case_goes_to_the_triage_desk():
    decision = route(RoutingRequest("other", "demand", 0.95), TABLE)
    assert (decision.department, decision.rule) == ("热线兜底组", "other_domain")


def test_a_low_confidence_case_goes_to_the_triage_desk_with_the_confidence_in_the_reason():
    decision = route(RoutingRequest("transport", "demand", 0.41), TABLE)
    assert (decision.department, decision.rule) == ("热线兜底组", "low_confidence")
    assert "0.41" in decision.reason


def test_a_case_from_an_overridden_district_goes_to_that_districts_department():
    decision = route(RoutingRequest("transport", "demand", 0.9, district="新城区"), TABLE)
    assert (decision.department, decision.rule) == ("新城管委会", "location_override")


def test_a_street_override_beats_a_district_override():
    request = RoutingRequest("environment", "demand", 0.9, district="新城区", street="老街街道")
    assert route(request, TABLE).department == "老街街道办"


def test_a_street_override_limited_to_some_domains_leaves_other_domains_alone():
    request = RoutingRequest("transport", "demand", 0.9, district="新城区", street="老街街道")
    assert route(request, TABLE).department == "新城管委会"


def test_a_district_override_for_housing_does_not_catch_transport_cases():
    decision = route(RoutingRequest("transport", "demand", 0.9, district="开发区"), TABLE)
    assert (decision.department, decision.rule) == ("区交通局", "domain_table")


def test_suggestions_follow_the_kind_override():
    decision = route(RoutingRequest("transport", "suggestion", 0.9), TABLE)
    assert (decision.department, decision.rule) == ("区政策研究室", "kind_override")


def test_a_domain_missing_from_the_table_goes_to_the_triage_desk():
    decision = route(RoutingRequest("education", "demand", 0.9), TABLE)
    assert (decision.department, decision.rule) == ("热线兜底组", "unmapped_domain")


def test_a_complaint_about_city_management_staff_goes_to_its_supervisor_and_hides_the_resident():
    request = RoutingRequest(
        "environment", "complaint", 0.88, complaint_about_staff=True, text="城管队员态度恶劣"
    )
    decision = route(request, TABLE)
    assert (decision.department, decision.rule) == ("区政府办", "complaint_about_staff")
    assert decision.hide_identity_from == "区城管局"


def test_a_staff_complaint_without_a_configured_supervisor_goes_to_the_general_supervisor():
    request = RoutingRequest(
        "housing", "complaint", 0.88, complaint_about_staff=True, text="住建局的工作人员推诿"
    )
    decision = route(request, TABLE)
    assert decision.department == "区督查室"
    assert decision.hide_identity_from == "区住建局"


@pytest.mark.parametrize(
    ("domain", "text"),
    [
        ("market", "菜市场门口几个执法队员把卖菜的老人打了"),
        ("market", "城管在菜场打人"),
        ("housing", "the staff of the District City Management Bureau shouted at me"),
    ],
)
def test_the_accused_department_is_the_one_the_complaint_names_not_the_classified_domain(
    domain: str, text: str
) -> None:
    request = RoutingRequest(domain, "complaint", 0.9, complaint_about_staff=True, text=text)
    decision = route(request, TABLE)
    assert decision.hide_identity_from == "区城管局"
    assert (decision.department, decision.rule) == ("区政府办", "complaint_about_staff")


def test_a_complaint_about_officials_naming_no_department_hides_the_resident_from_all():
    request = RoutingRequest(
        "market", "complaint", 0.9, complaint_about_staff=True, text="那几个工作人员动手打人"
    )
    decision = route(request, TABLE)
    assert decision.hide_identity_from == UNKNOWN_ACCUSED
    # The classified domain's department is not taken for the accused one.
    assert decision.department == "区督查室"


def test_a_location_override_does_not_decide_whom_a_staff_complaint_accuses():
    request = RoutingRequest(
        "housing", "complaint", 0.9, district="开发区", complaint_about_staff=True, text="态度差"
    )
    assert route(request, TABLE).hide_identity_from == UNKNOWN_ACCUSED


def test_a_transfer_recheck_keeps_hiding_and_widens_when_the_words_name_another_department():
    text = "城管队员打人"
    assert accused_after_change("complaint", text, None, TABLE) == "区城管局"
    assert accused_after_change("complaint", text, "区城管局", TABLE) == "区城管局"
    # recorded from the domain before aliases existed: the words name someone else
    assert accused_after_change("complaint", text, "区市场监管局", TABLE) == UNKNOWN_ACCUSED
    assert accused_after_change("complaint", "工作人员态度差", None, TABLE) == UNKNOWN_ACCUSED
    assert accused_after_change("complaint", "商家卖过期食品", None, TABLE) is None


def test_an_explicitly_accused_department_is_used_even_when_the_domain_is_other():
    request = RoutingRequest(
        "other", "complaint", 0.3, complaint_about_staff=True, accused_department="区市场监管局"
    )
    decision = route(request, TABLE)
    assert (decision.department, decision.rule) == ("区督查室", "complaint_about_staff")
    assert decision.hide_identity_from == "区市场监管局"


def test_a_low_confidence_staff_complaint_goes_to_triage_but_still_hides_the_resident():
    request = RoutingRequest("housing", "complaint", 0.3, complaint_about_staff=True)
    decision = route(request, TABLE)
    assert decision.rule == "low_confidence"
    assert decision.hide_identity_from == UNKNOWN_ACCUSED


def test_a_complaint_about_a_company_is_routed_normally():
    request = RoutingRequest("housing", "complaint", 0.9)
    decision = route(request, TABLE)
    assert (decision.department, decision.hide_identity_from) == ("区住建局", None)


def test_the_staff_flag_on_a_non_complaint_is_ignored():
    request = RoutingRequest("housing", "inquiry", 0.9, complaint_about_staff=True)
    assert route(request, TABLE).rule == "domain_table"


@pytest.mark.parametrize(
    "text",
    [
        "街道办的工作人员态度很差，还把我们推来推去",
        "反映了三次，城管一直不作为",
        "窗口办事员故意刁难，材料齐全也不给办",
        "The clerk at the housing office was rude and refused to help.",
        "Officials keep passing the buck on our leaking roof",
    ],
)
def test_complaints_about_staff_conduct_are_recognised_in_chinese_and_english(text):
    assert looks_like_staff_complaint("complaint", text)


@pytest.mark.parametrize(
    "text",
    ["物业公司不修电梯，已经两个月了", "The landlord never fixes the heating", "餐馆卖的菜不新鲜"],
)
def test_complaints_about_companies_are_not_taken_for_staff_complaints(text):
    assert not looks_like_staff_complaint("complaint", text)


def test_only_complaints_can_be_staff_complaints():
    assert not looks_like_staff_complaint("inquiry", "工作人员什么时候上班？")
