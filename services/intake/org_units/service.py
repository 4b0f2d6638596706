"""Org units: reading the deployment's 统计用区划代码 file, loading it, and the caller's subtree.

The file is CSV with a ``code,name`` header (UTF-8, lines starting with ``#`` are comments). The
package ships a demo file with one township (西河镇 of 铜梁区, codes 500151108xxx); those codes and
names are for demonstration only, and a real deployment points ``FANGFAN_INTAKE_ORG_UNITS_FILE``
at the official codes of its district. Loading is an idempotent upsert, so every process runs it
at startup.

Every unit a load creates or changes is announced as ``org_unit.changed`` in the load's own
transaction, so a service that prints names (the ledger) keeps its copy from events alone.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.intake.org_units.models import OrgUnit
from services.intake.org_units.repository import OrgUnitRepository
from services.intake.org_units.schemas import OrgUnitNode
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.org_codes import OrgLevel, is_org_code, org_level, parent_code
from shared.errors import InvalidInput, NotFound
from shared.events.contracts.intake import OrgUnitChanged
from shared.events.outbox import publish_all


class OrgUnitFileError(ValueError):
    """The org-unit file breaks its format; the message names the line."""


@dataclass(frozen=True)
class OrgUnitRow:
    org_code: str
    name: str
    level: str
    parent_code: str | None


def read_org_unit_file(path: Path) -> list[OrgUnitRow]:
    """The rows of an org-unit file, each checked (12-digit code, a name); the code gives the level."""
    rows: list[OrgUnitRow] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.lstrip().startswith("#"))
        for line_number, record in enumerate(csv.DictReader(lines), start=2):
            rows.append(_row(record, line_number, seen))
    if not rows:
        raise OrgUnitFileError(f"{path.name}: no org units")
    return rows


def _row(record: dict, line_number: int, seen: set[str]) -> OrgUnitRow:
    code = (record.get("code") or "").strip()
    name = (record.get("name") or "").strip()
    if not is_org_code(code):
        raise OrgUnitFileError(f"data row {line_number}: code must be 12 digits")
    if not name:
        raise OrgUnitFileError(f"data row {line_number}: {code} needs a name")
    if code in seen:
        raise OrgUnitFileError(f"data row {line_number}: {code} listed twice")
    seen.add(code)
    return OrgUnitRow(org_code=code, name=name, level=org_level(code), parent_code=parent_code(code))


async def load_org_units(session: AppSession, *, rows: list[OrgUnitRow]) -> int:
    """Insert new units and rename changed ones (units missing from the file are kept); returns changes.

    Each inserted or changed unit is published as ``org_unit.changed`` in the caller's transaction.
    """
    existing = await OrgUnitRepository(session).all_by_code()
    changed: list[OrgUnitRow] = []
    for row in rows:
        unit = existing.get(row.org_code)
        if unit is None:
            session.add(OrgUnit(org_code=row.org_code, name=row.name, level=row.level, parent_code=row.parent_code))
            changed.append(row)
        elif (unit.name, unit.level, unit.parent_code) != (row.name, row.level, row.parent_code):
            unit.name, unit.level, unit.parent_code = row.name, row.level, row.parent_code
            unit.updated_at = clock.now()
            changed.append(row)
    await session.flush()
    await announce(session, units=changed)
    return len(changed)


async def announce(session: AppSession, *, units: Sequence[OrgUnit | OrgUnitRow]) -> int:
    """Publish ``org_unit.changed`` for ``units`` as they stand (one INSERT into the outbox); returns how many."""
    events = [(OrgUnitChanged(org_code=unit.org_code, name=unit.name, level=str(unit.level),
                              parent_code=unit.parent_code), unit.org_code) for unit in units]
    await publish_all(session, events, source="intake")
    return len(events)


async def announce_all(session: AppSession) -> int:
    """Publish every unit on record again: how a service that starts consuming later learns the whole tree."""
    return await announce(session, units=list((await OrgUnitRepository(session).all_by_code()).values()))


async def org_unit_tree(session: AppSession) -> list[OrgUnitNode]:
    """The caller's subtree as nested nodes (a forest when the caller's own unit is not on file)."""
    units = await OrgUnitRepository(session).subtree()
    nodes = {unit.org_code: OrgUnitNode.model_validate(unit, from_attributes=True) for unit in units}
    roots: list[OrgUnitNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_code or "")
        (parent.children if parent is not None else roots).append(node)
    return roots


async def require_village(session: AppSession, *, org_code: str, field: str) -> OrgUnit:
    """The village (村) a household belongs to, in the caller's scope; outside it, not found (404), as any
    household outside it is; anything else is a 422 at ``field``."""
    principal = session.principal
    if principal is not None and not principal.covers(org_code):
        raise NotFound(f"org unit {org_code} not found in your scope")
    unit = await OrgUnitRepository(session).any_by_code(org_code) if is_org_code(org_code) else None
    if unit is None:
        raise InvalidInput(field, "no such org unit; use a village code (村) from GET /intake/org-units")
    if unit.level != OrgLevel.VILLAGE:
        raise InvalidInput(field, f"{org_code} is a {unit.level}; households belong to a village (村)")
    return unit
