"""Visit submission (核实走访录入), safe for flaky mobile networks.

The client names its visit with its own UUID. The first submission stores it (201); the same id
with the same content returns the stored visit (200) and changes nothing; the same id with other
content is a 409.

A new visit is by far the common case, so nothing looks for a stored one up front: the visit's
insert is what finds out. Everything the visit writes (the visit, register changes, events) is in
one transaction, and a broken primary key rolls all of it back; the request then answers like a
resubmission. Two simultaneous submissions settle the same way. A form that
fails validation against the register looks for a stored visit before it answers, because the
register may have changed since the visit was first accepted, and a resubmission must still get
its 200.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from services.intake.households.repository import HouseholdRepository, MemberRepository
from services.intake.households.service import (
    publish_household_changed,
    register_writes,
)
from services.intake.rulesets.service import screening_catalog
from services.intake.settings import IntakeSettings
from services.intake.visits.findings import (
    FindingInputs,
    LastPosition,
    limits_for,
    visit_findings,
)
from services.intake.visits.members import (
    HouseholdRecord,
    MemberPlan,
    apply_updates,
    check_household_size,
    counted_members,
    enlisted_sharing_income,
    plan_members,
)
from services.intake.visits.models import Visit
from services.intake.visits.repository import (
    LastVisit,
    SubmissionContext,
    VisitRepository,
)
from services.intake.visits.schemas import VisitPage, VisitRead
from shared.data.database import AppSession, json_text, violates
from shared.domain.clock import clock, shanghai_date
from shared.domain.enums import Relation, VerificationMethod
from shared.domain.idnumber import mask_id_number, mask_sensitive_values
from shared.domain.phones import mask_phone
from shared.domain.visit_form import IncomeAmounts, VisitForm
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.intake import (
    Finding,
    VisitGuarantees,
    VisitIncome,
    VisitMember,
    VisitRisk,
    VisitSelfCoping,
    VisitSubmitted,
)
from shared.events.outbox import insert_and_publish
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

P = TypeVar("P", bound=BaseModel)


async def submit_visit(session: AppSession, *, principal: Principal, form: VisitForm, settings: IntakeSettings,
                       cipher: FieldCipher) -> tuple[VisitRead, bool]:
    """Store a visit and announce it; returns the stored visit and whether this call created it."""
    dumped = form.model_dump(mode="json", exclude_none=True)
    fingerprint = form.content_fingerprint(dumped)
    received_at = clock.now()
    visits = VisitRepository(session)
    try:
        check_visit_time(form.visited_at, received_at, settings)
        household = await _household_for(session, form)
        context = await visits.submission_context(household.id)
        live, latest = context.members, context.latest
        is_latest = latest is None or form.visited_at >= latest.visited_at
        plan = plan_members(form, household, live, cipher, apply_updates=is_latest)
        check_household_size(form, plan)
        inputs = await _finding_inputs(session, visits, form, household, plan, context, settings, received_at)
    except InvalidInput:
        stored = await visits.get(form.visit_id)
        if stored is None:
            raise
        return _resubmitted(stored, form, fingerprint), False
    findings = visit_findings(inputs)
    row = _visit_row(form, dumped, household, principal, fingerprint, received_at, findings, cipher)
    household = await _apply_to_register(session, form, household, plan, is_latest=is_latest)
    if plan.changes_register:
        removed = {member.id for member, _ in plan.removals}
        await publish_household_changed(session, household, [m for m in [*live, *plan.new] if m.id not in removed],
                                        change="updated")
    try:
        # The visit, its audit entry and its event in one statement (register changes follow in the flush).
        await insert_and_publish(session, Visit, row, [(_visit_submitted(form, household, plan, row, findings),
                                                        household.org_code)], source="intake")
    except IntegrityError as exc:
        await session.rollback()
        if not violates(exc, "pk_visits", ["visits.id"]):
            raise
        return await _lost_race(session, principal, form, fingerprint), False
    if plan.new:
        new_ids = {m.id for m in plan.new}
        candidates = [(m.id_number_index, f"members.{index} ({m.name})") for index, m in enumerate(plan.members)
                      if m.id in new_ids]
        async with register_writes(session, candidates):
            session.add_all(plan.new)
    return _new_visit_read(row, findings), True


def check_visit_time(visited_at: datetime, received_at: datetime, settings: IntakeSettings) -> None:
    """A visit is dated between the campaign's start and the server's clock plus the limit of a phone's
    clock running ahead (within it, beyond the skew allowance, the visit gets a finding instead)."""
    limit = timedelta(seconds=max(settings.clock_ahead_limit_seconds, settings.clock_skew_allowance_seconds))
    if visited_at > received_at + limit:
        raise InvalidInput("body.visited_at", f"is in the future: the server received the visit at "
                                              f"{received_at.isoformat(timespec='seconds')}, and a phone's clock "
                                              f"is trusted at most {limit} ahead")
    if visited_at < settings.campaign_start():
        raise InvalidInput("body.visited_at", f"is before the campaign started on {settings.campaign_starts_on}")


def _resubmitted(stored: Visit, form: VisitForm, fingerprint: str) -> VisitRead:
    # The standard library's text only when the new one differs: it dumps the form again.
    if stored.fingerprint != fingerprint and stored.fingerprint != form.legacy_content_fingerprint():
        raise Conflict(f"visit {stored.id} was already submitted with other content; a changed or new visit "
                       "needs a new visit_id")
    return visit_read(stored)


async def _lost_race(session: AppSession, principal: Principal, form: VisitForm, fingerprint: str) -> VisitRead:
    winner = await VisitRepository(session).get_anywhere(form.visit_id)
    if winner is None or not principal.covers(winner.org_code):
        raise Conflict(f"visit id {form.visit_id} is already in use; generate a new one")
    return _resubmitted(winner, form, fingerprint)


async def _household_for(session: AppSession, form: VisitForm) -> HouseholdRecord:
    """The visited household (its row), locked so that its visits apply one at a time."""
    household = await HouseholdRepository(session).lock(form.household_id)
    if household is None:
        raise NotFound(f"household {form.household_id} not found in your scope")
    if set(form.household_kinds) != set(household.household_kinds):
        recorded = ", ".join(household.household_kinds)
        raise InvalidInput("body.household_kinds", f"must match the household's kinds on record ({recorded}); "
                                                   "户类型 is preset from the register")
    if (form.risk_status.value if form.risk_status else None) != household.risk_status:
        raise InvalidInput("body.risk_status", f"must match the household's risk status on record "
                                               f"({household.risk_status or 'none'})")
    return household


async def _finding_inputs(session: AppSession, repository: VisitRepository, form: VisitForm,
                          household: HouseholdRecord,
                          plan: MemberPlan, context: SubmissionContext, settings: IntakeSettings,
                          received_at: datetime) -> FindingInputs:
    latest = context.latest
    # Visits mostly arrive in order, so the latest stored visit is usually the previous one too.
    previous = latest if latest is None or latest.visited_at < form.visited_at else await repository.last_before(
        household.id, form.visited_at)
    amounts = previous.income_amounts if previous is not None else None
    limits = limits_for(await screening_catalog(session, held=context.rule_sets_held), shanghai_date(form.visited_at), household.org_code,
                        gps_accuracy_limit_m=settings.gps_accuracy_limit_m,
                        gps_max_distance_m=settings.gps_max_distance_m, monitoring_line=settings.monitoring_line)
    return FindingInputs(
        form=form, birth_dates=[m.birth_date for m in plan.members], household_members=counted_members(form, plan),
        recorded_key_target_groups=list(household.key_target_groups),
        last_position=await _last_position(repository, household, latest),
        previous_amounts=IncomeAmounts.model_validate(amounts) if amounts else None, limits=limits,
        unverified_members=[(m.id, m.name) for m in plan.unverified],
        clock_ahead=_clock_ahead(form.visited_at, received_at, settings),
    )


def _clock_ahead(visited_at: datetime, received_at: datetime, settings: IntakeSettings) -> timedelta | None:
    """How far the visit time runs ahead of the server, when beyond the skew allowance."""
    ahead = visited_at - received_at
    return ahead if ahead > timedelta(seconds=settings.clock_skew_allowance_seconds) else None


async def _last_position(repository: VisitRepository, household: HouseholdRecord, latest: LastVisit | None
                         ) -> LastPosition | None:
    """The recorded location, else the fix of the household's last home visit."""
    if household.latitude is not None and household.longitude is not None:
        return LastPosition(household.latitude, household.longitude, "recorded location")
    if latest is None:  # never visited (a campaign's first visit, the usual case): no fix to look for
        return None
    if latest.gps_latitude is not None:
        fix = (latest.gps_latitude, latest.gps_longitude, latest.visited_at)
    else:
        fix = await repository.last_home_visit_fix(household.id)
    if fix is None:
        return None
    latitude, longitude, visited_at = fix
    return LastPosition(latitude, longitude, f"home visit of {shanghai_date(visited_at)}")


def _visit_row(form: VisitForm, dumped: dict, household: HouseholdRecord, principal: Principal, fingerprint: str,
               received_at: datetime, findings: list[Finding], cipher: FieldCipher) -> dict:
    """The visit's row, every column; ``dumped`` is the form as JSON data
    (``model_dump(mode="json", exclude_none=True)``)."""
    gps = form.home_visit.gps if form.home_visit is not None else None
    latitude, longitude = gps.as_wgs84() if gps is not None else (None, None)
    return {
        "id": form.visit_id, "household_id": household.id, "org_code": household.org_code,
        "method": form.method.value, "visited_at": form.visited_at, "received_at": received_at,
        "fingerprint": fingerprint, "remote_reason": form.remote_reason.value if form.remote_reason else None,
        "key_target_groups": [group.value for group in form.key_target_groups],
        "income_bracket": form.income.bracket.value if form.income.bracket else None, "has_risk": form.risk.has_risk,
        "income_amounts": form.income.amounts.model_dump(mode="json") if form.income.amounts else None,
        "gps_latitude": latitude, "gps_longitude": longitude,
        "gps_accuracy_m": gps.accuracy_m if gps is not None else None,
        "gps_mock_location": gps.mock_location if gps is not None else None,
        "findings": [f.model_dump() for f in findings], "content": redacted_content(dumped),
        "form_cipher": cipher.encrypt(json_text(dumped)),
        "submitted_by": principal.user_id, "submitted_by_name": principal.name,
    }


def _new_visit_read(row: dict, findings: list[Finding]) -> VisitRead:
    """The answer to a new visit: its row as stored (its content was masked when received)."""
    return VisitRead(id=row["id"], household_id=row["household_id"], org_code=row["org_code"], method=row["method"],
                     visited_at=row["visited_at"], received_at=row["received_at"], submitted_by=row["submitted_by"],
                     submitted_by_name=row["submitted_by_name"], findings=findings, form=row["content"])


async def _apply_to_register(session: AppSession, form: VisitForm, household: HouseholdRecord, plan: MemberPlan, *,
                             is_latest: bool) -> HouseholdRecord:
    """The latest visit's member details and key-target groups become the register's (new members are
    added after the visit's flush, under the register's uniqueness check); returns the household as it
    now stands.

    The register was read as rows: its objects are loaded here, and only when the visit changes them
    (most visits confirm the register as it is).
    """
    now = clock.now()
    if plan.updates or plan.removals:
        live = (await MemberRepository(session).live_of([household.id]))[household.id]
        apply_updates(plan, {member.id: member for member in live}, now)
    head = next((m for m in plan.members if m.relation == Relation.HEAD), None)
    groups = [group.value for group in form.key_target_groups]
    head_name = head.name if head is not None else household.head_name
    if is_latest and (groups != household.key_target_groups or head_name != household.head_name):
        household = await HouseholdRepository(session).get(household.id)
        household.key_target_groups, household.head_name, household.updated_at = groups, head_name, now
    return household


def _visit_submitted(form: VisitForm, household: HouseholdRecord, plan: MemberPlan, visit: dict,
                     findings: list[Finding]) -> VisitSubmitted:
    members = [
        VisitMember(member_id=member.id, name=entry.name, relation=entry.relation, birth_date=member.birth_date,
                    sex=member.sex, labour_capacity=entry.labour_capacity,
                    months_in_household=entry.months_in_household,
                    enlisted_sharing_income=enlisted_sharing_income(entry, member))
        for entry, member in zip(form.members, plan.members, strict=True)
    ]
    return VisitSubmitted(
        visit_id=visit["id"], household_id=household.id, household_number=household.household_number,
        org_code=household.org_code, group_name=household.group_name, head_name=household.head_name,
        method=form.method, visited_at=form.visited_at, received_at=visit["received_at"],
        household_kinds=form.household_kinds, risk_status=form.risk_status, key_target_groups=form.key_target_groups,
        members=members, income=_plain(VisitIncome, form.income), guarantees=_plain(VisitGuarantees, form.guarantees),
        self_coping=_plain(VisitSelfCoping, form.self_coping), risk=_plain(VisitRisk, form.risk), findings=findings,
        submitted_by=visit["submitted_by"],
    )


def _plain(section: type[P], answers: BaseModel) -> P:
    """A form section as the event's plain data: the same fields, none of the form's rules."""
    return section.model_validate(answers, from_attributes=True)


def redacted_content(dumped: dict) -> dict:
    """The form's JSON data with ID numbers and phones masked (what responses and the table's reader see).

    ``dumped`` is left as it was: only the parts that change are copied.
    """
    content = dict(dumped)
    content["members"] = [member | {"id_number": mask_id_number(member["id_number"])} if "id_number" in member
                          else member for member in dumped["members"]]
    if "online_inquiry" in content:
        inquiry = content["online_inquiry"]
        content["online_inquiry"] = inquiry | {"contact_phone": mask_phone(inquiry["contact_phone"])}
    return content


def visit_read(visit: Visit) -> VisitRead:
    return VisitRead(
        id=visit.id, household_id=visit.household_id, org_code=visit.org_code, method=visit.method,
        visited_at=visit.visited_at, received_at=visit.received_at, submitted_by=visit.submitted_by,
        submitted_by_name=visit.submitted_by_name, findings=[Finding.model_validate(f) for f in visit.findings],
        # Free text is masked when received; a visit stored before that rule is masked on the way out.
        form=mask_sensitive_values(visit.content),
    )


async def get_visit(session: AppSession, *, visit_id: uuid.UUID) -> VisitRead:
    visit = await VisitRepository(session).get(visit_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found in your scope")
    return visit_read(visit)


async def list_visits(session: AppSession, *, household_id: uuid.UUID | None, village: str | None,
                      method: VerificationMethod | None, limit: int, offset: int) -> VisitPage:
    visits, total = await VisitRepository(session).page(household_id=household_id, village=village, method=method,
                                                        limit=limit, offset=offset)
    return VisitPage(items=[visit_read(v) for v in visits], total=total, limit=limit, offset=offset)
