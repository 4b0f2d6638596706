"""Streaming the two ledgers into workbooks (``services.ledger.exports.workbook``: rows go to disk as they come).

Chosen by measurement (``bench/ledger_export.py``): on the same rows, xlsxwriter's constant-memory mode
took 4 to 14 times as long as CSV, most of it building each cell in Python; the lean writer of this
package takes under 3 times (figures in the README's Benchmarks).

Rows are read from the database a partition at a time as plain tuples (no ORM objects, so nothing
accumulates in the session), and each partition is written before the next is read: memory stays
flat however long the ledger. What repeats from row to row (the place names of an org code, the
labels of a level, type or category) is worked out once per export; only the free text of a row
goes through ``shared.exports.spreadsheet_cell``. The session's scope applies to these reads as to
any other, so a caller exports only their own org units. Nothing sensitive is in the ledger to begin
with (it never receives an ID number or a phone).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from services.ledger.campaigns.models import Campaign
from services.ledger.campaigns.service import campaign_on, get_campaign
from services.ledger.exports.layout import (
    PROBLEM_HEADERS,
    RECTIFICATION_HEADERS,
    problem_title,
    rectification_title,
)
from services.ledger.exports.names import NONE, OrgNames
from services.ledger.exports.schemas import ExportFilters
from services.ledger.exports.workbook import SheetWriter
from services.ledger.problems.models import Problem
from services.ledger.problems.repository import ProblemFilter
from services.ledger.problems.schemas import type_label
from services.ledger.rectifications.models import ProgressNote, Rectification
from services.ledger.rectifications.repository import RectificationFilter
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.enums import (
    LedgerHouseholdCategory,
    ProblemLevel,
    ProblemStatus,
    RectificationStatus,
    Role,
    VerificationResult,
)
from shared.errors import Conflict, InvalidInput, NotFound
from shared.exports import spreadsheet_cell
from shared.security.auth import Principal

PARTITION = 2000

_PROBLEM_COLUMNS = (Problem.org_code, Problem.level, Problem.problem_type, Problem.description, Problem.group_name,
                    Problem.head_name, Problem.category, Problem.verification_result, Problem.verification_reason,
                    Problem.remarks)
_RECTIFICATION_COLUMNS = (Rectification.id, Rectification.org_code, Problem.level, Problem.problem_type,
                          Problem.description, Problem.head_name, Problem.category, Rectification.measures,
                          Rectification.responsible_unit, Rectification.due_on, Rectification.status,
                          Rectification.result, Rectification.remarks, Rectification.extension_reason)


class _Cells:
    """The cells of an export that repeat from row to row, each worked out (and neutralised) once."""

    def __init__(self, names: OrgNames) -> None:
        self.names = names
        self._places: dict[tuple[str, str], list[str]] = {}
        self._types: dict[tuple[str, str], str] = {}
        self._categories: dict[tuple[str, str | None], str] = {}

    def places(self, org_code: str, level: str) -> list[str]:
        """区县, 问题层级, 乡镇, 村 of a row."""
        key = (org_code, level)
        found = self._places.get(key)
        if found is None:
            names = self.names
            found = self._places[key] = [
                text(names.district(org_code)), ProblemLevel(level).label, text(names.township(org_code)),
                text(names.village(org_code))]
        return found

    def problem_type(self, level: str, kind: str) -> str:
        key = (level, kind)
        found = self._types.get(key)
        if found is None:
            found = self._types[key] = text(type_label(level, kind))
        return found

    def category(self, level: str, code: str | None) -> str:
        key = (level, code)
        found = self._categories.get(key)
        if found is None:
            found = self._categories[key] = _category(level, code)
        return found


def text(value: str | None) -> str:
    """Free text as the workbook stores it: neutralised against formulas (``shared.exports``), None as empty."""
    return spreadsheet_cell(value) if value else ""


def _household_part(level: str, value: str | None) -> str:
    return text(value) if level == ProblemLevel.HOUSEHOLD else NONE


def _category(level: str, code: str | None) -> str:
    if level != ProblemLevel.HOUSEHOLD:
        return NONE
    return LedgerHouseholdCategory(code).label if code else ""


def _problem_row(number: int, row, cells: _Cells) -> list:
    org, level, kind, description, group, head, category, result, reason, remarks = row
    mark = VerificationResult(result).mark if result else ""
    note = "；".join(part for part in (remarks, f"核实：{reason}" if reason else None) if part)
    return [number, *cells.places(org, level), _household_part(level, group), _household_part(level, head),
            cells.category(level, category), cells.problem_type(level, kind), text(description), mark, text(note)]


class _Sheet:
    """One worksheet written a partition at a time: the title row, the header row, then the ledger's rows."""

    def __init__(self, target: Path, name: str, title: str, headers: tuple[str, ...]) -> None:
        self.writer = SheetWriter(target, name, columns=len(headers))
        self.writer.append_rows([[text(title)], list(headers)])

    def append_all(self, rows: list[list]) -> None:
        self.writer.append_rows(rows)

    def close(self) -> None:
        self.writer.close()

    def discard(self) -> None:
        self.writer.discard()


async def _off_the_loop(function, *args) -> None:
    """Writing a partition, or zipping the workbook, is CPU work: it runs in a thread, so the process keeps
    answering other requests while a large ledger is written (one thread at a time touches the workbook)."""
    await asyncio.to_thread(function, *args)


Progress = Callable[[int], Awaitable[None]]


async def _write(session: AppSession, sheet: _Sheet, query, rows_of, progress: Progress | None) -> int:
    count = 0
    try:
        result = await session.stream(query.execution_options(yield_per=PARTITION))
        async for partition in result.partitions(PARTITION):
            rows = await rows_of(partition, count)
            count += len(rows)
            await _off_the_loop(sheet.append_all, rows)
            if progress is not None:
                await progress(count)
        await _off_the_loop(sheet.close)
    except BaseException:
        sheet.discard()
        raise
    return count


async def write_problems(session: AppSession, *, criteria: ProblemFilter, campaign: Campaign, names: OrgNames,
                         target: Path, progress: Progress | None = None) -> int:
    """附件3 of ``campaign`` for the problems ``criteria`` selects, into the file ``target``; returns the rows.

    ``progress`` is awaited with the rows written so far after each partition."""
    sheet = _Sheet(target, "疑似问题核实台账", problem_title(campaign.year, campaign.name), PROBLEM_HEADERS)
    query = criteria.apply(select(*_PROBLEM_COLUMNS)).order_by(Problem.org_code, Problem.recorded_at, Problem.id)
    cells = _Cells(names)

    async def rows_of(partition, count: int) -> list[list]:
        return [_problem_row(count + offset, row, cells) for offset, row in enumerate(partition, start=1)]

    return await _write(session, sheet, query, rows_of, progress)


async def count_problems(session: AppSession, *, criteria: ProblemFilter) -> int:
    """How many rows :func:`write_problems` would write for ``criteria`` (in the session's scope)."""
    return (await session.execute(criteria.apply(select(func.count()).select_from(Problem)))).scalar_one()


async def _progress_notes(session: AppSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    query = (select(ProgressNote.rectification_id, ProgressNote.written_at, ProgressNote.written_by_name,
                    ProgressNote.note).where(ProgressNote.rectification_id.in_(ids))
             .order_by(ProgressNote.rectification_id, ProgressNote.written_at, ProgressNote.id))
    notes: dict[uuid.UUID, list[str]] = defaultdict(list)
    for item_id, at, by, note in (await session.execute(query)).all():
        notes[item_id].append(f"{at.date().isoformat()} {by}：{note}")
    return {item_id: "\n".join(lines) for item_id, lines in notes.items()}


def _rectification_row(number: int, row, notes: dict[uuid.UUID, str], cells: _Cells) -> list:
    (item_id, org, level, kind, description, head, category, measures, unit, due_on, status, result, remarks,
     extension) = row
    outcome = text(result) if result else RectificationStatus(status).label
    note = "；".join(part for part in (remarks, f"延期：{extension}" if extension else None) if part)
    return [number, *cells.places(org, level), _household_part(level, head), cells.category(level, category),
            cells.problem_type(level, kind), text(description), text(measures), text(unit), due_on.isoformat(),
            text(notes.get(item_id)), outcome, text(note)]


def _rectification_query(criteria: RectificationFilter):
    return (criteria.apply(select(*_RECTIFICATION_COLUMNS).join(Problem, Problem.id == Rectification.problem_id))
            .order_by(Rectification.org_code, Rectification.due_on, Rectification.id))


async def write_rectifications(session: AppSession, *, criteria: RectificationFilter, campaign: Campaign,
                               names: OrgNames, target: Path, progress: Progress | None = None) -> int:
    """附件4 of ``campaign`` for the items ``criteria`` selects, into the file ``target``; returns the rows.

    ``progress`` is awaited with the rows written so far after each partition."""
    sheet = _Sheet(target, "发现问题整改台账", rectification_title(campaign.year, campaign.name), RECTIFICATION_HEADERS)
    cells = _Cells(names)

    async def rows_of(partition, count: int) -> list[list]:
        notes = await _progress_notes(session, [row[0] for row in partition])
        return [_rectification_row(count + offset, row, notes, cells) for offset, row in enumerate(partition, start=1)]

    return await _write(session, sheet, _rectification_query(criteria), rows_of, progress)


async def count_rectifications(session: AppSession, *, criteria: RectificationFilter) -> int:
    """How many rows :func:`write_rectifications` would write for ``criteria`` (in the session's scope)."""
    query = criteria.apply(select(func.count()).select_from(Rectification).join(
        Problem, Problem.id == Rectification.problem_id))
    return (await session.execute(query)).scalar_one()


# --- which rows, and whether a request may write them itself ---------------------------------------------

PROBLEMS, RECTIFICATIONS = "problems", "rectifications"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ONLY_FOR = {"source": PROBLEMS, "recorded_from": PROBLEMS, "recorded_to": PROBLEMS,
             "due_from": RECTIFICATIONS, "due_to": RECTIFICATIONS}
_STATUSES = {PROBLEMS: ProblemStatus, RECTIFICATIONS: RectificationStatus}


async def export_campaign(session: AppSession, *, principal: Principal, campaign_id: uuid.UUID | None) -> Campaign:
    """The campaign named, or the latest begun for the caller's org unit (404 when none has begun)."""
    if campaign_id is not None:
        return await get_campaign(session, campaign_id=campaign_id)
    campaign = await campaign_on(session, org_code=principal.org_code, day=clock.today())
    if campaign is None:
        raise NotFound("no campaign has begun for your org unit")
    return campaign


def criteria_of(kind: str, filters: ExportFilters, *, campaign_id: uuid.UUID,
                today: date) -> ProblemFilter | RectificationFilter:
    """The list filter of ``kind`` for an export's ``filters``; a filter of the other kind is a 422 naming it."""
    given = filters.model_dump(exclude_none=True)
    for field, only in _ONLY_FOR.items():
        if field in given and only != kind:
            raise InvalidInput(f"body.filters.{field}", f"filters {only} only, not {kind}")
    if filters.status is not None and filters.status not in {status.value for status in _STATUSES[kind]}:
        known = ", ".join(status.value for status in _STATUSES[kind])
        raise InvalidInput("body.filters.status", f"a status of {kind}: one of {known}", type="enum")
    common = {"org": filters.org, "level": filters.level, "problem_type": filters.problem_type,
              "status": filters.status, "campaign_id": campaign_id, "overdue": filters.overdue, "today": today}
    if kind == PROBLEMS:
        return ProblemFilter(**common, source=filters.source, recorded_from=filters.recorded_from,
                             recorded_to=filters.recorded_to)
    return RectificationFilter(**common, due_from=filters.due_from, due_to=filters.due_to)


async def count_rows(session: AppSession, *, kind: str, criteria) -> int:
    if kind == PROBLEMS:
        return await count_problems(session, criteria=criteria)
    return await count_rectifications(session, criteria=criteria)


def workbook_name(kind: str, campaign: Campaign) -> str:
    return f"{campaign.year}年{'疑似问题核实台账' if kind == PROBLEMS else '发现问题整改台账'}.xlsx"


async def write_workbook(session: AppSession, *, kind: str, criteria, campaign: Campaign, names: OrgNames,
                         target: Path, progress: Progress | None = None) -> int:
    writer = write_problems if kind == PROBLEMS else write_rectifications
    return await writer(session, criteria=criteria, campaign=campaign, names=names, target=target, progress=progress)


async def check_direct(session: AppSession, *, kind: str, criteria, limit: int) -> int:
    """The rows of a workbook asked for with GET; more than ``limit`` is a 409 pointing to the job route."""
    rows = await count_rows(session, kind=kind, criteria=criteria)
    if rows > limit:
        raise Conflict(f"{rows} rows are more than a direct download writes ({limit}); ask for the workbook as a "
                       f"job: POST /ledger/exports with kind \"{kind}\" and these filters, poll "
                       "GET /ledger/jobs/{id}, then download GET /ledger/jobs/{id}/file")
    return rows


def export_params(*, kind: str, filters: ExportFilters, campaign: Campaign, principal: Principal,
                  today: date) -> dict:
    """What the job ``exports.write`` needs, as JSON: the request, the day it was asked on, and who asked.

    The job reads as the requester (their role and org unit), so it exports exactly what they may see."""
    return {"kind": kind, "filters": filters.model_dump(mode="json", exclude_none=True),
            "campaign_id": str(campaign.id), "today": today.isoformat(),
            "requester": {"user_id": principal.user_id, "name": principal.name,
                          "role": principal.role.value if principal.role else None, "org_code": principal.org_code}}


def requester_of(requester: dict) -> Principal:
    """The requester of an export job as the principal it reads as (``export_params``' ``requester``)."""
    return Principal(user_id=requester["user_id"], name=requester["name"], role=Role(requester["role"]),
                     org_code=requester["org_code"])
