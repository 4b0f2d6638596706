"""Reassessment (重新测算): a year's latest assessments recomputed under a newer rule-set version.

Past assessments are never rewritten. Each affected household gets a NEW assessment under the
target version (the newest for its org unit, or the requested one), which takes over the latest
flag; ``income.assessed`` is published only for the households whose class changed, with the class
they had before. What "recomputed" means per basis is in :mod:`services.income.calculation.reclassify`.

Bounded memory for a whole district (200,000 households): the latest assessments are streamed in
keyset pages of ``chunk_size`` households; each page is computed, its old rows lose the latest flag
in one UPDATE, the new rows go in with one INSERT … SELECT (the households' stored inputs are copied
inside the database), the events of the changed households are staged, and the page is flushed
before the next is read. Nothing but the page and the first ``REPORT_LIMIT`` changes is held.
These bulk statements are not ORM statements, unseen by the session's scope listener and flush
guard, so this function checks role and scope itself and the repository filters every statement by
the org prefix. The run itself is an ORM row, audited like any write.

A district admin's request runs it as the job ``reassessments.run`` (see ``tasks.py``): each chunk
commits on its own, with progress after each, so a cancel stops between chunks and what was done
stays done (a second run continues where it stopped). ``reassess`` runs it in one transaction.
Two writers moving the same household at once cannot both win: the partial unique index allows one
latest row per household and year, and the UPDATE skips rows another writer already superseded.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from services.income.assessments.models import AssessmentBasis
from services.income.assessments.repository import AssessmentRepository
from services.income.assessments.service import publish_assessed
from services.income.calculation.reclassify import classify_figures, reclassify_bracket
from services.income.reassessments.models import Reassessment
from services.income.reassessments.repository import ReassessmentRepository
from services.income.reassessments.schemas import (
    ClassChange,
    ClassChangePage,
    ReassessmentCreate,
    ReassessmentRead,
    ReassessmentReport,
)
from services.income.rulesets.service import load_catalog
from shared.data.database import AppSession
from shared.domain.clock import clock
from shared.domain.org_codes import code_of_prefix
from shared.domain.rulesets import RuleSet, RuleSetCatalog, RuleSetNotFound
from shared.errors import InvalidInput, NotFound
from shared.security.auth import Principal

CHUNK_SIZE = 2000
REPORT_LIMIT = 1000


class _TargetRules:
    """The target rule set per org unit (cached: a district has a few hundred villages)."""

    def __init__(self, catalog: RuleSetCatalog, year: int, version: str | None) -> None:
        self.catalog, self.year, self.version = catalog, year, version
        self._cache: dict[str, RuleSet | None] = {}

    def __call__(self, org_code: str) -> RuleSet | None:
        if org_code not in self._cache:
            try:
                self._cache[org_code] = self.catalog.resolve(self.year, org_code, self.version)
            except RuleSetNotFound:
                self._cache[org_code] = None
        return self._cache[org_code]


async def reassess(session: AppSession, *, principal: Principal, request: ReassessmentCreate,
                   chunk_size: int = CHUNK_SIZE) -> ReassessmentReport:
    """Recompute every latest assessment of ``request.year`` under the prefix in this one transaction."""
    run = await start_reassessment(session, principal=principal, request=request)
    pass_ = ReassessmentPass(run, principal, await load_catalog(session))
    while await pass_.next_chunk(session, chunk_size=chunk_size):
        pass
    return await finish_reassessment(session, run=run, tally=pass_.tally, changes=pass_.changes)


async def check_reassessment(session: AppSession, *, principal: Principal, request: ReassessmentCreate) -> str:
    """Refuse a request that cannot run (outside scope, unknown version); returns the org prefix it covers."""
    prefix = request.org_prefix or principal.scope_prefix
    principal.require_covers(prefix, "org prefix")
    _check_version(await load_catalog(session), request, prefix)
    return prefix


async def start_reassessment(session: AppSession, *, principal: Principal, request: ReassessmentCreate
                             ) -> Reassessment:
    """Check the request and record the run (its counts are written when it finishes)."""
    prefix = await check_reassessment(session, principal=principal, request=request)
    run = Reassessment(org_code=code_of_prefix(prefix), org_prefix=prefix, year=request.year,
                       requested_version=request.version, requested_by=principal.user_id)
    ReassessmentRepository(session).add(run)
    await session.flush()
    return run


async def count_latest(session: AppSession, *, year: int, prefix: str) -> int:
    return await AssessmentRepository(session).count_latest(year, prefix=prefix)


async def finish_reassessment(session: AppSession, *, run: Reassessment, tally: _Tally,
                              changes: list[ClassChange]) -> ReassessmentReport:
    run = await session.merge(run)
    for name, value in asdict(tally).items():
        setattr(run, name, value)
    run.finished_at = clock.now()
    await session.flush()
    return ReassessmentReport(**ReassessmentRead.model_validate(run).model_dump(), changes=changes,
                              changes_truncated=run.changed > len(changes))


def _check_version(catalog: RuleSetCatalog, request: ReassessmentCreate, prefix: str) -> None:
    if request.version is None:
        return
    if not any(ruleset.year == request.year and ruleset.version == request.version
               and (prefix.startswith(ruleset.region) or ruleset.region.startswith(prefix)) for ruleset in catalog):
        raise InvalidInput("body.version", f"no rule set version {request.version} of year {request.year} "
                                           f"applies under org prefix {prefix}")


@dataclass
class _Tally:
    """The run's counts, kept aside and written once at the end (one audit entry, not one per chunk)."""

    examined: int = 0
    already_current: int = 0
    not_covered: int = 0
    reassessed: int = 0
    changed: int = 0
    needs_verification: int = 0


class ReassessmentPass:
    """One pass over the latest assessments of a run, a keyset page (chunk) at a time.

    Each chunk may run in a transaction of its own (the job does that, so locks are short and progress
    is visible) or all in one (``reassess``). A pass that stopped part-way can be started again: rows
    already under the target version count as already current.
    """

    def __init__(self, run: Reassessment, principal: Principal, catalog: RuleSetCatalog) -> None:
        self.run, self.principal, self.catalog = run, principal, catalog
        self.target_rules = _TargetRules(catalog, run.year, run.requested_version)
        self.tally = _Tally()
        self.changes: list[ClassChange] = []
        self.after: uuid.UUID | None = None

    async def next_chunk(self, session: AppSession, *, chunk_size: int = CHUNK_SIZE) -> bool:
        """Reassess the next chunk; returns whether there may be more."""
        run, assessments = self.run, AssessmentRepository(session)
        rows = await assessments.latest_chunk(run.year, prefix=run.org_prefix, after=self.after, limit=chunk_size)
        if not rows:
            return False
        self.after = rows[-1]["household_id"]
        self.tally.examined += len(rows)
        pending: dict[uuid.UUID, tuple[Mapping[str, Any], dict[str, Any]]] = {}
        now = clock.now()
        for row in rows:
            target = self.target_rules(row["org_code"])
            if target is None:
                self.tally.not_covered += 1
            elif (row["ruleset_region"], row["ruleset_version"]) == (target.region, target.version):
                self.tally.already_current += 1
            else:
                pending[row["id"]] = row, _reassessed(row, target, self.catalog, run_id=run.id,
                                                      by=self.principal.user_id, now=now)
        # Rows another writer superseded since the read keep their successor; only the rest move on.
        still_latest = await assessments.retire(pending, prefix=run.org_prefix)
        moved = [pair for old_id, pair in pending.items() if old_id in still_latest]
        await assessments.insert_reassessed([new for _, new in moved], prefix=run.org_prefix)
        await _announce(session, self.tally, run.year, moved, self.changes)
        await session.flush()
        return len(rows) == chunk_size


async def _announce(session: AppSession, tally: _Tally, year: int,
                    moved: list[tuple[Mapping[str, Any], dict[str, Any]]], changes: list[ClassChange]) -> None:
    tally.reassessed += len(moved)
    announced = []
    for old, new in moved:
        if not new["classification_certain"]:
            tally.needs_verification += 1
        if new["previous_class"] is None:
            continue
        tally.changed += 1
        assessment = {**old, **new, "year": year, "is_latest": True, "source_visit_id": None}
        announced.append(assessment)
        if len(changes) < REPORT_LIMIT:
            changes.append(ClassChange.model_validate({**assessment, "assessment_id": new["id"]}))
    await publish_assessed(session, announced)  # one INSERT for the chunk's events


def _reassessed(row: Mapping[str, Any], target: RuleSet, catalog: RuleSetCatalog, *, run_id: uuid.UUID, by: str,
                now: datetime) -> dict[str, Any]:
    """What the new assessment of one household takes from the computation: ``row`` under ``target``
    (the repository copies the rest, inputs included, from the old row)."""
    per_capita = after_compliant = None
    if row["basis"] == AssessmentBasis.BRACKET:
        ticked = json.loads(row["bracket_inputs"])["ticked_under"]
        classification = reclassify_bracket(
            catalog.get(ticked["year"], ticked["region"], ticked["version"]), target, bracket=row["bracket"],
            below_13000=row["below_13000"], previous_below=row["below_monitoring_line"],
            previous_in_group=row["in_low_income_group"],
        )
    else:
        figures = classify_figures(target, net_income=row["net_income"], compliant_expenses=row["compliant_expenses"],
                                   member_months=row["member_months"])
        classification = figures.classification
        per_capita, after_compliant = figures.per_capita_net_income, figures.per_capita_after_compliant_expenses
    income_class = classification.income_class.value
    return {
        "id": uuid.uuid4(),
        "previous_assessment_id": row["id"],
        "ruleset_region": target.region,
        "ruleset_version": target.version,
        "assessed_at": now,
        "assessed_by": by,
        "reassessment_id": run_id,
        "per_capita_net_income": per_capita,
        "per_capita_after_compliant_expenses": after_compliant,
        "bracket": classification.bracket.value if classification.bracket else None,
        "below_monitoring_line": classification.below_monitoring_line,
        "in_low_income_group": classification.in_low_income_group,
        "classification_certain": classification.certain,
        "income_class": income_class,
        "previous_class": row["income_class"] if row["income_class"] != income_class else None,
        "explanation": classification.explanation,
    }


# --- reading ----------------------------------------------------------------------------------------


async def get_reassessment(session: AppSession, *, reassessment_id: uuid.UUID) -> ReassessmentRead:
    run = await ReassessmentRepository(session).get(reassessment_id)
    if run is None:
        raise NotFound(f"no reassessment {reassessment_id} in your scope")
    return ReassessmentRead.model_validate(run)


async def class_changes(session: AppSession, *, reassessment_id: uuid.UUID, after: uuid.UUID | None,
                        limit: int) -> ClassChangePage:
    """The households a reassessment moved to another class, in household order."""
    await get_reassessment(session, reassessment_id=reassessment_id)
    rows = await AssessmentRepository(session).changed_by_reassessment(reassessment_id, after=after, limit=limit)
    items = [ClassChange.model_validate({**row.model_dump(), "assessment_id": row.id}) for row in rows]
    return ClassChangePage(items=items, next_after=rows[-1].household_id if len(rows) == limit else None)
