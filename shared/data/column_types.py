"""Column types that behave the same on PostgreSQL and on the embedded SQLite files."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from shared.domain.money import to_fen

SHANGHAI = ZoneInfo("Asia/Shanghai")

# JSON documents: JSONB on PostgreSQL (indexable), plain JSON text elsewhere.
JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


class AwareDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware: stored in UTC, read back in Asia/Shanghai."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(SHANGHAI)


class Money(TypeDecorator):
    """Exact yuan amounts to the fen: NUMERIC on PostgreSQL, text on SQLite (which has no decimal)."""

    impl = sa.Numeric(16, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.Numeric(16, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        amount = to_fen(Decimal(value))
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):  # type: ignore[override]
        return None if value is None else to_fen(Decimal(value))


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
