"""Many rows as one JSON parameter, for PostgreSQL.

A multi-row VALUES gives SQLAlchemy a statement it never caches and psycopg one it parses
again whenever it has more than 50 parameters; `json_to_recordset` over one parameter has the
same shape whatever the number of rows. Each row is typed by its table's columns, and `n`
keeps the rows in the order they were given (ids then ascend in that order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Integer, Table, bindparam, column, func
from sqlalchemy import cast as sql_cast


def rows_from(table: Table, columns: Sequence[str], name: str) -> Any:
    """A FROM of the rows in the JSON parameter `name`, with `columns` and `n` (0, 1, ...)."""
    return (
        func.json_to_recordset(sql_cast(bindparam(name, type_=JSON), JSON))
        .table_valued(*(column(k, table.c[k].type) for k in columns), column("n", Integer()))
        .render_derived(with_types=True)
    )


def as_parameter(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the JSON the parameter carries (times as ISO 8601 with their offset)."""
    return [
        {
            "n": n,
            **{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()},
        }
        for n, row in enumerate(rows)
    ]
