"""All SQL of assessments.

ORM selects are held to the caller's org prefix by the session's scope listener. The bulk
statements of a reassessment are Core and text statements, which that listener never sees (it
rewrites ORM entities only) and which bypass the flush guard (they add no ORM objects): every one
of them takes the org prefix explicitly, and the service checks the caller's role and scope before
calling them.

Per chunk a reassessment reads the latest rows (keyset by household), takes their latest flag off
in one UPDATE and writes the new rows in one INSERT … SELECT that copies the old rows' inputs
inside the database. On PostgreSQL the computed values travel as one array per column (one
execution per chunk); elsewhere (SQLite, embedded) the same statement is executed per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.dialects import postgresql

from services.income.assessments.models import (
    Assessment,
    AssessmentBasis,
    AssessmentOrigin,
)
from shared.data.database import AppSession

TABLE = Assessment.__table__


# --- the statements of a reassessment ------------------------------------------------------------

# What a reassessment reads of each latest row: the inputs of the computation, not what it copies
# (``bracket_inputs`` is the stored inputs' JSON text, for ticked brackets only).
_CHUNK_COLUMNS = [
    *(TABLE.c[name] for name in ("id", "household_id", "org_code", "basis", "ruleset_region", "ruleset_version",
                                 "member_months", "net_income", "compliant_expenses", "bracket", "below_13000",
                                 "below_monitoring_line", "in_low_income_group", "income_class")),
    sa.case((TABLE.c.basis == AssessmentBasis.BRACKET.value, sa.cast(TABLE.c.inputs, sa.Text)),
            else_=sa.null()).label("bracket_inputs"),
]
REASSESSED = ("id", "ruleset_region", "ruleset_version", "assessed_at", "assessed_by", "reassessment_id",
              "per_capita_net_income", "per_capita_after_compliant_expenses", "bracket", "below_monitoring_line",
              "in_low_income_group", "classification_certain", "income_class", "previous_class", "explanation")
"""The columns of a reassessed row that come from the computation; the rest are the old row's."""
_SAME_FOR_THE_CHUNK = ("assessed_at", "assessed_by", "reassessment_id")
_PER_ROW = tuple(name for name in REASSESSED if name not in _SAME_FOR_THE_CHUNK)
_CARRIED = ("org_code", "household_id", "year", "basis", "observed_at", "member_months", "net_income",
            "compliant_expenses", "below_13000", "inputs")
_TARGET_COLUMNS = (*REASSESSED, *_CARRIED, "origin", "is_latest", "previous_assessment_id")


def _carry_forward() -> sa.Insert:
    """INSERT … SELECT, executed once per row of the chunk (executemany): the computed values as
    parameters, everything else, inputs included, copied from the old row inside the database."""
    old = TABLE.alias("old")
    computed = [sa.bindparam(name, type_=TABLE.c[name].type) for name in REASSESSED]
    source = (select(*computed, *(old.c[name] for name in _CARRIED), sa.literal(AssessmentOrigin.REASSESSMENT.value),
                     sa.true(), old.c.id)
              .where(old.c.id == sa.bindparam("previous_assessment_id", type_=sa.Uuid()),
                     old.c.org_code.like(sa.bindparam("org_pattern", type_=sa.String()))))
    return insert(TABLE).from_select(_TARGET_COLUMNS, source)


def _carry_forward_unnest() -> sa.TextClause:
    """The same on PostgreSQL in ONE execution per chunk: each computed column arrives as an array,
    ``unnest`` turns the arrays back into rows and a join fetches the old rows."""
    selected = [f":{name}" if name in _SAME_FOR_THE_CHUNK else f"v.{name}" for name in REASSESSED]
    selected += [f"old.{name}" for name in _CARRIED] + [":origin", "true", "old.id"]
    arrays = [*_PER_ROW, "previous_assessment_id"]
    statement = sa.text(
        f"INSERT INTO income_assessments ({', '.join(_TARGET_COLUMNS)}) "
        f"SELECT {', '.join(selected)} "
        f"FROM unnest({', '.join(f':{name}' for name in arrays)}) AS v({', '.join(arrays)}) "
        "JOIN income_assessments AS old ON old.id = v.previous_assessment_id "
        "WHERE old.org_code LIKE :org_pattern"
    )
    return statement.bindparams(
        *(sa.bindparam(name, type_=postgresql.ARRAY(TABLE.c[name].type)) for name in arrays),
        *(sa.bindparam(name, type_=TABLE.c[name].type) for name in _SAME_FOR_THE_CHUNK),
        sa.bindparam("origin", type_=sa.String()), sa.bindparam("org_pattern", type_=sa.String()),
    )


_CARRY_FORWARD = _carry_forward()
_CARRY_FORWARD_UNNEST = _carry_forward_unnest()
_RETIRE_ANY = sa.text(
    "UPDATE income_assessments SET is_latest = false "
    "WHERE id = ANY(:ids) AND is_latest AND org_code LIKE :org_pattern RETURNING id"
).bindparams(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Uuid())), sa.bindparam("org_pattern", type_=sa.String()))


class AssessmentRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    # --- single rows (ORM, scoped) --------------------------------------------------------------

    def add(self, assessment: Assessment) -> None:
        self.session.add(assessment)

    async def get(self, assessment_id: uuid.UUID) -> Assessment | None:
        return (await self.session.scalars(select(Assessment).where(Assessment.id == assessment_id))).first()

    async def for_household(self, household_id: uuid.UUID) -> list[Assessment]:
        """Every assessment of a household the caller may see, newest first."""
        query = (select(Assessment).where(Assessment.household_id == household_id)
                 .order_by(Assessment.year.desc(), Assessment.observed_at.desc(), Assessment.assessed_at.desc()))
        return list((await self.session.scalars(query)).all())

    # --- unscoped lookups: consistency across org units, never returned to a caller as such ------

    async def by_source_visit(self, visit_id: uuid.UUID) -> Assessment | None:
        query = select(Assessment).where(Assessment.source_visit_id == visit_id).execution_options(skip_scope=True)
        return (await self.session.scalars(query)).first()

    async def latest(self, household_id: uuid.UUID, year: int) -> Assessment | None:
        query = (select(Assessment)
                 .where(Assessment.household_id == household_id, Assessment.year == year, Assessment.is_latest)
                 .execution_options(skip_scope=True))
        return (await self.session.scalars(query)).first()

    # --- pages of latest assessments (ORM, scoped) ---------------------------------------------

    async def latest_page(self, year: int, *, after: uuid.UUID | None, limit: int) -> list[Assessment]:
        """Latest assessments of ``year`` with a figure, in household order after ``after``."""
        query = select(Assessment).where(Assessment.year == year, Assessment.is_latest,
                                         Assessment.per_capita_net_income.is_not(None))
        if after is not None:
            query = query.where(Assessment.household_id > after)
        query = query.order_by(Assessment.household_id).limit(limit)
        return list((await self.session.scalars(query)).all())

    async def latest_of(self, year: int, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Assessment]:
        if not household_ids:
            return {}
        query = select(Assessment).where(Assessment.year == year, Assessment.is_latest,
                                         Assessment.household_id.in_(household_ids))
        return {row.household_id: row for row in (await self.session.scalars(query)).all()}

    async def changed_by_reassessment(self, reassessment_id: uuid.UUID, *, after: uuid.UUID | None,
                                      limit: int) -> list[Assessment]:
        query = select(Assessment).where(Assessment.reassessment_id == reassessment_id,
                                         Assessment.previous_class.is_not(None))
        if after is not None:
            query = query.where(Assessment.household_id > after)
        query = query.order_by(Assessment.household_id).limit(limit)
        return list((await self.session.scalars(query)).all())

    # --- bulk (Core, explicit prefix) ------------------------------------------------------------

    async def count_latest(self, year: int, *, prefix: str) -> int:
        """How many latest assessments of ``year`` lie under ``prefix`` (a reassessment's total)."""
        query = select(func.count()).select_from(TABLE).where(TABLE.c.year == year, TABLE.c.is_latest,
                                                              TABLE.c.org_code.like(f"{prefix}%"))
        return (await self.session.execute(query)).scalar_one()

    async def latest_chunk(self, year: int, *, prefix: str, after: uuid.UUID | None,
                           limit: int) -> Sequence[RowMapping]:
        """The next ``limit`` latest assessments of ``year`` under ``prefix``, keyset by household."""
        query = select(*_CHUNK_COLUMNS).where(TABLE.c.year == year, TABLE.c.is_latest,
                                              TABLE.c.org_code.like(f"{prefix}%"))
        if after is not None:
            query = query.where(TABLE.c.household_id > after)
        query = query.order_by(TABLE.c.household_id).limit(limit)
        return (await self.session.execute(query)).mappings().all()

    async def retire(self, ids: Iterable[uuid.UUID], *, prefix: str) -> set[uuid.UUID]:
        """Take the latest flag off these rows; returns those that still had it (others moved on)."""
        ids = list(ids)
        if not ids:
            return set()
        if self._on_postgresql:
            result = await self.session.execute(_RETIRE_ANY, {"ids": ids, "org_pattern": f"{prefix}%"})
            return set(result.scalars().all())
        statement = (update(TABLE)
                     .where(TABLE.c.id.in_(ids), TABLE.c.is_latest, TABLE.c.org_code.like(f"{prefix}%"))
                     .values(is_latest=False).returning(TABLE.c.id))
        return set((await self.session.execute(statement)).scalars().all())

    async def insert_reassessed(self, rows: list[dict[str, Any]], *, prefix: str) -> None:
        """The new rows of a chunk, each ``REASSESSED`` values plus ``previous_assessment_id``; the old
        rows' other columns are copied in the database, and only from rows under ``prefix``."""
        if not rows:
            return
        pattern = f"{prefix}%"
        if self._on_postgresql:
            arrays = {name: [row[name] for row in rows] for name in (*_PER_ROW, "previous_assessment_id")}
            constants = {name: rows[0][name] for name in _SAME_FOR_THE_CHUNK}
            await self.session.execute(_CARRY_FORWARD_UNNEST, {**arrays, **constants, "org_pattern": pattern,
                                                               "origin": AssessmentOrigin.REASSESSMENT.value})
        else:
            await self.session.execute(_CARRY_FORWARD, [{**row, "org_pattern": pattern} for row in rows])

    @property
    def _on_postgresql(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"
