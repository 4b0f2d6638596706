"""Keeping the announced rule-set versions, and the catalog a visit is screened against.

The catalog is the packaged file plus the versions heard (:func:`shared.domain.rulesets.with_packaged`,
the merge income uses). Each process keeps it built and, per visit, reads the ids of the versions
held to see whether it is still current (:class:`~shared.domain.rulesets.CatalogCache`): one small
query, so every API replica screens with a version from the first visit after intake heard of it. A
visit reads them in the statement that reads the household's members.
"""

from __future__ import annotations

import uuid

import structlog

from services.intake.rulesets.models import HeardRuleSet
from services.intake.rulesets.repository import HeardRuleSetRepository
from shared.data.database import AppSession
from shared.domain.rulesets import CatalogCache, RuleSet, RuleSetCatalog, with_packaged
from shared.events.contracts.income import RuleSetPublished

log = structlog.get_logger(__name__)

_catalogs = CatalogCache()


async def record_published(session: AppSession, *, published: RuleSetPublished, org_code: str,
                           event_id: uuid.UUID) -> bool:
    """Keep an announced version; returns whether it was new. A version already held stays as it is."""
    ruleset = RuleSet.model_validate(published.document)
    if ruleset.key != (published.year, published.region, published.version):
        raise ValueError(f"ruleset.published names {published.year}/{published.region!r}/{published.version} "
                         f"but carries {ruleset.year}/{ruleset.region!r}/{ruleset.version}")
    repository = HeardRuleSetRepository(session)
    held = await repository.find(*ruleset.key)
    if held is not None:
        if RuleSet.model_validate(held.document) != ruleset:
            log.warning("announced_ruleset_differs_from_held", year=ruleset.year, region=ruleset.region,
                        version=ruleset.version)
        return False
    repository.add(HeardRuleSet(year=ruleset.year, region=ruleset.region, version=ruleset.version,
                                org_code=org_code, document=ruleset.model_dump(mode="json"), event_id=event_id))
    await session.flush()
    return True


async def screening_catalog(session: AppSession, *, held: list[uuid.UUID] | None = None) -> RuleSetCatalog:
    """The rule sets a visit is screened against: the packaged ones and those heard of.

    ``held``: the ids of the versions held, when the caller has read them already (a visit reads
    them with the household's members); otherwise they are read here.
    """
    repository = HeardRuleSetRepository(session)

    async def load() -> tuple[list[uuid.UUID], RuleSetCatalog]:
        heard = await repository.all()
        stored = [RuleSet.model_validate(row.document) for row in heard]
        return [row.id for row in heard], RuleSetCatalog(with_packaged(stored))

    return await _catalogs.get(held if held is not None else await repository.ids(), load)
