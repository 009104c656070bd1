from __future__ import annotations

import pytest

from minsheng.services.calendar_files import load_work_calendar
from routing.calendar import WorkCalendar


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    """The calendar shipped with the project (no operator file, no overrides)."""
    return load_work_calendar()
