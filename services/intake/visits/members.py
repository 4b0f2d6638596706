"""How a visit's member list meets the register (家庭成员核实).

A form member names a member on record by ``member_id``, or brings an ID number: a number already
held by a live member of this household means that member; any other number is a new member
(birth, marriage in) registered by the visit. The visit's details (labour capacity, months in
household…) become the register's, unless a later visit of the household is already stored: a
phone that was offline for days must not overwrite what a newer visit recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.intake.households.models import Household, Member
from services.intake.households.schemas import MemberCreate
from services.intake.households.service import new_member
from shared.domain.visit_form import MemberDetails, VerifiedMember, VisitForm
from shared.errors import InvalidInput
from shared.security.crypto import FieldCipher

_VERIFIED_FIELDS = tuple(MemberDetails.model_fields)


@dataclass
class MemberPlan:
    """The register member behind each form member (in form order) and what the visit changes."""

    members: list[Member] = field(default_factory=list)
    new: list[Member] = field(default_factory=list)
    updates: list[tuple[Member, dict]] = field(default_factory=list)

    @property
    def changes_register(self) -> bool:
        return bool(self.new or self.updates)


def plan_members(form: VisitForm, household: Household, live: list[Member], cipher: FieldCipher, *,
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
    return plan


def check_household_size(form: VisitForm, plan: MemberPlan) -> None:
    """A household of no member-months is a 422: income could never divide by its size (家庭人口数).

    附件5 counts each member's months in household, and a member who enlisted and still shares
    income and expenses all year, so the register's flag decides as much as the form's months.
    """
    counted = any(entry.months_in_household > 0 or member.enlisted_sharing_income
                  for entry, member in zip(form.members, plan.members, strict=True))
    if not counted:
        raise InvalidInput("body.members", "household size is 0: give months_in_household above 0 for at least "
                                           "one member who lived in the household in the income year")


def _resolve(index: int, entry: VerifiedMember, household: Household, by_id: dict, by_index: dict,
             cipher: FieldCipher) -> Member:
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
    data = MemberCreate(id_number=entry.id_number, **entry.model_dump(include=set(_VERIFIED_FIELDS)))
    return new_member(household, data, cipher)


def _changes(member: Member, entry: VerifiedMember) -> dict:
    changes = {}
    for name in _VERIFIED_FIELDS:
        value = getattr(entry, name)
        value = getattr(value, "value", value)
        if getattr(member, name) != value:
            changes[name] = value
    return changes


def apply_updates(plan: MemberPlan, now) -> None:
    for member, changes in plan.updates:
        for name, value in changes.items():
            setattr(member, name, value)
        member.updated_at = now
