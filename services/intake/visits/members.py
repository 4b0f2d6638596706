"""How a visit's member list meets the register (家庭成员核实).

A form member names a member on record by ``member_id``, or brings an ID number: a number already
held by a live member of this household means that member; any other number is a new member
(birth, marriage in) registered by the visit. The visit's details (labour capacity, months in
household, enlisted and sharing income…) become the register's, unless a later visit of the
household is already stored: a phone that was offline for days must not overwrite what a newer
visit recorded.

The form is filled 在核实核准全体农户及家庭成员基本信息的基础上: every registered member is either on
the form or in ``removed_members`` with the reason they left (the removal reaches the register as
``POST /intake/members/{id}/removal`` would). A registered member in neither is left as recorded and
named in a finding, so the township sees who was skipped. Whatever the visit changes, the register
keeps exactly one head (户主).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.intake.households.models import Household, Member
from services.intake.households.schemas import MemberCreate
from services.intake.households.service import new_member
from shared.data.driver import NamedRow
from shared.domain.enums import Relation
from shared.domain.household_income import MemberMonths
from shared.domain.visit_form import MemberDetails, VerifiedMember, VisitForm
from shared.errors import InvalidInput
from shared.security.crypto import FieldCipher

# The register as a visit reads it: rows named as the models' attributes (reading objects costs a visit
# more than its queries do); a member the visit adds is a new object, and one it changes becomes its
# object when the change is applied (:func:`apply_updates`).
HouseholdRecord = Household | NamedRow
RegisteredMember = Member | NamedRow

_VERIFIED_FIELDS = tuple(MemberDetails.model_fields)
# Verified too, but optional on the form: omitted, the register's answer stands.
_KEPT_WHEN_OMITTED = ("enlisted_sharing_income",)
# What a plan and the visit's event read of a registered member: a submission reads these columns only
# (every column read costs its decoding; the encrypted number, timestamps and sync marker plan nothing).
PLANNED_COLUMNS = ("id", "id_number_index", "birth_date", "sex", *_VERIFIED_FIELDS, *_KEPT_WHEN_OMITTED)


@dataclass
class MemberPlan:
    """The register member behind each form member (in form order) and what the visit changes."""

    members: list[RegisteredMember] = field(default_factory=list)
    new: list[Member] = field(default_factory=list)
    updates: list[tuple[RegisteredMember, dict]] = field(default_factory=list)
    # (member, reason) of each registered member the visit removes
    removals: list[tuple[RegisteredMember, str]] = field(default_factory=list)
    # registered members neither on the form nor removed by it
    unverified: list[RegisteredMember] = field(default_factory=list)

    @property
    def changes_register(self) -> bool:
        return bool(self.new or self.updates or self.removals)


def plan_members(form: VisitForm, household: HouseholdRecord, live: list[RegisteredMember], cipher: FieldCipher, *,
                 apply_updates: bool) -> MemberPlan:
    """Resolve every form member; a member_id or ID number that does not fit is a 422 at that member."""
    by_id = {m.id: m for m in live}
    by_index = {m.id_number_index: m for m in live}
    plan = MemberPlan()
    first_seen: dict[object, int] = {}
    for index, entry in enumerate(form.members):
        member = _resolve(index, entry, household, by_id, by_index, cipher)
        first = first_seen.setdefault(member.id, index)
        if first != index:
            raise InvalidInput(f"body.members.{index}", f"{entry.name}: the same member as members.{first}")
        plan.members.append(member)
        if member.id not in by_id:
            plan.new.append(member)
        elif apply_updates:
            changes = _changes(member, entry)
            if changes:
                plan.updates.append((member, changes))
    _plan_removals(form, household, plan, by_id, apply_updates=apply_updates)
    _check_one_head(form, plan, live, apply_updates=apply_updates)
    return plan


def _plan_removals(form: VisitForm, household: HouseholdRecord, plan: MemberPlan, by_id: dict, *,
                   apply_updates: bool) -> None:
    verified = {member.id for member in plan.members}
    removed = set()
    for index, removal in enumerate(form.removed_members or []):
        member = by_id.get(removal.member_id)
        if member is None:
            raise InvalidInput(f"body.removed_members.{index}.member_id",
                               f"not a live member of household {household.id}")
        if member.id in verified:
            raise InvalidInput(f"body.removed_members.{index}.member_id",
                               f"{member.name} is also on the form (found by ID number)")
        removed.add(member.id)
        if apply_updates:
            plan.removals.append((member, removal.reason))
    plan.unverified = [m for m in by_id.values() if m.id not in verified and m.id not in removed]


def _check_one_head(form: VisitForm, plan: MemberPlan, live: list[RegisteredMember], *, apply_updates: bool) -> None:
    """The register after the visit holds exactly one 户主: a 422 at ``body.members`` otherwise."""
    new_ids = {m.id for m in plan.new}
    heads = [entry.name for entry, member in zip(form.members, plan.members, strict=True)
             if (entry.relation if apply_updates or member.id in new_ids else member.relation) == Relation.HEAD]
    # Everyone on record the visit neither lists nor removes stays as recorded.
    kept = {m.id for m in plan.members} | {m.id for m, _ in plan.removals}
    heads += [m.name for m in live if m.id not in kept and m.relation == Relation.HEAD]
    if len(heads) != 1:
        raise InvalidInput("body.members", f"the register would hold {len(heads)} heads (户主): "
                                           f"{', '.join(heads) or 'none'}; a household has exactly one. List the "
                                           "head on record with the relation they now have, or remove them "
                                           "(removed_members) if they left")


def counted_members(form: VisitForm, plan: MemberPlan) -> list[MemberMonths]:
    """The form's members as 附件5 counts them: the form's months, and enlisted-and-sharing as the form
    says or, where it is silent, as the register says."""
    return [MemberMonths(entry.months_in_household, enlisted_sharing_income(entry, member))
            for entry, member in zip(form.members, plan.members, strict=True)]


def enlisted_sharing_income(entry: VerifiedMember, member: RegisteredMember) -> bool:
    return member.enlisted_sharing_income if entry.enlisted_sharing_income is None else entry.enlisted_sharing_income


def check_household_size(form: VisitForm, plan: MemberPlan) -> None:
    """A household of no member-months is a 422: income could never divide by its size (家庭人口数).

    附件5 counts each member's months in household, and a member who enlisted and still shares
    income and expenses all year, so the register's flag decides as much as the form's months.
    """
    if not any(m.months_in_household > 0 or m.enlisted_sharing_income for m in counted_members(form, plan)):
        raise InvalidInput("body.members", "household size is 0: give months_in_household above 0 for at least "
                                           "one member who lived in the household in the income year")


def _resolve(index: int, entry: VerifiedMember, household: HouseholdRecord, by_id: dict, by_index: dict,
             cipher: FieldCipher) -> RegisteredMember:
    index_of_number = cipher.blind_index(entry.id_number, purpose="id_number") if entry.id_number else None
    if entry.member_id is not None:
        member = by_id.get(entry.member_id)
        if member is None:
            raise InvalidInput(f"body.members.{index}.member_id",
                               f"{entry.name}: not a live member of household {household.id}")
        if index_of_number is not None and index_of_number != member.id_number_index:
            raise InvalidInput(f"body.members.{index}.id_number",
                               f"{entry.name}: differs from the member on record; correct an ID number through "
                               f"PATCH /intake/members/{member.id}")
        return member
    existing = by_index.get(index_of_number)
    if existing is not None:
        return existing
    fields = set(_VERIFIED_FIELDS + _KEPT_WHEN_OMITTED)
    data = MemberCreate(id_number=entry.id_number, **entry.model_dump(include=fields, exclude_none=True))
    return new_member(household, data, cipher)


def _changes(member: RegisteredMember, entry: VerifiedMember) -> dict:
    changes = {}
    for name in _VERIFIED_FIELDS:
        value = getattr(entry, name)
        value = getattr(value, "value", value)
        if getattr(member, name) != value:
            changes[name] = value
    for name in _KEPT_WHEN_OMITTED:
        value = getattr(entry, name)
        if value is not None and getattr(member, name) != value:
            changes[name] = value
    return changes


def apply_updates(plan: MemberPlan, objects: dict[uuid.UUID, Member], now: datetime) -> None:
    """Write the planned changes onto the register's objects (``objects``: the household's live members by
    id) and put those objects in the plan in place of the rows read, so that what follows reads the members
    as the visit left them."""
    plan.updates = [(objects[member.id], changes) for member, changes in plan.updates]
    plan.removals = [(objects[member.id], reason) for member, reason in plan.removals]
    for member, changes in plan.updates:
        for name, value in changes.items():
            setattr(member, name, value)
        member.updated_at = now
    for member, reason in plan.removals:
        member.removed_at = member.updated_at = now
        member.removal_reason = reason
    changed = {member.id: member for member, _ in plan.updates}
    plan.members = [changed.get(member.id, member) for member in plan.members]
