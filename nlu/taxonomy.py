"""The label keys of the three classification axes (a contract shared with routing and storage)."""

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

AXES: tuple[str, ...] = ("domain", "urgency", "kind")
AXIS_LABELS: dict[str, tuple[str, ...]] = {
    "domain": DOMAINS,
    "urgency": URGENCIES,
    "kind": KINDS,
}
AXIS_DESCRIPTIONS: dict[str, str] = {
    "domain": "Domain: which public service the message is about.",
    "urgency": "Urgency: how fast someone must act (urgent, high, normal).",
    "kind": "Kind: what the resident wants (demand, complaint, inquiry, suggestion).",
}
