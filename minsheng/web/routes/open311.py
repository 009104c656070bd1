"""Open311 GeoReport v2 under /open311/v2/, in JSON and XML.

Every error on these paths — including a request FastAPI cannot parse — is the Open311 error
list [{"code": ..., "description": ...}] (or <errors> in XML), never FastAPI's own 422 body.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from minsheng.services.access import apikeys
from minsheng.services.errors import CaseNotFound, DomainError
from minsheng.services.public import open311_requests, open311_services, open311_submit
from minsheng.web.deps import AppDep

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"


class Format(enum.StrEnum):
    json = "json"
    xml = "xml"


# -- rendering ----------------------------------------------------------------------------

# XML element names of list items, by the name of the list that holds them.
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


# Characters XML 1.0 cannot carry at all; a description could contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_value(element, _ITEM_NAMES.get(name, "item"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(root: str, value: list[Any] | dict[str, Any]) -> bytes:
    """GeoReport's XML: lists become repeated child elements, None an empty element."""
    if isinstance(value, dict):
        element = ET.Element(root)
        for key, item in value.items():
            _xml_value(element, key, item)
    else:
        element = ET.Element(root)
        for item in value:
            _xml_value(element, _ITEM_NAMES.get(root, "item"), item)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _render(
    fmt: Format, root: str, value: list[Any] | dict[str, Any], status_code: int = 200
) -> Response:
    if fmt is Format.xml:
        return Response(
            to_xml(root, value), status_code=status_code, media_type="text/xml; charset=utf-8"
        )
    return JSONResponse(value, status_code=status_code)


def error_response(status_code: int, description: str, fmt: Format = Format.json) -> Response:
    return _render(fmt, "errors", [{"code": status_code, "description": description}], status_code)


def _format_of(path: str) -> Format:
    return Format.xml if path.endswith(".xml") else Format.json


class Open311Route(APIRoute):
    """Answers this router's validation errors in Open311's error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: "
                    f"{e.get('msg', 'invalid')}"
                    for e in exc.errors()
                )
                return error_response(
                    400, problems or "invalid request", _format_of(request.url.path)
                )

        return handle


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Open311 error list"},
    403: {"description": "Open311 error list"},
    404: {"description": "Open311 error list"},
}
Locale = Annotated[str | None, Query(max_length=20, description="zh (default) or en")]
Jurisdiction = Annotated[
    str | None, Query(max_length=100, description="accepted and ignored: one jurisdiction")
]


def _domain_error(exc: Exception, fmt: Format) -> Response:
    if isinstance(exc, CaseNotFound):
        return error_response(404, f"no service request {exc.reference}", fmt)
    return error_response(400, str(exc), fmt)


# -- endpoints ----------------------------------------------------------------------------


@router.get("/discovery.{fmt}", summary="GeoReport v2 service discovery")
def discovery(app: AppDep, request: Request, fmt: Format) -> Response:
    base = str(request.url_for("service_list", fmt="json")).rsplit("/", 1)[0]
    return _render(fmt, "discovery", open311_services.discovery(app, base))


@router.get(
    "/services.{fmt}", name="service_list", summary="The services: one per domain of the taxonomy"
)
def services(fmt: Format, locale: Locale = None, jurisdiction_id: Jurisdiction = None) -> Response:
    return _render(fmt, "services", open311_services.service_list(locale))


@router.get(
    "/services/{service_code}.{fmt}",
    responses=_ERRORS,
    summary="A service's definition: the extra attributes a request may carry",
)
def service_definition(
    service_code: str, fmt: Format, locale: Locale = None, jurisdiction_id: Jurisdiction = None
) -> Response:
    try:
        definition = open311_services.service_definition(service_code, locale)
    except DomainError:
        return error_response(404, f"no service with service_code {service_code}", fmt)
    return _render(fmt, "service_definition", definition)


FormText = Annotated[str | None, Form(max_length=4000)]


@router.post(
    "/requests.{fmt}",
    responses=_ERRORS,
    summary="Submit a service request (needs an api_key)",
    description="Form-encoded, as GeoReport v2 defines it. first_name, last_name, "
    "email, device_id and account_id are accepted and not stored; the "
    "phone is the one way back to the requester.",
)
def create_request(
    app: AppDep,
    request: Request,
    fmt: Format,
    api_key: FormText = None,
    service_code: FormText = None,
    description: FormText = None,
    address_string: FormText = None,
    lat: FormText = None,
    long: FormText = None,
    phone: FormText = None,
    media_url: FormText = None,
    jurisdiction_id: FormText = None,
    contact_consent: Annotated[
        str | None, Form(alias="attribute[contact_consent]", max_length=10)
    ] = None,
) -> Response:
    if not api_key:
        hint = (
            "; send it in the form body, not in the URL (addresses end up in logs)"
            if "api_key" in request.query_params
            else ""
        )
        return error_response(400, "api_key is required" + hint, fmt)
    client = apikeys.verify(app, api_key)
    if client is None:
        return error_response(403, "api_key is not valid", fmt)
    new = open311_submit.NewRequest(
        service_code=service_code,
        description=description,
        address_string=address_string,
        lat=lat,
        long=long,
        phone=phone,
        media_url=media_url,
        contact_consent=contact_consent,
    )
    try:
        created = open311_submit.submit_request(app, client, new)
    except DomainError as exc:
        return _domain_error(exc, fmt)
    log.info("open311: client %s submitted %s", client.id, created["service_request_id"])
    return _render(fmt, "service_requests", [created])


@router.get(
    "/requests.{fmt}",
    responses=_ERRORS,
    summary="Service requests of the last 90 days, newest first, one page at a time",
    description="Without `service_request_id`, the answer is one page of `page_size` requests "
    "(the server's default, `web.open311_page_size`, is 100; at most 1,000). When more follow, "
    'the response carries `Link: <…&page=N+1>; rel="next"`; ask again with that `page`.',
)
def list_requests(
    app: AppDep,
    request: Request,
    fmt: Format,
    service_request_id: Annotated[str | None, Query(max_length=20000)] = None,
    service_code: Annotated[str | None, Query(max_length=1000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
    page: Annotated[
        int, Query(ge=1, le=100_000, description="which page, from 1 (newest first)")
    ] = 1,
    page_size: Annotated[
        int | None,
        Query(
            ge=1,
            le=open311_requests.MAX_RESULTS,
            description="requests per page (default 100, at most 1,000)",
        ),
    ] = None,
) -> Response:
    query = open311_requests.RequestQuery(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        locale=locale,
        page=page,
        page_size=page_size or app.settings.web.open311_page_size,
    )
    try:
        found, more = open311_requests.list_requests(app, query)
    except DomainError as exc:
        return _domain_error(exc, fmt)
    response = _render(fmt, "service_requests", found)
    if more:
        following = request.url.include_query_params(page=page + 1, page_size=query.page_size)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@router.get(
    "/requests/{service_request_id}.{fmt}",
    responses=_ERRORS,
    summary="One service request, as a list of one",
)
def get_request(
    app: AppDep,
    service_request_id: str,
    fmt: Format,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    try:
        found = open311_requests.get_request(app, service_request_id, locale)
    except (CaseNotFound, DomainError) as exc:
        return _domain_error(exc, fmt)
    return _render(fmt, "service_requests", [found])
