"""A city that declares its own domain keys sees them wherever domains are listed."""

from __future__ import annotations

from typing import Any

from minsheng.config.schema import DomainCfg, TaxonomyCfg
from minsheng.services.access import staff
from minsheng.services.public import stats

CITY = [
    DomainCfg(key="parking", name_zh="停车管理", name_en="Parking"),
    DomainCfg(key="noise", name_zh="噪声扰民", name_en="Noise"),
    DomainCfg(key="other", name_zh="其他", name_en="Other"),
]


def city_taxonomy(app: Any) -> None:
    app.settings = app.settings.model_copy(
        update={
            "taxonomy": TaxonomyCfg(domains=CITY),
            "routing": {
                "parking": "transport_bureau",
                "noise": "ecology_environment",
                "other": "hotline_12345",
            },
        }
    )


def test_the_public_statistics_list_the_citys_own_domains_by_their_names(
    workspace: Any,
) -> None:
    city_taxonomy(workspace.app)
    listed = stats.public_stats(workspace.app)["by_domain"]
    assert [(d["domain"], d["name_zh"]) for d in listed] == [
        ("parking", "停车管理"),
        ("noise", "噪声扰民"),
        ("other", "其他"),
    ]


def test_the_console_queue_filters_by_the_citys_own_domains(workspace: Any) -> None:
    city_taxonomy(workspace.app)
    creds = staff.add_staff(
        workspace.app, name="交通科", department="transport_bureau", role="agent", login="jt"
    )
    client = workspace.client
    form = client.get("/console/login").text
    token = form.split('name="login_csrf" value="')[1].split('"')[0]
    client.post(
        "/console/login",
        data={"login": "jt", "password": creds.password, "login_csrf": token, "next": ""},
    )
    page = client.get("/console/queue?domain=parking").text
    assert 'value="parking" selected' in page and "停车管理" in page
    assert 'value="housing"' not in page
