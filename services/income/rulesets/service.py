"""Rule-set versions: the packaged file and the table, merged into one catalog; admins add versions.

The packaged file is copied into ``rule_sets`` at start-up (idempotently), and the catalog every
computation reads is the table plus any packaged version not copied in yet, so a process that never
ran its start-up hook (a test, a one-off script) still knows the shipped rules. A stored version
wins over a packaged one with the same key (:func:`shared.domain.rulesets.with_packaged`, the merge
intake uses too). Each process keeps the merged catalog and checks per use, by the stored rows' ids,
whether it is still current (:class:`~shared.domain.rulesets.CatalogCache`).

A version an admin adds is announced as ``ruleset.published`` in the same transaction: intake
screens visits with it from then on, and this service assesses the visits that were waiting for it.
"""

from __future__ import annotations

import structlog

from services.income.rulesets.models import RuleSetOrigin, RuleSetRecord
from services.income.rulesets.repository import RuleSetRepository
from services.income.rulesets.schemas import RuleSetRead, RuleSetSummary
from shared.data.database import AppSession
from shared.domain.org_codes import code_of_prefix
from shared.domain.rulesets import (
    CatalogCache,
    RuleSet,
    RuleSetCatalog,
    RuleSetNotFound,
    default_catalog,
    with_packaged,
)
from shared.errors import Conflict
from shared.events.contracts.income import RuleSetPublished
from shared.events.outbox import publish
from shared.security.auth import Principal

SOURCE = "income"

log = structlog.get_logger(__name__)


def _read(ruleset: RuleSet, record: RuleSetRecord | None) -> RuleSetRead:
    if record is None:
        return RuleSetRead(**ruleset.model_dump(), origin=RuleSetOrigin.PACKAGED)
    return RuleSetRead(**ruleset.model_dump(), origin=RuleSetOrigin(record.origin), created_by=record.created_by,
                       created_at=record.created_at)


async def _records_and_entries(session: AppSession, packaged: RuleSetCatalog | None = None
                               ) -> tuple[list[RuleSetRecord], list[RuleSetRead]]:
    """The stored rows, and every known version: stored ones, then packaged ones not stored yet."""
    records = await RuleSetRepository(session).all()
    stored = [_read(RuleSet.model_validate(record.document), record) for record in records]
    entries = [entry if isinstance(entry, RuleSetRead) else _read(entry, None)
               for entry in with_packaged(stored, packaged)]
    return records, entries


async def _entries(session: AppSession, packaged: RuleSetCatalog | None = None) -> list[RuleSetRead]:
    return (await _records_and_entries(session, packaged))[1]


_catalogs = CatalogCache()


async def load_catalog(session: AppSession, *, packaged: RuleSetCatalog | None = None) -> RuleSetCatalog:
    """The catalog computations resolve against: the table and the packaged file, merged."""
    if packaged is not None:
        return RuleSetCatalog(await _entries(session, packaged))

    async def load() -> tuple[list, RuleSetCatalog]:
        records, entries = await _records_and_entries(session)
        return [record.id for record in records], RuleSetCatalog(entries)

    return await _catalogs.get(await RuleSetRepository(session).ids(), load)


async def load_catalog_holding_additions(session: AppSession) -> RuleSetCatalog:
    """The catalog, read after holding off additions of versions until this transaction ends.

    For a decision that a version added at the same moment must not slip past (a visit found
    uncovered, to be kept pending): a version committed before is in this catalog, and one added
    after waits for this transaction and is announced only then.
    """
    await RuleSetRepository(session).hold_additions()
    return await load_catalog(session)


async def list_rulesets(session: AppSession, *, year: int | None = None) -> list[RuleSetSummary]:
    entries = [entry for entry in await _entries(session) if year is None or entry.year == year]
    entries.sort(key=lambda entry: (entry.year, entry.region, entry.version_key))
    return [RuleSetSummary.model_validate(entry.model_dump()) for entry in entries]


async def get_ruleset(session: AppSession, *, principal: Principal, year: int, version: str,
                      region: str | None = None) -> RuleSetRead:
    """One version. Without ``region``: the most specific region over the caller's org unit, if any."""
    matches = [entry for entry in await _entries(session) if (entry.year, entry.version) == (year, version)]
    if region is not None:
        matches = [entry for entry in matches if entry.region == region]
    elif len(matches) > 1:
        matches = [entry for entry in matches if principal.org_code.startswith(entry.region)]
    if not matches:
        raise RuleSetNotFound(year, region if region is not None else principal.org_code, version)
    return max(matches, key=lambda entry: len(entry.region))


async def create_ruleset(session: AppSession, *, principal: Principal, ruleset: RuleSet) -> RuleSetRead:
    """Add a version for a year and a region inside the admin's district; versions never change later."""
    principal.require_covers(ruleset.region, "region")
    repository = RuleSetRepository(session)
    packaged_keys = {packaged.key for packaged in default_catalog()}
    if ruleset.key in packaged_keys or await repository.find(*ruleset.key) is not None:
        raise Conflict(f"rule set version {ruleset.version} already exists for year {ruleset.year}, "
                       f"region {ruleset.region!r}; versions are immutable: create a new version")
    record = _record(ruleset, RuleSetOrigin.ADMIN, created_by=principal.user_id)
    repository.add(record)
    await session.flush()
    await publish(session, RuleSetPublished(year=ruleset.year, region=ruleset.region, version=ruleset.version,
                                            document=record.document),
                  org_code=record.org_code, source=SOURCE)
    return _read(ruleset, record)


def _record(ruleset: RuleSet, origin: RuleSetOrigin, *, created_by: str) -> RuleSetRecord:
    return RuleSetRecord(year=ruleset.year, region=ruleset.region, version=ruleset.version,
                         org_code=code_of_prefix(ruleset.region), origin=origin.value,
                         document=ruleset.model_dump(mode="json"), created_by=created_by)


async def seed_packaged(session: AppSession, *, packaged: RuleSetCatalog | None = None) -> int:
    """Copy packaged versions missing from the table; returns how many were added. Safe to rerun."""
    repository = RuleSetRepository(session)
    stored = {(record.year, record.region, record.version): record for record in await repository.all()}
    added = 0
    for ruleset in packaged or default_catalog():
        record = stored.get(ruleset.key)
        if record is None:
            repository.add(_record(ruleset, RuleSetOrigin.PACKAGED, created_by="system:income.seed_rulesets"))
            added += 1
        elif RuleSet.model_validate(record.document) != ruleset:
            log.warning("packaged_ruleset_differs_from_stored", year=ruleset.year, region=ruleset.region,
                        version=ruleset.version)
    await session.flush()
    return added
