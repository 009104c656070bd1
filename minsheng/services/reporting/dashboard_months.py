"""The months a dashboard covers, and the scope its figures are cut to (a supervisor's own
departments and those under it; None means the whole city)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from routing import rates

MAX_MONTHS = 24


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def start(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=tz)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def period(self, tz: dt.tzinfo) -> rates.Period:
        return rates.Period(start=self.start(tz), end=self.next().start(tz))

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.split("-"))
            if not 1 <= month <= 12 or not 1900 <= year <= 9999:
                raise ValueError
        except ValueError:
            raise InvalidRequest(f"'{text}' is not a month (YYYY-MM)") from None
        return cls(year, month)


def months_ending(app: App, last: str | None = None, count: int = 6) -> list[Month]:
    """`count` consecutive months ending with `last` (default: the current local month)."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidRequest(f"between 1 and {MAX_MONTHS} months can be shown")
    if last:
        end = Month.parse(last)
    else:
        today = app.now().astimezone(app.tz).date()
        end = Month(today.year, today.month)
    first_index = end.year * 12 + end.month - 1 - (count - 1)
    return [Month(i // 12, i % 12 + 1) for i in range(first_index, first_index + count)]


def in_scope(department: str | None, scope: Collection[str] | None) -> bool:
    return scope is None or (department or "") in scope


def month_key(moment: dt.datetime, tz: dt.tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"
