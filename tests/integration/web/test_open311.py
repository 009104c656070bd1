"""Open311 GeoReport v2 over HTTP: services, submitting with an API key, and public reads."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from case_store.models import Case
from case_store.references import new_access_token
from case_store.taxonomy import DOMAINS
from minsheng.services.access import apikeys
from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, staff_actions, submission, views
from minsheng.web.app import create_app

BASE = "/open311/v2"
PHONES = ("13812345678", "138-1234-5678", "138 1234 5678")
ID_NUMBER = "110101199003074578"
NAME = "王小明"
EMAIL = "xiaoming@example.com"
LEAKY_TEXT = (
    f"解放路小区门口的路灯坏了一周。我是{NAME}，电话 {PHONES[0]}，备用 {PHONES[1]}，"
    f"也可以打 {PHONES[2]}，身份证 {ID_NUMBER}，邮箱 {EMAIL}"
)


class Open311:
    def __init__(self, app: App, client: TestClient) -> None:
        self.app = app
        self.client = client
        self.key = apikeys.create(app, "test client")

    def post(self, fmt: str = "json", **fields: Any) -> Any:
        data = {"api_key": self.key, **fields}
        return self.client.post(f"{BASE}/requests.{fmt}", data=data)

    def submit(self, **fields: Any) -> str:
        fields = {
            "service_code": "transport",
            "description": "人民路红绿灯坏了",
            "address_string": "人民路与解放路路口",
            **fields,
        }
        response = self.post(**fields)
        assert response.status_code == 200, response.text
        return str(response.json()[0]["service_request_id"])

    def one(self, reference: str) -> dict[str, Any]:
        response = self.client.get(f"{BASE}/requests/{reference}.json")
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, list) and len(body) == 1
        return dict(body[0])


@pytest.fixture
def api(app: App) -> Iterator[Open311]:
    with TestClient(create_app(app)) as client:
        yield Open311(app, client)


def assert_open311_error(response: Any, status: int) -> None:
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status and body[0]["description"]


# -- services -------------------------------------------------------------------------------


def test_services_json_is_an_array_with_one_service_per_taxonomy_domain(api: Open311) -> None:
    services = api.client.get(f"{BASE}/services.json").json()
    assert isinstance(services, list)
    assert [s["service_code"] for s in services] == list(DOMAINS)
    transport = next(s for s in services if s["service_code"] == "transport")
    assert transport["service_name"] == "交通出行"
    assert transport["type"] == "realtime" and transport["metadata"] is True


def test_services_can_be_listed_in_english(api: Open311) -> None:
    services = api.client.get(f"{BASE}/services.json", params={"locale": "en"}).json()
    assert (
        next(s for s in services if s["service_code"] == "transport")["service_name"] == "Transport"
    )


def test_services_xml_has_a_services_root_with_one_service_per_domain(api: Open311) -> None:
    response = api.client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == list(DOMAINS)


def test_service_definition_offers_the_contact_consent_attribute(api: Open311) -> None:
    definition = api.client.get(f"{BASE}/services/housing.json").json()
    assert definition["service_code"] == "housing"
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "contact_consent"
    assert {v["key"] for v in attribute["values"]} == {"yes", "no"}
    root = ET.fromstring(api.client.get(f"{BASE}/services/housing.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "contact_consent"


def test_an_unknown_service_definition_is_404_in_the_open311_error_format(api: Open311) -> None:
    assert_open311_error(api.client.get(f"{BASE}/services/potholes.json"), 404)


def test_discovery_names_this_endpoint_and_both_formats(api: Open311) -> None:
    found = api.client.get(f"{BASE}/discovery.json").json()
    (endpoint,) = found["endpoints"]
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert ET.fromstring(api.client.get(f"{BASE}/discovery.xml").content).tag == "discovery"


# -- submitting -----------------------------------------------------------------------------


def test_a_request_without_an_api_key_is_400_with_the_open311_error_list(api: Open311) -> None:
    response = api.client.post(
        f"{BASE}/requests.json",
        data={"service_code": "transport", "description": "红绿灯坏了", "address_string": "人民路"},
    )
    assert_open311_error(response, 400)
    assert "api_key" in response.json()[0]["description"]
    assert views.list_all(api.app) == []


def test_a_request_with_a_wrong_api_key_is_403_and_creates_nothing(api: Open311) -> None:
    response = api.post(
        api_key="msk_not-a-key",
        service_code="transport",
        description="红绿灯坏了",
        address_string="人民路",
    )
    assert_open311_error(response, 403)
    assert views.list_all(api.app) == []


def test_a_revoked_key_is_refused(api: Open311) -> None:
    key_id = apikeys.list_keys(api.app)[0]["id"]
    apikeys.revoke(api.app, key_id)
    assert_open311_error(
        api.post(service_code="transport", description="红绿灯坏了", address_string="人民路"), 403
    )


def test_the_api_key_is_stored_only_as_its_hash(api: Open311) -> None:
    from case_store.models import ApiKey

    with api.app.uow() as uow:
        stored = [row.key_hash for row in uow.session.query(ApiKey)]
    assert api.key not in stored
    assert stored == [apikeys.hash_key(api.key)]


def test_a_request_creates_and_routes_a_case_as_the_chat_does(api: Open311) -> None:
    response = api.post(
        service_code="transport",
        description="人民路和解放路路口的红绿灯坏了",
        address_string="人民路与解放路路口",
        phone="13912345678",
    )
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    reference = body[0]["service_request_id"]
    assert "交通运输局" in body[0]["service_notice"]
    case = views.show(api.app, reference)
    assert case["channel"] == "open311"
    assert case["domain"] == "transport" and case["department"] == "transport_bureau"
    assert case["status"] == "routed"
    assert case["address"] == "人民路与解放路路口"
    assert [e["type"] for e in views.events(api.app, reference)][:2] == ["created", "routed"]


def test_a_gas_smell_becomes_an_urgent_case_with_the_emergency_advice(api: Open311) -> None:
    response = api.post(
        service_code="utilities",
        description="楼道里有很浓的煤气味，快来人",
        address_string="滨江花园3栋",
    )
    assert response.status_code == 200
    notice = response.json()[0]["service_notice"]
    assert "燃气" in notice and "119" in notice
    case = views.show(api.app, response.json()[0]["service_request_id"])
    assert case["urgency"] == "urgent"
    assert case["first_response_due_at"] is not None


def test_coordinates_alone_locate_a_request_and_are_published_rounded(api: Open311) -> None:
    reference = api.submit(
        description="这里的路灯不亮了", address_string="", lat="30.274084", long="120.155070"
    )
    published = api.one(reference)
    assert (published["lat"], published["long"]) == (30.274, 120.155)
    assert published["address"] is None


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"address_string": ""}, "address_string"),
        ({"service_code": "potholes"}, "service_code"),
        ({"service_code": ""}, "service_code"),
        ({"description": "   "}, "description"),
        ({"lat": "30.2"}, "lat"),
        ({"address_string": "", "lat": "95", "long": "120"}, "lat"),
        ({"attribute[contact_consent]": "maybe"}, "contact_consent"),
        ({"description": "路灯坏了" * 1001}, "description"),
    ],
)
def test_an_invalid_request_is_400_with_a_reason_and_never_a_bare_422(
    api: Open311, fields: dict[str, str], words: str
) -> None:
    data = {
        "service_code": "transport",
        "description": "路灯坏了",
        "address_string": "人民路",
        **fields,
    }
    response = api.post(**data)
    assert_open311_error(response, 400)
    assert words in response.json()[0]["description"]
    assert views.list_all(api.app) == []


def test_a_malformed_path_format_is_an_open311_error_too(api: Open311) -> None:
    assert_open311_error(api.client.get(f"{BASE}/requests.yaml"), 400)
    assert_open311_error(api.client.post(f"{BASE}/requests.csv", data={}), 400)


def test_errors_on_xml_paths_are_xml(api: Open311) -> None:
    response = api.client.post(f"{BASE}/requests.xml", data={"service_code": "transport"})
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "400"


def test_a_request_can_be_submitted_with_an_xml_answer(api: Open311) -> None:
    response = api.post(
        "xml", service_code="transport", description="路灯不亮", address_string="人民路"
    )
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    reference = root.findtext("request/service_request_id")
    assert reference and views.show(api.app, reference)["domain"] == "transport"


# -- reading --------------------------------------------------------------------------------


def test_one_request_is_an_array_of_one_with_the_public_fields(api: Open311) -> None:
    reference = api.submit()
    published = api.one(reference)
    case = views.show(api.app, reference)
    assert published["service_request_id"] == reference
    assert published["status"] == "open"
    assert published["service_code"] == "transport"
    assert published["agency_responsible"] == "交通运输局"
    assert published["status_notes"]
    assert published["description"] == "人民路红绿灯坏了"
    assert published["address"] == "人民路与解放路路口"
    expected = dt.datetime.fromisoformat(published["expected_datetime"])
    assert expected == dt.datetime.fromisoformat(case["resolution_due_at"])
    requested = dt.datetime.fromisoformat(published["requested_datetime"])
    assert requested == dt.datetime.fromisoformat(case["created_at"]).replace(microsecond=0)
    assert published["updated_datetime"]


def test_a_reference_typed_in_lower_case_finds_the_request(api: Open311) -> None:
    reference = api.submit()
    assert api.one(reference.lower())["service_request_id"] == reference


def test_an_unknown_request_id_is_404_with_the_open311_error_list(api: Open311) -> None:
    assert_open311_error(api.client.get(f"{BASE}/requests/MS-2611-AAAAAA.json"), 404)
    assert_open311_error(api.client.get(f"{BASE}/requests/nonsense.json"), 404)


def test_a_request_is_open_until_resolved_and_closed_after(api: Open311, clock: Any) -> None:
    reference = api.submit()
    seen = [api.one(reference)["status"]]
    for act in (
        lambda: staff_actions.accept(api.app, reference),
        lambda: staff_actions.start(api.app, reference),
        lambda: staff_actions.ask_resident(api.app, reference, question="具体哪个路口？"),
    ):
        clock.advance(hours=1)
        act()
        seen.append(api.one(reference)["status"])
    assert seen == ["open"] * 4
    clock.advance(hours=1)
    staff_actions.resolve(api.app, reference, note="已更换信号灯控制器")
    resolved = api.one(reference)
    assert resolved["status"] == "closed"
    assert "已办结" in resolved["status_notes"] and "已解决" in resolved["status_notes"]
    assert resolved["updated_datetime"] > resolved["requested_datetime"]
    clock.advance(hours=1)
    staff_actions.reopen(api.app, reference, reason="还是不亮")
    assert api.one(reference)["status"] == "open"


def test_a_withdrawn_request_is_closed(api: Open311) -> None:
    reference = api.submit()
    resident_actions.withdraw(api.app, reference)
    assert api.one(reference)["status"] == "closed"


def test_the_agency_responsible_follows_a_transfer(api: Open311) -> None:
    reference = api.submit()
    staff_actions.transfer(
        api.app, reference, to_department="housing_bureau", reason="属于小区内道路"
    )
    assert api.one(reference)["agency_responsible"] == "住房和城乡建设局"


def test_requests_json_lists_the_last_90_days_by_default(api: Open311, clock: Any) -> None:
    old = api.submit(description="老问题")
    clock.advance(days=91)
    recent = api.submit(description="新问题")
    listed = [r["service_request_id"] for r in api.client.get(f"{BASE}/requests.json").json()]
    assert listed == [recent]
    since = (clock.now - dt.timedelta(days=95)).isoformat()
    listed = [
        r["service_request_id"]
        for r in api.client.get(f"{BASE}/requests.json", params={"start_date": since}).json()
    ]
    assert listed == [old]  # a start date alone reads the 90 days from it


def test_a_window_wider_than_90_days_is_refused(api: Open311) -> None:
    response = api.client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert_open311_error(response, 400)
    assert "90" in response.json()[0]["description"]


def test_requests_filter_by_service_code_and_status(api: Open311) -> None:
    road = api.submit()
    noise = api.submit(service_code="environment", description="工地夜间施工噪音很大")
    done = api.submit(service_code="environment", description="垃圾桶满了没人清")
    staff_actions.resolve(api.app, done, note="已清运")

    def listed(**params: str) -> set[str]:
        found = api.client.get(f"{BASE}/requests.json", params=params).json()
        return {r["service_request_id"] for r in found}

    assert listed() == {road, noise, done}
    assert listed(service_code="environment") == {noise, done}
    assert listed(status="open") == {road, noise}
    assert listed(status="closed") == {done}
    assert listed(service_code="environment,transport", status="open") == {road, noise}
    assert_open311_error(api.client.get(f"{BASE}/requests.json", params={"status": "pending"}), 400)


def test_several_ids_are_read_at_once_whatever_the_window(api: Open311, clock: Any) -> None:
    first = api.submit()
    clock.advance(days=120)
    second = api.submit()
    found = api.client.get(
        f"{BASE}/requests.json", params={"service_request_id": f"{first},{second}"}
    ).json()
    assert {r["service_request_id"] for r in found} == {first, second}


def test_requests_xml_lists_requests_under_service_requests(api: Open311) -> None:
    reference = api.submit()
    root = ET.fromstring(api.client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [reference]
    one = ET.fromstring(api.client.get(f"{BASE}/requests/{reference}.xml").content)
    assert one.findtext("request/status") == "open"


def test_requests_are_listed_a_bounded_page_at_a_time_newest_first(
    api: Open311, clock: Any
) -> None:
    start = clock.now - dt.timedelta(days=30)
    with api.app.uow() as uow:
        for n in range(1001):
            at = start + dt.timedelta(minutes=n)
            uow.session.add(
                Case(
                    reference=f"MS-2610-{n:06d}",
                    access_token=new_access_token(),
                    channel="cli",
                    domain="transport",
                    urgency="normal",
                    kind="demand",
                    description=f"问题 {n}",
                    status="routed",
                    department="transport_bureau",
                    created_at=at,
                    updated_at=at,
                    details={},
                )
            )
        uow.commit()
    default = api.client.get(f"{BASE}/requests.json")
    assert len(default.json()) == 100
    assert default.json()[0]["description"] == "问题 1000"
    assert "page=2" in default.headers["link"] and 'rel="next"' in default.headers["link"]
    largest = api.client.get(f"{BASE}/requests.json", params={"page_size": 1000})
    assert len(largest.json()) == 1000 and largest.json()[-1]["description"] == "问题 1"
    last = api.client.get(f"{BASE}/requests.json", params={"page_size": 1000, "page": 2})
    assert [r["description"] for r in last.json()] == ["问题 0"]
    assert "link" not in last.headers
    too_many = api.client.get(f"{BASE}/requests.json", params={"page_size": 1001})
    assert too_many.status_code == 400 and too_many.json()[0]["code"] == 400


# -- personal data --------------------------------------------------------------------------


def _all_public_reads(api: Open311, reference: str) -> list[str]:
    paths = [
        f"{BASE}/requests/{reference}.json",
        f"{BASE}/requests/{reference}.xml",
        f"{BASE}/requests.json",
        f"{BASE}/requests.xml",
        f"{BASE}/requests.json?service_request_id={reference}",
        f"{BASE}/requests.json?status=open&locale=en",
    ]
    bodies = []
    for path in paths:
        response = api.client.get(path)
        assert response.status_code == 200, path
        bodies.append(response.text)
    return bodies


def test_no_read_reveals_a_name_contact_or_id_number(api: Open311) -> None:
    reference = api.submit(
        description=LEAKY_TEXT,
        address_string=f"解放路8号 联系 {PHONES[0]}",
        first_name="小明",
        last_name="王",
        email=EMAIL,
        phone="13987654321",
        account_id="acct-77",
        device_id="device-99",
    )
    for body in _all_public_reads(api, reference):
        text = json.loads(body) if body.startswith("[") else body
        flat = json.dumps(text, ensure_ascii=False)
        assert "解放路小区门口的路灯坏了一周" in flat
        for secret in (
            *PHONES,
            ID_NUMBER,
            EMAIL,
            "13987654321",
            "acct-77",
            "device-99",
            "1381234",
            "1234 5678",
            "19900307",
        ):
            assert secret not in flat, secret
    published = api.one(reference)
    assert set(published) >= {"description", "address"}
    assert not {"first_name", "last_name", "email", "phone", "name", "contact"} & set(published)


def test_the_phone_reaches_the_case_for_staff_but_not_the_public(api: Open311) -> None:
    reference = api.submit(phone="13987654321")
    with api.app.uow() as uow:
        stored = uow.session.query(Case).filter_by(reference=reference).one()
        assert stored.phone == "13987654321"
        assert stored.details["contact_consent"] is True
    assert "13987654321" not in json.dumps(api.one(reference))


def test_a_complaint_about_staff_and_a_self_harm_message_are_not_published(api: Open311) -> None:
    complaint = submission.submit(
        api.app,
        submission.Intake(
            text="投诉供水办工作人员刁难我",
            domain="utilities",
            urgency="normal",
            kind="complaint",
            channel="telegram",
            external_id="tg-9",
            complaint_about_staff=True,
            accused_department="utilities_desk",
        ),
    )["reference"]
    despair = api.submit(service_code="other", description="我不想活了，没人管我")
    for reference in (complaint, despair):
        published = api.one(reference)
        assert published["description"] is not None
        assert "刁难" not in published["description"] and "不想活" not in published["description"]
        assert published["status"] == "open"


def test_dates_at_the_edge_of_the_calendar_are_a_400_not_a_crash(api: Open311) -> None:
    for params in ({"end_date": "0001-01-02T00:00:00"}, {"start_date": "9999-12-30"}):
        assert_open311_error(api.client.get(f"{BASE}/requests.json", params=params), 400)


def test_a_nul_character_is_refused_and_other_control_characters_keep_the_xml_valid(
    api: Open311,
) -> None:
    assert_open311_error(
        api.post(service_code="transport", description="路灯\x00坏了", address_string="人民路"), 400
    )
    reference = api.submit(description="路灯\x01坏了\x1b")
    root = ET.fromstring(api.client.get(f"{BASE}/requests/{reference}.xml").content)
    assert root.findtext("request/description") == "路灯坏了"
