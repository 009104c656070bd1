"""The case taxonomy's keys: a contract shared by config, database, API and evaluation."""

from __future__ import annotations

DOMAINS: tuple[str, ...] = (
    "education",
    "healthcare",
    "elderly_care",
    "housing",
    "utilities",
    "transport",
    "environment",
    "public_safety",
    "social_security",
    "community",
    "market",
    "other",
)
URGENCIES: tuple[str, ...] = ("urgent", "high", "normal")
KINDS: tuple[str, ...] = ("demand", "complaint", "inquiry", "suggestion")

DOMAIN_NAMES: dict[str, tuple[str, str]] = {
    "education": ("教育", "Education"),
    "healthcare": ("医疗卫生", "Healthcare"),
    "elderly_care": ("养老服务", "Elderly care"),
    "housing": ("住房与物业", "Housing and property"),
    "utilities": ("水电气热", "Water, power, gas, heating"),
    "transport": ("交通出行", "Transport"),
    "environment": ("环境与市容", "Environment and city appearance"),
    "public_safety": ("公共安全", "Public safety"),
    "social_security": ("就业社保与救助", "Jobs, social insurance and assistance"),
    "community": ("社区服务与文体", "Community services, culture and sports"),
    "market": ("市场监管与消费", "Markets and consumer rights"),
    "other": ("其他", "Other"),
}
URGENCY_NAMES: dict[str, tuple[str, str]] = {
    "urgent": ("紧急", "Urgent"),
    "high": ("较急", "High"),
    "normal": ("一般", "Normal"),
}
KIND_NAMES: dict[str, tuple[str, str]] = {
    "demand": ("诉求", "Request"),
    "complaint": ("投诉", "Complaint"),
    "inquiry": ("咨询", "Question"),
    "suggestion": ("建议", "Suggestion"),
}
