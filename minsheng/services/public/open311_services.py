"""Open311 GeoReport v2: the services offered (one per domain of the taxonomy), their
definitions and service discovery; also the wording shared by the other Open311 modules.
"""

from __future__ import annotations

from typing import Any

from case_store.taxonomy import DOMAIN_NAMES, DOMAINS
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest

SERVICE_TEXTS: dict[str, tuple[str, str, str]] = {
    # key: (zh description, en description, comma-separated keywords)
    "education": (
        "学校与幼儿园、入学、教师、课后服务、校园餐与校车、学费",
        (
            "Schools and kindergartens, enrolment, teachers, after-school care, school "
            "meals and buses, fees"
        ),
        "学校,幼儿园,入学,school,kindergarten",
    ),
    "healthcare": (
        "医院与社区卫生服务、家庭医生、药品、疫苗接种、医保报销、公共卫生",
        (
            "Hospitals and clinics, family doctors, medicines, vaccination, medical "
            "insurance, public health"
        ),
        "医院,医保,疫苗,hospital,clinic",
    ),
    "elderly_care": (
        "居家、社区和机构养老，老年食堂，护理床位，养老补贴，适老化改造",
        (
            "Care at home, in the community and in care homes, canteens for older "
            "people, allowances, age-friendly fittings"
        ),
        "养老,老年食堂,elderly,care",
    ),
    "housing": (
        "老旧小区改造、加装电梯、物业管理、房屋渗漏、保障性住房、房屋维修",
        (
            "Old-estate renovation, lifts for old buildings, property management, leaks, "
            "public housing, repairs"
        ),
        "物业,电梯,漏水,property,lift",
    ),
    "utilities": (
        "供水与水质、供电、燃气供应与燃气泄漏、集中供暖",
        "Water supply and quality, electricity, gas supply and gas leaks, heating",
        "停水,停电,燃气,暖气,water,power,gas,heating",
    ),
    "transport": (
        "公交地铁、道路与坑洼、红绿灯、停车、道路照明、骑行与步行",
        (
            "Buses and metro, roads and potholes, traffic lights, parking, street "
            "lights, cycling and walking"
        ),
        "公交,道路,红绿灯,路灯,bus,pothole",
    ),
    "environment": (
        "噪音，大气、水和土壤污染，垃圾收运与分类，公厕，道路保洁，绿地，占道经营",
        (
            "Noise, pollution, rubbish and recycling, public toilets, street cleaning, "
            "green spaces, street stalls"
        ),
        "噪音,垃圾,污染,noise,rubbish",
    ),
    "public_safety": (
        "消防隐患与消防通道堵塞、危险建筑、高空坠物、溺水风险、治安、诈骗",
        (
            "Fire hazards and blocked exits, dangerous structures, falling objects, "
            "drowning risks, public order, fraud"
        ),
        "消防,坠物,诈骗,fire,fraud",
    ),
    "social_security": (
        "欠薪、劳动争议、就业培训、养老金与社保、低保、残疾与困难救助",
        (
            "Unpaid wages, labour disputes, jobs and training, pensions and social "
            "insurance, subsistence and hardship assistance"
        ),
        "欠薪,社保,低保,wages,pension",
    ),
    "community": (
        "社区服务中心、社区食堂与便民店、活动室、文体设施、15分钟生活圈",
        (
            "Community centres, canteens and shops, activity rooms, culture and sports "
            "facilities, neighbourhood affairs"
        ),
        "社区,文体,活动室,community",
    ),
    "market": (
        "食品安全、消费者权益、价格、无证经营、产品质量",
        "Food safety, consumer rights, prices, unlicensed businesses, product quality",
        "食品安全,消费,价格,food safety,consumer",
    ),
    "other": (
        "不属于以上类别的其他事项",
        "Anything that fits none of the other services",
        "其他,other",
    ),
}


def language_index(locale: str | None) -> int:
    """0 for Chinese (the default), 1 for English."""
    return 1 if locale and locale.lower().startswith("en") else 0


def service_list(locale: str | None = None) -> list[dict[str, Any]]:
    """One service per domain of the taxonomy; `service_code` is the domain key."""
    lang = language_index(locale)
    return [
        {
            "service_code": key,
            "service_name": DOMAIN_NAMES[key][lang],
            "description": SERVICE_TEXTS[key][lang],
            "metadata": True,
            "type": "realtime",
            "keywords": SERVICE_TEXTS[key][2],
            "group": "民生诉求" if lang == 0 else "Public services",
        }
        for key in DOMAINS
    ]


def service_definition(service_code: str, locale: str | None = None) -> dict[str, Any]:
    """The extra attributes a client may send with a request of this service."""
    if service_code not in DOMAINS:
        raise InvalidRequest(f"unknown service_code '{service_code}'")
    zh = language_index(locale) == 0
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True,
                "code": "contact_consent",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "yes 或 no" if zh else "yes or no",
                "order": 1,
                "description": (
                    "是否同意承办部门通过您留下的电话联系您（默认：留了电话即同意）"
                    if zh
                    else "May the department call the requester on the phone "
                    "number given? (default: yes when one is given)"
                ),
                "values": [
                    {"key": "yes", "name": "同意" if zh else "Yes"},
                    {"key": "no", "name": "不同意" if zh else "No"},
                ],
            }
        ],
    }


def department_name(app: App, dept_id: str | None, locale: str | None = None) -> str | None:
    """The department's name in the locale's language; its id when it is not configured."""
    if dept_id is None:
        return None
    for dept in app.settings.departments:
        if dept.id == dept_id:
            return dept.name_en if language_index(locale) else dept.name_zh
    return dept_id


def discovery(app: App, base_url: str) -> dict[str, Any]:
    """Where the endpoint is and what it speaks (GeoReport v2 service discovery)."""
    settings = app.settings
    return {
        "changeset": "2026-12-01T00:00:00+08:00",
        "contact": f"{settings.city.name_zh} 12345 政务服务便民热线",
        "key_service": "API keys are issued by the city's operators (minsheng apikey create).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base_url.rstrip("/"),
                "changeset": "2026-12-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
