"""The ledger's org units: applying ``org_unit.changed``, and the names a workbook prints.

Intake owns the tree and announces every unit it loads or changes; the ledger keeps the latest
announcement of each unit (by the time the event occurred, so a late delivery never brings back an
older name) and reads nothing of intake's. A removed unit keeps its name: problems filed under its
code still print it.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.ledger.org_units.models import LedgerOrgUnit
from services.ledger.org_units.repository import OrgUnitRepository
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.events.contracts.intake import OrgUnitChanged
from shared.events.envelope import Envelope

NONE = "——"


async def apply_org_unit_changed(session: AppSession, envelope: Envelope) -> LedgerOrgUnit:
    """Insert or update the unit the event describes, unless a newer event already did."""
    event = envelope.read(OrgUnitChanged)
    unit = await OrgUnitRepository(session).get_for_update(event.org_code)
    if unit is None:
        unit = LedgerOrgUnit(org_code=event.org_code, name=event.name, level=event.level,
                             parent_code=event.parent_code, removed=event.removed, as_of=envelope.occurred_at)
        session.add(unit)
    elif envelope.occurred_at > unit.as_of:
        unit.name, unit.level, unit.parent_code = event.name, event.level, event.parent_code
        unit.removed, unit.as_of, unit.updated_at = event.removed, envelope.occurred_at, clock.now()
    await session.flush()
    return unit


class OrgNames:
    """The district, township and village names of a 12-digit org code (the code itself when unknown)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def _name(self, code: str) -> str:
        return self.names.get(code, code)

    def district(self, org_code: str) -> str:
        return self._name(org_code[:6] + "000000")

    def township(self, org_code: str) -> str:
        return self._name(org_code[:9] + "000")

    def village(self, org_code: str) -> str:
        return NONE if org_code.endswith("000") else self._name(org_code)


async def org_names(session: AppSession, codes: Iterable[str]) -> OrgNames:
    """The names for rows under ``codes`` (a caller's org code, an export's ``org`` filter…), read in one
    query: each code's district and township, the unit itself and every unit under it."""
    return OrgNames(await OrgUnitRepository(session).names_around(codes))
