"""Bulk import of a household register (批量导入): a dry run reports, a real run applies.

The file is read row by row and handled household by household: the rows of one household (its
户编号 in its village, on consecutive rows) are checked together and, in a real run, applied in one
transaction of their own, so a bad household never blocks the good ones. Households are planned
in batches (a few hundred rows) to keep the reads few; memory holds one batch, never the file.
A household whose rows appear again later in the file is updated by them.

Per row the report says create, update, unchanged or rejected, and why. A row is rejected when a
cell is unreadable or breaks a register rule, when its ID number appears on an earlier row of the
file, or when a live member of another household already holds it (the report names that
household's village only when it is inside the importer's scope). A new household needs its head's
(户主) row. The ID numbers an import checks, dry runs included, count against the importer's daily
allowance batch by batch and are audited once per import (``households.id_checks``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from itertools import chain, groupby
from pathlib import Path

import structlog
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.intake.households.id_checks import audit_lookups, take_lookups
from services.intake.households.models import Household
from services.intake.households.repository import HouseholdRepository, MemberRepository
from services.intake.households.service import (
    new_member,
    publish_household_changed,
    set_phone,
)
from services.intake.imports.planning import (
    HouseholdPlan,
    ImportState,
    plan_batch,
    result_row,
)
from services.intake.imports.reader import ImportLimits, ImportReader
from services.intake.imports.report import ReportWriter
from services.intake.imports.rows import ParsedRow, parse_row
from services.intake.imports.schemas import ImportSummary, RowAction
from shared.data.database import AppSession, Database
from shared.domain.clock import clock
from shared.domain.enums import Relation
from shared.runtime.jobs import JobCancelled
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

log = structlog.get_logger(__name__)

BATCH_ROWS = 500


class _HouseholdGone(Exception):
    """The household a plan updates is no longer there (its creation earlier in the file failed)."""


class ImportStopped(Exception):
    """A real run stopped before the end of the file; ``summary`` completes the report written so far."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__(summary.stopped)
        self.summary = summary


async def import_households(db: Database, *, principal: Principal, path: Path, file_format: str, dry_run: bool,
                            cipher: FieldCipher, report: ReportWriter, request_id: str | None = None,
                            on_batch: Callable[[int], Awaitable[None]] | None = None,
                            limits: ImportLimits | None = None) -> ImportSummary:
    """Read the file, plan it batch by batch and (unless a dry run) apply each household; report each row."""
    state = ImportState(principal=principal, cipher=cipher)
    summary = ImportSummary(dry_run=dry_run, format=file_format)
    reader = ImportReader(path, file_format, limits)
    if not dry_run:
        await asyncio.to_thread(reader.check_file)
    batches = _batches(reader)
    # What of the file is read but not reported yet: planned households, then households not planned.
    plans: list[HouseholdPlan] = []
    unplanned: list[list[ParsedRow]] = []
    looked_up = 0
    try:
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            unplanned = batch
            numbers = sum(1 for rows in batch for row in rows if row.member is not None)
            take_lookups(db, principal=principal, count=numbers, bulk=True)  # a 429 before the batch is read
            looked_up += numbers
            async with db.session(principal, request_id=request_id) as session:
                plans = await plan_batch(state, session, batch)
            unplanned = []
            while plans:
                if plans[0].writes and not dry_run:
                    await _apply_in_transaction(db, state, plans[0], request_id)
                _report(summary, report, plans.pop(0))
            if on_batch is not None:
                await on_batch(summary.rows)  # a job's progress, and its safe point for a cancel
    except Exception as exc:
        if dry_run:
            raise
        await asyncio.to_thread(_report_not_applied, summary, report, plans, chain([unplanned], batches), exc)
        summary.ignored_columns = reader.ignored_columns
        raise ImportStopped(summary) from exc
    finally:
        if looked_up:  # what was checked is audited however the import ends
            await audit_lookups(db, principal=principal, count=looked_up, via="households.import",
                                request_id=request_id, dry_run=dry_run)
    summary.ignored_columns = reader.ignored_columns
    return summary


def _report(summary: ImportSummary, report: ReportWriter, plan: HouseholdPlan) -> None:
    _count(summary, plan)
    for result in plan.results:
        report.write(result)


def _report_not_applied(summary: ImportSummary, report: ReportWriter, plans: list[HouseholdPlan],
                        batches: Iterator[list[list[ParsedRow]]], cause: Exception) -> None:
    """Finish the report of a stopped run: each row not applied, to the end of the file, with the reason."""
    if isinstance(cause, JobCancelled):
        summary.stopped = "cancelled on request"
    else:
        summary.stopped = f"stopped by an error ({type(cause).__name__}); import the file again to apply the rest"
    reason = f"not applied: the run was {summary.stopped.split(';')[0]} before this row's household"
    for plan in plans:
        # A planned household keeps the rejections it was planned with; its other rows were not applied.
        for row, result in zip(plan.rows, plan.results or [None] * len(plan.rows), strict=True):
            if result is None or result.action is not RowAction.REJECTED:
                result = result_row(row, None, RowAction.NOT_APPLIED, reason)
            _report_row(summary, report, result)
    try:
        for batch in batches:
            for rows in batch:
                for row in rows:
                    _report_row(summary, report, result_row(row, None, RowAction.NOT_APPLIED, reason))
    except Exception as exc:  # noqa: BLE001 - the report says where listing stopped, the run's cause stands
        summary.stopped += f"; the rows after the {summary.rows} listed could not be read ({type(exc).__name__})"


def _report_row(summary: ImportSummary, report: ReportWriter, result) -> None:
    summary.rows += 1
    if result.action is RowAction.REJECTED:
        summary.rejected_rows += 1
    else:
        summary.rows_not_applied += 1
    report.write(result)


def _batches(reader: ImportReader) -> Iterator[list[list[ParsedRow]]]:
    """Households (consecutive rows of one village and 户编号) gathered into batches of about BATCH_ROWS rows."""
    parsed = (parse_row(row, cells) for row, cells in reader.rows())
    batch: list[list[ParsedRow]] = []
    size = 0
    for _, rows in groupby(parsed, key=lambda row: row.key):
        household = list(rows)
        batch.append(household)
        size += len(household)
        if size >= BATCH_ROWS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


async def _apply_in_transaction(db: Database, state: ImportState, plan: HouseholdPlan, request_id: str | None
                                ) -> None:
    try:
        async with db.transaction(state.principal, request_id=request_id) as session:
            await _apply(session, state, plan)
    except (IntegrityError, _HouseholdGone):
        # Another writer took the household number or an ID number after the plan was made.
        state.created.pop(plan.key, None)
        plan.reject_all("conflicted with a change to the register made meanwhile; import this household again")
    except DBAPIError as exc:
        # SQLSTATE class 22 (data exception): a value the row checks let through and the database
        # refuses. Only this household's transaction is lost; the run goes on.
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig.__cause__, "sqlstate", "") or "")
        if exc.connection_invalidated or not sqlstate.startswith("22"):
            raise
        log.warning("import_household_refused", sqlstate=sqlstate)
        state.created.pop(plan.key, None)
        plan.reject_all(f"the database refused a value of this household (SQLSTATE {sqlstate}); none of it was "
                        "stored")


async def _apply(session: AppSession, state: ImportState, plan: HouseholdPlan) -> None:
    now = clock.now()
    if plan.household_action is RowAction.CREATE:
        household = Household(id=plan.household_id, org_code=plan.village.org_code,
                              household_number=plan.rows[0].household_number, head_name="", household_kinds=[],
                              key_target_groups=[])
        session.add(household)
        live = []
    else:
        household = await HouseholdRepository(session).get_for_update(plan.household_id)
        if household is None:
            raise _HouseholdGone()
        live = (await MemberRepository(session).live_of([household.id]))[household.id]
    for name, value in plan.household_values.items():
        setattr(household, name, value)
    for member in live:
        _update_member(state.cipher, member, plan.member_updates.get(member.id, {}), now)
    added = [new_member(household, data, state.cipher) for data in plan.new_members]
    session.add_all(added)
    head = next((m for m in [*live, *added] if m.relation == Relation.HEAD), None)
    household.head_name = head.name if head is not None else household.head_name
    household.updated_at = now
    await session.flush()
    change = "created" if plan.household_action is RowAction.CREATE else "updated"
    await publish_household_changed(session, household, [*live, *added], change=change)


def _update_member(cipher: FieldCipher, member, changes: dict, now) -> None:
    if not changes:
        return
    changes = dict(changes)
    if "phone" in changes:
        set_phone(member, changes.pop("phone"), cipher)
    for name, value in changes.items():
        setattr(member, name, value)
    member.updated_at = now


def _count(summary: ImportSummary, plan: HouseholdPlan) -> None:
    summary.rows += len(plan.rows)
    household = {RowAction.CREATE: "households_created", RowAction.UPDATE: "households_updated",
                 RowAction.UNCHANGED: "households_unchanged"}.get(plan.household_action)
    if household:
        setattr(summary, household, getattr(summary, household) + 1)
    for result in plan.results:
        name = {RowAction.CREATE: "members_created", RowAction.UPDATE: "members_updated",
                RowAction.UNCHANGED: "members_unchanged", RowAction.REJECTED: "rejected_rows",
                RowAction.NOT_APPLIED: "rows_not_applied"}[result.action]
        setattr(summary, name, getattr(summary, name) + 1)
