"""Column helpers of the intake tables: multi-select code lists and unique-violation recognition."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator


class CodeList(TypeDecorator):
    """A multi-select of enumeration codes stored as ``,a,b,`` text.

    The delimited form lets ``column.contains(",monitored,")`` filter by one choice with a plain
    LIKE that PostgreSQL and SQLite run alike, where JSON containment would differ per dialect.
    A plain string bound against the column (the LIKE pattern) passes through unchanged.
    """

    impl = sa.String(400)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[override]
        if value is None or isinstance(value, str):
            return value
        codes = [str(getattr(code, "value", code)) for code in value]
        return "," + ",".join(codes) + "," if codes else ""

    def process_result_value(self, value, dialect):  # type: ignore[override]
        if not value:
            return []
        return [code for code in value.split(",") if code]


def contains_code(column, code: object) -> sa.ColumnElement[bool]:
    """``column`` (a :class:`CodeList`) includes ``code``."""
    return column.contains(f",{getattr(code, 'value', code)},")


def violates(exc: IntegrityError, constraint: str, columns: Iterable[str] = ()) -> bool:
    """Whether ``exc`` is the violation of ``constraint`` (PostgreSQL names it; SQLite names columns)."""
    message = str(exc.orig)
    if constraint in message:
        return True
    return bool(columns) and "UNIQUE constraint failed" in message and all(col in message for col in columns)
