"""The coverage report of the 大走访 campaign for one org unit, village by village."""

from __future__ import annotations

from services.intake.coverage.repository import CoverageRepository
from services.intake.coverage.schemas import (
    CoverageCounts,
    CoverageReport,
    UnvisitedHousehold,
    VillageCoverage,
)
from services.intake.org_units.repository import OrgUnitRepository
from services.intake.settings import IntakeSettings
from shared.data.database import AppSession
from shared.domain.enums import VerificationMethod
from shared.domain.org_codes import org_prefix
from shared.security.auth import Principal

_COUNTS = ("households", "visited", "key_target_households", "key_target_visited_in_person", "not_visited")


async def coverage_report(session: AppSession, *, principal: Principal, org_code: str, unvisited_limit: int,
                          settings: IntakeSettings) -> CoverageReport:
    """Per village: households, visited since the campaign began (by method), key-target ones met in person,
    and the ones not yet visited (listed up to ``unvisited_limit``, counted in full)."""
    principal.require_covers(org_code)
    prefix = org_prefix(org_code)
    repository = CoverageRepository(session, prefix=prefix, since=settings.campaign_start())
    figures = {
        "households": await repository.households(),
        "visited": await repository.visited(),
        "key_target_households": await repository.key_target(),
        "key_target_visited_in_person": await repository.key_target_in_person(),
    }
    by_method = {method.value: await repository.visited_by(method) for method in VerificationMethod}
    villages = []
    for unit in await OrgUnitRepository(session).villages_under(prefix):
        village = VillageCoverage(org_code=unit.org_code, name=unit.name,
                                  **{name: counts.get(unit.org_code, 0) for name, counts in figures.items()},
                                  by_method={m: counts.get(unit.org_code, 0) for m, counts in by_method.items()})
        village.not_visited = village.households - village.visited
        if village.not_visited and unvisited_limit:
            village.unvisited = [
                UnvisitedHousehold(household_id=h.id, household_number=h.household_number, head_name=h.head_name,
                                   group_name=h.group_name)
                for h in await repository.unvisited(unit.org_code, unvisited_limit)]
        villages.append(village)
    return CoverageReport(org_code=org_code, campaign_starts_on=settings.campaign_starts_on,
                          totals=_totals(villages), villages=villages)


def _totals(villages: list[VillageCoverage]) -> CoverageCounts:
    totals = CoverageCounts(by_method={method.value: 0 for method in VerificationMethod})
    for village in villages:
        for name in _COUNTS:
            setattr(totals, name, getattr(totals, name) + getattr(village, name))
        for method, count in village.by_method.items():
            totals.by_method[method] += count
    return totals
