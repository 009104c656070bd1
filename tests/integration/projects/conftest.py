"""The project service tests start in June of the plan year."""

from __future__ import annotations

from typing import Any

import pytest
from project_factories import at


@pytest.fixture
def june(clock: Any) -> Any:
    at(clock, 2026, 6, 1)
    return clock
