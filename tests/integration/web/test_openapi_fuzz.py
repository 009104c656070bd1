"""Generated requests against every operation in /openapi.json: none may end in a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from minsheng.services.access import staff
from minsheng.services.casework import submission
from minsheng.web.app import create_app

EXAMPLES_PER_OPERATION = 15


def test_no_generated_request_ends_in_a_server_error(sqlite_app: Any, tmp_path: Path) -> None:
    sqlite_app.settings = sqlite_app.settings.model_copy(update={"base_dir": tmp_path})
    for domain in ("housing", "other", "utilities"):
        submission.submit(
            sqlite_app,
            submission.Intake(text="楼道灯坏了", domain=domain, urgency="high", kind="demand"),
        )
    creds = staff.add_staff(sqlite_app, name="管理员", department="supervision", role="admin")
    # Signed in as an administrator, so requests reach the handlers behind the token check.
    headers = {"Authorization": f"Bearer {creds.token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(sqlite_app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    failures: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} "
                    f"{case.body!r} -> {response.status_code}"
                )

        no_server_error()
    assert failures == []
