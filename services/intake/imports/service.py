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

from collections.abc import Awaitable, Callable, Iterator
from itertools import groupby
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from services.intake.households.id_checks import audit_lookups, take_lookups
from services.intake.households.models import Household
from services.intake.households.repository import HouseholdRepository, MemberRepository
from services.intake.households.service import (
    new_member,
    publish_household_changed,
    set_phone,
)
from services.intake.imports.planning import HouseholdPlan, ImportState, plan_batch
from services.intake.imports.reader import ImportReader
from services.intake.imports.report import ReportWriter
from services.intake.imports.rows import ParsedRow, parse_row
from services.intake.imports.schemas import ImportSummary, RowAction
from shared.data.database import AppSession, Database
from shared.domain.clock import clock
from shared.domain.enums import Relation
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

BATCH_ROWS = 500


class _HouseholdGone(Exception):
    """The household a plan updates is no longer there (its creation earlier in the file failed)."""


async def import_households(db: Database, *, principal: Principal, path: Path, file_format: str, dry_run: bool,
                            cipher: FieldCipher, report: ReportWriter, request_id: str | None = None,
                            on_batch: Callable[[int], Awaitable[None]] | None = None) -> ImportSummary:
    """Read the file, plan it batch by batch and (unless a dry run) apply each household; report each row."""
    state = ImportState(principal=principal, cipher=cipher)
    summary = ImportSummary(dry_run=dry_run, format=file_format)
    reader = ImportReader(path, file_format)
    looked_up = 0
    try:
        for batch in _batches(reader):
            numbers = sum(1 for rows in batch for row in rows if row.member is not None)
            take_lookups(db, principal=principal, count=numbers, bulk=True)  # a 429 before the batch is read
            looked_up += numbers
            async with db.session(principal, request_id=request_id) as session:
                plans = await plan_batch(state, session, batch)
            for plan in plans:
                if plan.writes and not dry_run:
                    await _apply_in_transaction(db, state, plan, request_id)
                _count(summary, plan)
                for result in plan.results:
                    report.write(result)
            if on_batch is not None:
                await on_batch(summary.rows)  # a job's progress, and its safe point for a cancel
    finally:
        if looked_up:  # what was checked is audited however the import ends
            await audit_lookups(db, principal=principal, count=looked_up, via="households.import",
                                request_id=request_id, dry_run=dry_run)
    summary.ignored_columns = reader.ignored_columns
    return summary


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
    await publish_household_changed(session, household, len(live) + len(added), change=change)


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
                RowAction.UNCHANGED: "members_unchanged", RowAction.REJECTED: "rejected_rows"}[result.action]
        setattr(summary, name, getattr(summary, name) + 1)
