"""Households and members (农户、家庭成员): register, change, list, and the audited reveal.

Uniqueness of a person is the database's job: a unique index on the blind index of live members'
ID numbers. Writes that may break it run in a savepoint; a violation becomes a 409 that says the
number is registered, and names the village of the household holding it only when that household is
inside the caller's scope (``id_checks`` limits and audits the lookups themselves).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError

from services.intake.households.models import Household, Member
from services.intake.households.repository import (
    HouseholdFilter,
    HouseholdRepository,
    MemberRepository,
)
from services.intake.households.schemas import (
    HouseholdCreate,
    HouseholdPage,
    HouseholdRead,
    HouseholdUpdate,
    LocationRead,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberReveal,
    MemberTombstone,
    MemberUpdate,
)
from services.intake.households.sync import read_pass
from services.intake.org_units.repository import OrgUnitRepository
from services.intake.org_units.service import require_village
from shared.data.database import AppSession, violates
from shared.domain.clock import clock
from shared.domain.enums import Relation
from shared.domain.geo import to_wgs84
from shared.domain.idnumber import (
    InvalidIdNumber,
    mask_id_number,
    mask_sensitive_text,
    parse_id_number,
)
from shared.domain.phones import mask_phone
from shared.domain.visit_form import labour_rule_errors, risk_status_errors
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.contracts.intake import HouseholdChanged
from shared.events.outbox import publish
from shared.security.audit import audit_entry
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

# (blind index, how to name the member in a 409) of each ID number a write may collide on.
Candidate = tuple[str, str]


def new_member(household: Household, data: MemberCreate, cipher: FieldCipher) -> Member:
    """A member of ``household`` from validated input: birth date and sex come from the ID number."""
    info = parse_id_number(data.id_number)
    now = clock.now()
    # Every column is given, defaults included: constructing a table model is the import's hot path.
    return Member(
        id=uuid.uuid4(), household_id=household.id, org_code=household.org_code, name=data.name,
        relation=data.relation.value, birth_date=info.birth_date, sex=info.sex,
        labour_capacity=data.labour_capacity.value, months_in_household=data.months_in_household,
        skilled_trade=_code(data.skilled_trade), trade_note=data.trade_note, weak_reason=_code(data.weak_reason),
        remarks=data.remarks, enlisted_sharing_income=data.enlisted_sharing_income, removed_at=None,
        removal_reason=None, created_at=now, updated_at=now, **_id_number_columns(info.number, cipher),
        **_phone_columns(data.phone, cipher),
    )


def _id_number_columns(number: str, cipher: FieldCipher) -> dict:
    return {"id_number_cipher": cipher.encrypt(number),
            "id_number_index": cipher.blind_index(number, purpose="id_number"),
            "id_number_masked": mask_id_number(number)}


def _phone_columns(phone: str | None, cipher: FieldCipher) -> dict:
    return {"phone_cipher": cipher.encrypt(phone) if phone else None,
            "phone_index": cipher.blind_index(phone, purpose="phone") if phone else None,
            "phone_masked": mask_phone(phone) if phone else None}


def set_id_number(member: Member, number: str, cipher: FieldCipher) -> None:
    for name, value in _id_number_columns(number, cipher).items():
        setattr(member, name, value)


def set_phone(member: Member, phone: str | None, cipher: FieldCipher) -> None:
    for name, value in _phone_columns(phone, cipher).items():
        setattr(member, name, value)


def _code(value) -> str | None:
    return None if value is None else str(value.value if hasattr(value, "value") else value)


@asynccontextmanager
async def register_writes(session: AppSession, candidates: Sequence[Candidate]) -> AsyncIterator[None]:
    """Run the block's writes in a savepoint; a broken unique key becomes a 409 naming what collided."""
    await session.flush()  # earlier pending work must not fail inside (and be blamed on) this savepoint
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as exc:
        raise await register_conflict(session, exc, candidates) from None


async def register_conflict(session: AppSession, exc: IntegrityError, candidates: Sequence[Candidate]) -> Exception:
    """The 409 for a unique violation of the register, or the error itself when it is another one."""
    if violates(exc, "uq_households_org_code_household_number", ["households.org_code", "households.household_number"]):
        return Conflict("this household number (户编号) is already registered in the village")
    if not violates(exc, "uq_members_id_number_index", ["members.id_number_index"]):
        return exc
    holders = await MemberRepository(session).live_holders(index for index, _ in candidates)
    for index, label in candidates:
        if index in holders:
            _, org_code = holders[index]
            return Conflict(f"{label}: {await holder_note(session, session.principal, org_code)}")
    return Conflict(f"an ID number {ALREADY_REGISTERED}")


ALREADY_REGISTERED = "is already registered to a live member of another household"


async def holder_note(session: AppSession, principal: Principal | None, org_code: str) -> str:
    """Why a number cannot be registered: where its holder lives only if the caller's scope holds it."""
    if principal is None or not principal.covers(org_code):
        return f"the ID number {ALREADY_REGISTERED}"
    village = (await OrgUnitRepository(session).names([org_code])).get(org_code, "")
    return f"the ID number {ALREADY_REGISTERED} in {village} ({org_code})".replace(" ()", "")


async def create_household(session: AppSession, *, data: HouseholdCreate, cipher: FieldCipher) -> HouseholdRead:
    """Register a household with its members (农户登记) and announce it."""
    await require_village(session, org_code=data.org_code, field="body.org_code")
    head = next(m for m in data.members if m.relation is Relation.HEAD)
    household = Household(
        org_code=data.org_code, household_number=data.household_number, group_name=data.group_name,
        head_name=head.name, household_kinds=list(data.household_kinds), risk_status=_code(data.risk_status),
        key_target_groups=list(data.key_target_groups),
    )
    set_location(household, data.location)
    members = [new_member(household, m, cipher) for m in data.members]
    candidates = [(m.id_number_index, f"members.{i} ({m.name})") for i, m in enumerate(members)]
    async with register_writes(session, candidates):
        session.add(household)
        session.add_all(members)
    await publish_household_changed(session, household, members, change="created")
    return await household_read(session, household, members)


def set_location(household: Household, location) -> None:
    if location is None:
        return
    household.latitude, household.longitude = to_wgs84(location.latitude, location.longitude,
                                                       location.coordinate_system)


async def get_household(session: AppSession, *, household_id: uuid.UUID) -> HouseholdRead:
    household = await HouseholdRepository(session).get(household_id)
    if household is None:
        raise NotFound(f"household {household_id} not found in your scope")
    members = (await MemberRepository(session).live_of([household.id]))[household.id]
    return await household_read(session, household, members)


async def list_households(session: AppSession, *, criteria: HouseholdFilter, limit: int, offset: int,
                          cipher: FieldCipher, since: str | None = None) -> HouseholdPage:
    """A page of households in the caller's scope, each with its live members.

    Without ``since`` and past the first page, a plain page by offset. Otherwise a page of a sync pass
    (see ``sync``): everything, or with a token only the households changed since it, in key order,
    with the token for the next page or, on the last one, for the next sync.
    """
    narrowing = _narrowing_filter(criteria)
    if since is None and (offset > 0 or narrowing is not None):
        households, total = await HouseholdRepository(session).page(criteria, limit=limit, offset=offset)
        return await _page(session, households, total=total, limit=limit, offset=offset, removed=[],
                           has_more=offset + len(households) < total, token=None)
    if since is not None and narrowing is not None:
        raise InvalidInput(f"query.{narrowing}", "cannot be combined with since: a sync covers a whole village or "
                                                 "org prefix; narrow the list on the phone")
    if since is not None and offset > 0:
        raise InvalidInput("query.offset", "a sync pages with next_sync_token, not offset; leave offset out")
    repository = HouseholdRepository(session)
    page = await read_pass(
        session, listing="households", since=since, village=criteria.village, org=criteria.org, limit=limit,
        cipher=cipher, fetch=lambda since, after, limit: repository.changed_page(criteria, since=since, after=after,
                                                                              limit=limit),
        key=lambda household: (household.org_code, household.household_number))
    removed = ([] if page.since is None else
               await MemberRepository(session).removed_since((h.id for h in page.rows), page.since))
    return await _page(session, page.rows, total=page.total, limit=limit, offset=0, removed=removed,
                       has_more=page.has_more, token=page.next_token)


async def list_members(session: AppSession, *, village: str | None, org: str | None, limit: int, offset: int,
                       cipher: FieldCipher, since: str | None = None) -> MemberPage:
    """A page of members in the caller's scope: live ones, or with a token those changed since it.

    Without ``since`` and past the first page, a plain page by offset. A delta holds each member
    changed since the token: live ones as they now stand, removed ones as tombstones.
    """
    repository = MemberRepository(session)
    if since is None and offset > 0:
        members, total = await repository.page(village=village, org=org, limit=limit, offset=offset)
        return MemberPage(items=[member_read(m) for m in members], removed_members=[], total=total, limit=limit,
                          offset=offset, has_more=offset + len(members) < total, next_sync_token=None)
    if since is not None and offset > 0:
        raise InvalidInput("query.offset", "a sync pages with next_sync_token, not offset; leave offset out")
    page = await read_pass(
        session, listing="members", since=since, village=village, org=org, limit=limit, cipher=cipher,
        fetch=lambda since, after, limit: repository.changed_page(village=village, org=org, since=since,
                                                                  after=after, limit=limit),
        key=lambda member: (member.org_code, str(member.id)))
    return MemberPage(items=[member_read(m) for m in page.rows if m.removed_at is None],
                      removed_members=[tombstone(m) for m in page.rows if m.removed_at is not None],
                      total=page.total, limit=limit, offset=0, has_more=page.has_more,
                      next_sync_token=page.next_token)


def tombstone(member: Member) -> MemberTombstone:
    return MemberTombstone(id=member.id, household_id=member.household_id, removed_at=member.removed_at,
                           removal_reason=_masked(member.removal_reason))


def _narrowing_filter(criteria: HouseholdFilter) -> str | None:
    """The query parameter of a filter other than village and org, which a sync cannot follow."""
    for name, parameter in (("group_name", "group"), ("kind", "kind"), ("key_target_group", "key_target_group"),
                            ("household_number", "household_number"), ("id_number_index", "id_number")):
        if getattr(criteria, name) is not None:
            return parameter
    return None


async def _page(session: AppSession, households: Sequence[Household], *, total: int, limit: int, offset: int,
                removed: Sequence[Member], has_more: bool, token: str | None) -> HouseholdPage:
    members = await MemberRepository(session).live_of(h.id for h in households)
    names = await OrgUnitRepository(session).names([h.org_code for h in households])
    items = [household_read_sync(h, members[h.id], names.get(h.org_code)) for h in households]
    return HouseholdPage(items=items, total=total, limit=limit, offset=offset,
                         removed_members=[tombstone(m) for m in removed],
                         has_more=has_more, next_sync_token=token)


def id_number_filter(id_number: str | None, cipher: FieldCipher) -> str | None:
    """The blind index to look a person up by; a malformed number is a 422 at the query parameter."""
    if id_number is None:
        return None
    try:
        number = parse_id_number(id_number).number
    except InvalidIdNumber as exc:
        raise InvalidInput("query.id_number", str(exc)) from None
    return cipher.blind_index(number, purpose="id_number")


async def update_household(session: AppSession, *, household_id: uuid.UUID, data: HouseholdUpdate) -> HouseholdRead:
    """Change a household's register data (社, 户类型, 风险状态, 重点对象, position)."""
    household = await HouseholdRepository(session).get_for_update(household_id)
    if household is None:
        raise NotFound(f"household {household_id} not found in your scope")
    changes = data.model_dump(exclude_unset=True, exclude={"location"})
    if changes.get("household_kinds", ...) is None:
        raise InvalidInput("body.household_kinds", "cannot be cleared; give at least one kind")
    kinds = changes.get("household_kinds", household.household_kinds)
    risk_status = changes.get("risk_status", household.risk_status)
    for loc, _, message in risk_status_errors(kinds, risk_status):
        raise InvalidInput("body." + ".".join(map(str, loc)), message)
    for field, value in changes.items():
        if field == "key_target_groups" and value is None:
            value = []
        setattr(household, field, list(value) if isinstance(value, list) else _code(value))
    if "location" in data.model_fields_set:
        household.latitude = household.longitude = None
        set_location(household, data.location)
    household.updated_at = clock.now()
    members = (await MemberRepository(session).live_of([household.id]))[household.id]
    await session.flush()
    await publish_household_changed(session, household, members, change="updated")
    return await household_read(session, household, members)


async def add_member(session: AppSession, *, household_id: uuid.UUID, data: MemberCreate,
                     cipher: FieldCipher) -> MemberRead:
    """Add a person to a household (birth, marriage in, moving in)."""
    household = await HouseholdRepository(session).get_for_update(household_id)
    if household is None:
        raise NotFound(f"household {household_id} not found in your scope")
    members = (await MemberRepository(session).live_of([household.id]))[household.id]
    if data.relation is Relation.HEAD and any(m.relation == Relation.HEAD for m in members):
        raise InvalidInput("body.relation", "the household already has a head (户主); change that member first")
    member = new_member(household, data, cipher)
    async with register_writes(session, [(member.id_number_index, member.name)]):
        session.add(member)
    household.updated_at = clock.now()
    await publish_household_changed(session, household, [*members, member], change="updated")
    return member_read(member)


async def update_member(session: AppSession, *, member_id: uuid.UUID, data: MemberUpdate,
                        cipher: FieldCipher) -> MemberRead:
    """Correct or update a member; a new ID number is checked and must still be unique."""
    member, household = await _live_member(session, member_id)
    members = (await MemberRepository(session).live_of([household.id]))[household.id]
    changes = data.model_dump(exclude_unset=True)
    _check_member_changes(member, changes)
    if changes.get("relation") is Relation.HEAD and any(m.relation == Relation.HEAD and m.id != member.id
                                                        for m in members):
        raise InvalidInput("body.relation", "the household already has a head (户主); change that member first")
    number = _new_id_number(changes.pop("id_number", None), member.name)
    async with register_writes(session, [(cipher.blind_index(number, purpose="id_number"), member.name)]
                               if number else []):
        if number is not None:
            info = parse_id_number(number)
            set_id_number(member, info.number, cipher)
            member.birth_date, member.sex = info.birth_date, info.sex
        if "phone" in changes:
            set_phone(member, changes.pop("phone"), cipher)
        for field, value in changes.items():
            setattr(member, field, _code(value) if not isinstance(value, (int, bool)) else value)
        member.updated_at = household.updated_at = clock.now()
    if member.relation == Relation.HEAD:
        household.head_name = member.name
    await session.flush()
    await publish_household_changed(session, household, members, change="updated")
    return member_read(member)


def _new_id_number(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return parse_id_number(value).number
    except InvalidIdNumber as exc:
        raise InvalidInput("body.id_number", f"{name}: {exc}") from None


def _check_member_changes(member: Member, changes: dict) -> None:
    for field in ("name", "relation", "labour_capacity", "months_in_household", "enlisted_sharing_income"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"body.{field}", "cannot be cleared")
    merged = {f: changes.get(f, getattr(member, f)) for f in ("labour_capacity", "skilled_trade", "trade_note",
                                                               "weak_reason")}
    for loc, _, message in labour_rule_errors(**merged):
        raise InvalidInput("body." + ".".join(map(str, loc)), message)


async def _live_member(session: AppSession, member_id: uuid.UUID) -> tuple[Member, Household]:
    member = await MemberRepository(session).get(member_id)
    if member is None or member.removed_at is not None:
        raise NotFound(f"member {member_id} not found in your scope")
    household = await HouseholdRepository(session).get_for_update(member.household_id)
    if household is None:
        raise NotFound(f"member {member_id} not found in your scope")
    return member, household


async def remove_member(session: AppSession, *, member_id: uuid.UUID, reason: str) -> None:
    """A member leaves the household (death, marriage out…); the record stays, no longer live."""
    member, household = await _live_member(session, member_id)
    members = (await MemberRepository(session).live_of([household.id]))[household.id]
    if len(members) <= 1:
        raise InvalidInput("path.member_id", "the last member of a household cannot be removed")
    member.removed_at = member.updated_at = household.updated_at = clock.now()
    member.removal_reason = reason
    await session.flush()
    await publish_household_changed(session, household, [m for m in members if m.id != member.id],
                                    change="updated")


async def reveal_member(session: AppSession, *, principal: Principal, member_id: uuid.UUID,
                        cipher: FieldCipher) -> MemberReveal:
    """The clear ID number and phone of a member (查看明文), for town and district staff, audited."""
    member = await MemberRepository(session).get(member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found in your scope")
    revealed = ["id_number"] + (["phone"] if member.phone_cipher else [])
    session.add(audit_entry(session, principal, action="reveal", entity="members", entity_id=str(member.id),
                            org_code=member.org_code, changes={"revealed": revealed}))
    await session.flush()
    phone = cipher.decrypt(member.phone_cipher) if member.phone_cipher else None
    return MemberReveal(member_id=member.id, name=member.name, id_number=cipher.decrypt(member.id_number_cipher),
                        phone=phone)


async def publish_household_changed(session: AppSession, household: Household, members: Sequence[Member], *,
                                    change: str) -> None:
    """Announce a household as it now stands; ``members`` are its live members after the change.

    The members' ID-number blind indexes travel with it (never the numbers), so that the alerts
    service can match a department's warning to the household without asking for a number.
    """
    payload = HouseholdChanged(
        household_id=household.id, household_number=household.household_number, org_code=household.org_code,
        group_name=household.group_name, head_name=household.head_name, household_kinds=household.household_kinds,
        risk_status=household.risk_status, member_count=len(members), change=change,
        member_id_indexes=sorted({m.id_number_index for m in members}),
    )
    await publish(session, payload, org_code=household.org_code, source="intake")


def member_read(member: Member) -> MemberRead:
    return MemberRead(
        id=member.id, household_id=member.household_id, name=member.name, relation=member.relation,
        id_number=member.id_number_masked, birth_date=member.birth_date, sex=member.sex,
        labour_capacity=member.labour_capacity, skilled_trade=member.skilled_trade,
        trade_note=_masked(member.trade_note), weak_reason=member.weak_reason, remarks=_masked(member.remarks),
        months_in_household=member.months_in_household,
        enlisted_sharing_income=member.enlisted_sharing_income, phone=member.phone_masked,
    )


def _masked(text: str | None) -> str | None:
    # Free text is masked when received; a row stored before that rule is masked on the way out.
    return mask_sensitive_text(text) if text else text


def household_read_sync(household: Household, members: Sequence[Member], village_name: str | None) -> HouseholdRead:
    location = None
    if household.latitude is not None and household.longitude is not None:
        location = LocationRead(latitude=household.latitude, longitude=household.longitude)
    return HouseholdRead(
        id=household.id, org_code=household.org_code, village_name=village_name,
        household_number=household.household_number, group_name=household.group_name, head_name=household.head_name,
        household_kinds=household.household_kinds, risk_status=household.risk_status,
        key_target_groups=household.key_target_groups, location=location,
        members=[member_read(m) for m in members], created_at=household.created_at, updated_at=household.updated_at,
    )


async def household_read(session: AppSession, household: Household, members: Sequence[Member]) -> HouseholdRead:
    names = await OrgUnitRepository(session).names([household.org_code])
    return household_read_sync(household, members, names.get(household.org_code))
