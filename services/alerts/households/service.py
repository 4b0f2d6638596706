"""What alerts knows of households: each household's village, and its live members' ID-number blind indexes.

Intake announces them in ``household.changed`` (never the numbers). The event of the latest time wins, so a
late or repeated event never undoes a newer one. An event from before intake sent blind indexes changes
the household's place but says nothing about its members.
"""

from __future__ import annotations

from datetime import datetime

from services.alerts.households.models import KnownHousehold, MemberIndex
from services.alerts.households.repository import HouseholdIndexRepository
from shared.data.database import AppSession
from shared.events.contracts.intake import HouseholdChanged


async def learn(session: AppSession, event: HouseholdChanged, *, as_of: datetime) -> set[str]:
    """Apply one ``household.changed``; returns the blind indexes that now point at the household."""
    repository = HouseholdIndexRepository(session)
    known = await repository.household(event.household_id)
    if known is not None and known.as_of > as_of:
        return set()
    removed = event.change == "deleted"
    if known is None:
        known = KnownHousehold(household_id=event.household_id, org_code=event.org_code, head_name=event.head_name,
                               removed=removed, as_of=as_of)
        session.add(known)
    else:
        known.org_code, known.head_name, known.removed, known.as_of = event.org_code, event.head_name, removed, as_of
    if event.member_id_indexes is None:
        await session.flush()
        return set()
    current = set() if removed else set(event.member_id_indexes)
    for row in await repository.indexes_of(event.household_id):
        if row.id_number_index not in current and row.as_of <= as_of:
            await session.delete(row)
    stored = await repository.by_indexes(current)
    for index in current:
        row = stored.get(index)
        if row is None:
            session.add(MemberIndex(id_number_index=index, household_id=event.household_id, org_code=event.org_code,
                                    as_of=as_of))
        elif row.as_of <= as_of:
            row.household_id, row.org_code, row.as_of = event.household_id, event.org_code, as_of
    await session.flush()
    return current
