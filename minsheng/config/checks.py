"""The checks of a parsed config file: its schema, with every error worded and led by its key
path, and the checks that span keys (departments, routing, taxonomy, SLA, FAQ, staff channels,
the city's time zone)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from case_store.taxonomy import DOMAINS, KINDS, URGENCIES
from minsheng.config.schema import FileConfig

_SECRET_KEYS = {"telegram", "token", "telegram_token", "secret", "password", "api_key"}


def check_config(data: dict[str, Any]) -> list[str]:
    """Every problem in a parsed config file, each led by its key path; [] when it is good."""
    problems: list[str] = []
    for key in data:
        if key in _SECRET_KEYS:
            problems.append(
                f"{key}: secrets never go in the config file; "
                "use environment variables such as MINSHENG_TELEGRAM_TOKEN"
            )
    clean = {k: v for k, v in data.items() if k not in _SECRET_KEYS}
    notify = clean.get("notify")
    smtp = notify.get("smtp") if isinstance(notify, dict) else None
    if isinstance(notify, dict) and isinstance(smtp, dict) and "password" in smtp:
        problems.append(
            "notify.smtp.password: secrets never go in the config file; "
            "set MINSHENG_SMTP_PASSWORD instead"
        )
        clean = {
            **clean,
            "notify": {**notify, "smtp": {k: v for k, v in smtp.items() if k != "password"}},
        }
    try:
        FileConfig.model_validate(clean)
    except ValidationError as exc:
        problems.extend(_describe(err) for err in exc.errors())
    problems.extend(_cross_check(clean))
    # Cross checks may restate a type error in their own words; keep each line once.
    return list(dict.fromkeys(problems))


# -- error wording -------------------------------------------------------------------------

_LIST_NOUNS = {
    "departments": "departments",
    "location_overrides": "overrides",
    "resolution_overrides": "overrides",
    "warn_at": "fractions between 0 and 1",
    "numbers": "emergency numbers",
    "extra_holidays": "ISO dates",
    "extra_workdays": "ISO dates",
    "domains": "domain keys",
    "faq": "entries",
}


def show(value: Any) -> str:
    text = (
        repr(value)
        if isinstance(value, str)
        else yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
        .strip()
        .removesuffix("...")
        .strip()
    )
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: Mapping[str, Any]) -> str:
    loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    kind = err["type"]
    got = err.get("input")
    ctx = err.get("ctx") or {}
    last = loc[-1] if loc else ""
    if kind == "missing":
        return f"{key}: is required"
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check the spelling)"
    if kind == "list_type":
        noun = _LIST_NOUNS.get(last)
        return f"{key}: must be a list{' of ' + noun if noun else ''}, got {show(got)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{key}: must be a mapping of keys, got {show(got)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{key}: must be a whole number, got {show(got)}"
    if kind in ("float_type", "float_parsing"):
        return f"{key}: must be a number, got {show(got)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{key}: must be true or false, got {show(got)}"
    if kind == "string_type":
        return f"{key}: must be text, got {show(got)}"
    if kind == "greater_than":
        return f"{key}: must be greater than {ctx.get('gt')}, got {show(got)}"
    if kind == "greater_than_equal":
        return f"{key}: must be at least {ctx.get('ge')}, got {show(got)}"
    if kind == "less_than":
        return f"{key}: must be less than {ctx.get('lt')}, got {show(got)}"
    if kind == "less_than_equal":
        return f"{key}: must be at most {ctx.get('le')}, got {show(got)}"
    if kind == "string_pattern_mismatch":
        if last == "id":
            return f"{key}: must be lower-case letters, digits and underscores, got {show(got)}"
        if last in ("email", "from"):
            return f"{key}: must be an e-mail address like desk@example.gov.cn, got {show(got)}"
        if last == "console_url":
            return f"{key}: must be an http:// or https:// address, got {show(got)}"
        return f"{key}: has the wrong format (expected HH:MM), got {show(got)}"
    if kind == "literal_error":
        return f"{key}: must be one of {ctx.get('expected')}, got {show(got)}"
    if kind.startswith("date_"):
        return f"{key}: must be an ISO date like 2027-01-01, got {show(got)}"
    if kind == "string_too_short":
        return f"{key}: must not be empty"
    return f"{key}: {err.get('msg', 'is invalid')}, got {show(got)}"


def _cross_check(data: dict[str, Any]) -> list[str]:
    """Checks that span keys: references between departments, routes, domains and numbers."""
    problems, ids = _check_departments(data.get("departments"))
    known = set(ids)
    domains, domain_problems = _domain_keys(data)
    problems.extend(domain_problems)
    problems.extend(_check_staff_channels(data))
    problems.extend(_check_routing(data, domains, known))
    problems.extend(_check_sla(data.get("sla"), domains))
    problems.extend(_check_faq(data.get("faq"), domains))
    problems.extend(_check_city(data.get("city")))
    return problems


def _check_departments(depts: Any) -> tuple[list[str], list[str]]:
    """Unique ids, known parents without loops, unambiguous aliases, one triage desk; and the ids."""
    problems: list[str] = []
    ids: list[str] = []
    parents: dict[str, Any] = {}
    triage: list[str] = []
    if isinstance(depts, list):
        for i, dept in enumerate(depts):
            if not isinstance(dept, dict):
                problems.append(f"departments.{i}: must be a mapping with an id, got {show(dept)}")
                continue
            dept_id = dept.get("id")
            if isinstance(dept_id, str):
                if dept_id in ids:
                    problems.append(f"departments.{i}.id: duplicate department id '{dept_id}'")
                ids.append(dept_id)
                parents[dept_id] = dept.get("parent")
                if dept.get("triage") is True:
                    triage.append(dept_id)
        for i, dept in enumerate(depts):
            if (
                isinstance(dept, dict)
                and isinstance(dept.get("parent"), str)
                and dept["parent"] not in ids
            ):
                problems.append(f"departments.{i}.parent: unknown department '{dept['parent']}'")
        named: dict[str, str] = {}
        for i, dept in enumerate(depts):
            if not isinstance(dept, dict) or not isinstance(dept.get("aliases"), list):
                continue
            for alias in dept["aliases"]:
                if not isinstance(alias, str):
                    continue
                other = named.setdefault(alias.lower(), str(dept.get("id")))
                if other != str(dept.get("id")):
                    problems.append(
                        f"departments.{i}.aliases: '{alias}' is already an alias of '{other}' "
                        "(a complaint naming it must accuse one department)"
                    )
        if ids and not triage:
            problems.append("departments: one department must be the triage desk (triage: true)")
        elif len(triage) > 1:
            problems.append(f"departments: only one triage desk is allowed, got {triage}")
        for dept_id in ids:
            seen, cur = {dept_id}, parents.get(dept_id)
            while isinstance(cur, str) and cur in parents:
                if cur in seen:
                    problems.append(
                        f"departments: parent chain of '{dept_id}' loops back on itself"
                    )
                    break
                seen.add(cur)
                cur = parents.get(cur)
    return problems, ids


def _check_routing(data: dict[str, Any], domains: tuple[str, ...], known: set[str]) -> list[str]:
    """Every domain routed to a known department, and location overrides that can match."""
    problems: list[str] = []
    routing = data.get("routing")
    if isinstance(routing, dict):
        for domain, dept_id in routing.items():
            if domain not in domains:
                problems.append(
                    f"routing.{domain}: '{domain}' is not a domain key of the taxonomy "
                    f"(known: {', '.join(domains)})"
                )
            if isinstance(dept_id, str) and known and dept_id not in known:
                problems.append(f"routing.{domain}: unknown department '{dept_id}'")
        for domain in domains:
            if domain not in routing:
                problems.append(f"routing.{domain}: is required (every domain needs a department)")

    rules = data.get("routing_rules")
    if isinstance(rules, dict) and isinstance(rules.get("location_overrides"), list):
        for i, ov in enumerate(rules["location_overrides"]):
            if not isinstance(ov, dict):
                continue
            if not ov.get("district") and not ov.get("street"):
                problems.append(
                    f"routing_rules.location_overrides.{i}: needs a district or a street to match"
                )
            if isinstance(ov.get("department"), str) and known and ov["department"] not in known:
                problems.append(
                    f"routing_rules.location_overrides.{i}.department: "
                    f"unknown department '{ov['department']}'"
                )
            for dom in ov.get("domains") or []:
                if dom not in domains:
                    problems.append(
                        f"routing_rules.location_overrides.{i}.domains: "
                        f"'{dom}' is not a domain key of the taxonomy"
                    )
    return problems


def _check_sla(sla: Any, domains: tuple[str, ...]) -> list[str]:
    """First-response hours per urgency, resolution overrides on known keys, warning fractions."""
    problems: list[str] = []
    if isinstance(sla, dict):
        frh = sla.get("first_response_hours")
        if isinstance(frh, dict):
            for urgency, hours in frh.items():
                if urgency not in URGENCIES:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: '{urgency}' is not an "
                        f"urgency key (known: {', '.join(URGENCIES)})"
                    )
                elif isinstance(hours, (int, float)) and not isinstance(hours, bool) and hours <= 0:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: must be a positive "
                        f"number of hours or null, got {show(hours)}"
                    )
            for urgency in URGENCIES:
                if urgency not in frh:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: is required "
                        "(a number of hours, or null for none)"
                    )
        for i, ov in enumerate(sla.get("resolution_overrides") or []):
            if isinstance(ov, dict):
                if ov.get("domain") is not None and ov["domain"] not in domains:
                    problems.append(
                        f"sla.resolution_overrides.{i}.domain: "
                        f"'{ov['domain']}' is not a domain key of the taxonomy"
                    )
                if ov.get("kind") is not None and ov["kind"] not in KINDS:
                    problems.append(
                        f"sla.resolution_overrides.{i}.kind: "
                        f"'{ov['kind']}' is not a kind key of the taxonomy"
                    )
        warn = sla.get("warn_at")
        if isinstance(warn, list):
            for i, frac in enumerate(warn):
                if not isinstance(frac, (int, float)) or isinstance(frac, bool) or not 0 < frac < 1:
                    problems.append(
                        f"sla.warn_at.{i}: must be a fraction between 0 and 1, got {show(frac)}"
                    )
    return problems


def _check_city(city: Any) -> list[str]:
    problems: list[str] = []
    if isinstance(city, dict) and isinstance(city.get("timezone"), str):
        try:
            zoneinfo.ZoneInfo(city["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"city.timezone: unknown time zone '{city['timezone']}'")
    return problems


def _domain_keys(data: dict[str, Any]) -> tuple[tuple[str, ...], list[str]]:
    """The config's domain keys (taxonomy.domains, else the shipped ones) and their problems."""
    taxonomy = data.get("taxonomy")
    entries = taxonomy.get("domains") if isinstance(taxonomy, dict) else None
    if not isinstance(entries, list):
        return DOMAINS, []
    keys = [e["key"] for e in entries if isinstance(e, dict) and isinstance(e.get("key"), str)]
    problems = [
        f"taxonomy.domains: duplicate domain key '{k}'"
        for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    if "other" not in keys:
        problems.append(
            "taxonomy.domains: needs the key 'other' (what the triage desk receives when "
            "nothing else fits)"
        )
    return tuple(dict.fromkeys(keys)), problems


def _check_faq(faq: Any, domains: tuple[str, ...]) -> list[str]:
    """Each FAQ entry: a unique id, patterns that compile (at least one), a known domain."""
    problems: list[str] = []
    if not isinstance(faq, list):
        return problems
    seen: set[str] = set()
    for i, entry in enumerate(faq):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problems.append(f"faq.{i}.id: duplicate FAQ id '{entry['id']}'")
            seen.add(entry["id"])
        if entry.get("domain") is not None and entry["domain"] not in domains:
            problems.append(
                f"faq.{i}.domain: '{entry['domain']}' is not a domain key of the taxonomy"
            )
        patterns = entry.get("patterns")
        if not isinstance(patterns, dict):
            continue
        count = 0
        for lang in ("zh", "en"):
            values = patterns.get(lang)
            if not isinstance(values, list):
                continue
            for j, pattern in enumerate(values):
                if not isinstance(pattern, str):
                    continue
                count += 1
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(
                        f"faq.{i}.patterns.{lang}.{j}: not a valid regular expression ({exc})"
                    )
        if count == 0:
            problems.append(f"faq.{i}.patterns: needs at least one pattern (zh or en)")
    return problems


def _check_staff_channels(data: dict[str, Any]) -> list[str]:
    """E-mail addresses need an SMTP server to send them through."""
    notify = data.get("notify")
    has_smtp = isinstance(notify, dict) and isinstance(notify.get("smtp"), dict)
    depts = data.get("departments")
    if has_smtp or not isinstance(depts, list):
        return []
    return [
        f"departments.{i}.email: staff e-mail needs an SMTP server; "
        "set notify.smtp (host, port, from)"
        for i, dept in enumerate(depts)
        if isinstance(dept, dict) and dept.get("email")
    ]
