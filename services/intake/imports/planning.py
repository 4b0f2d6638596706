"""Planning an import: what each household's rows would do, decided from a batch of reads.

Rows are planned in batches of households so that the register is read with a handful of
queries per batch (households by number, their live members, holders of the batch's ID numbers)
instead of several per household. A plan holds ids and changes only, never rows of a session,
so it can be applied later in a transaction of its own.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from services.intake.households.models import Household, Member
from services.intake.households.repository import HouseholdRepository, MemberRepository
from services.intake.households.schemas import MemberCreate
from services.intake.households.service import ALREADY_REGISTERED
from services.intake.imports.rows import ParsedRow
from services.intake.imports.schemas import ImportRow, RowAction
from services.intake.org_units.repository import OrgUnitRepository
from shared.data.database import AppSession
from shared.domain.enums import Relation
from shared.domain.org_codes import OrgLevel
from shared.security.auth import Principal
from shared.security.crypto import FieldCipher

MEMBER_FIELDS = ("name", "relation", "labour_capacity", "skilled_trade", "trade_note", "weak_reason", "remarks",
                 "months_in_household")


@dataclass(frozen=True)
class Village:
    """The village of a household's rows (kept across sessions, so a plain value, not a row)."""

    org_code: str
    name: str


@dataclass
class ImportState:
    """What the file has shown so far (bounded: small values per person and per household)."""

    principal: Principal
    cipher: FieldCipher
    # 16-byte digests of the ID numbers seen so far, with their row: a person on two rows is an error.
    seen_numbers: dict[bytes, int] = field(default_factory=dict)
    # Households this file creates, so that its later rows of them plan an update.
    created: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    villages: dict[tuple[str, str], Village | str] = field(default_factory=dict)


@dataclass
class HouseholdPlan:
    """One household's rows and what applying them does."""

    rows: list[ParsedRow]
    results: list[ImportRow] = field(default_factory=list)
    village: Village | None = None
    household_id: uuid.UUID | None = None
    household_action: RowAction | None = None
    household_values: dict = field(default_factory=dict)
    member_updates: dict[uuid.UUID, dict] = field(default_factory=dict)
    new_members: list[MemberCreate] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.village.org_code if self.village else "", self.rows[0].household_number)

    @property
    def writes(self) -> bool:
        return self.household_action in (RowAction.CREATE, RowAction.UPDATE)

    def reject_all(self, *reasons: str) -> None:
        """Reject every row; a row already rejected keeps its own reasons."""
        earlier = {r.row: r for r in self.results if r.action is RowAction.REJECTED}
        self.results = [earlier.get(row.row) or rejected(row, *row.errors, *reasons) for row in self.rows]
        self.household_action = None


async def plan_batch(state: ImportState, session: AppSession, groups: list[list[ParsedRow]]) -> list[HouseholdPlan]:
    """Plan every household of the batch with one read of each kind."""
    plans = [HouseholdPlan(rows=rows) for rows in groups]
    open_plans = [plan for plan in plans if await _usable(state, session, plan)]
    existing = await HouseholdRepository(session).by_numbers(plan.key for plan in open_plans)
    live = await MemberRepository(session).live_of(h.id for h in existing.values())
    indexes = {id(row): _index(state, row) for plan in open_plans for row in plan.rows}
    holders = await MemberRepository(session).live_holders(i for i in indexes.values() if i)
    names = await OrgUnitRepository(session).names([org for _, org in holders.values()
                                                     if state.principal.covers(org)])
    for plan in open_plans:
        household = existing.get(plan.key)
        members = {m.id_number_index: m for m in live.get(household.id, [])} if household else {}
        context = _Context(state, household, members, holders, names, indexes)
        _plan_household(context, plan)
    return plans


def _index(state: ImportState, row: ParsedRow) -> str | None:
    return state.cipher.blind_index(row.member.id_number, purpose="id_number") if row.member else None


async def _usable(state: ImportState, session: AppSession, plan: HouseholdPlan) -> bool:
    """Whether the household's rows name a village of the caller and readable household columns."""
    first = plan.rows[0]
    if not first.household_number or not (first.village_code or first.village_name):
        plan.reject_all()
        return False
    key = (first.village_code, first.village_name)
    if key not in state.villages:
        state.villages[key] = await _find_village(state.principal, session, *key)
    village = state.villages[key]
    if isinstance(village, str):
        plan.reject_all(village)
        return False
    plan.village = village
    if first.household_errors or not first.household["household_kinds"]:
        # The household's own columns are read from its first row: without them nothing can be applied.
        plan.reject_all(f"the household's first row (row {first.row}) needs readable household columns, "
                        "户类型 included")
        return False
    return True


async def _find_village(principal: Principal, session: AppSession, code: str, name: str) -> Village | str:
    repository = OrgUnitRepository(session)
    if code:
        unit = await repository.any_by_code(code)
        if unit is None or unit.level != OrgLevel.VILLAGE:
            return f"村代码 (village_code): {code} is not a village code"
        if not principal.covers(code):
            return f"村代码 (village_code): {code} is outside your scope ({principal.scope_prefix})"
        if name and name != unit.name:
            return f"村 (village): {name} is not the name of {code} ({unit.name})"
        return Village(unit.org_code, unit.name)
    units = await repository.villages_named(name)
    if len(units) != 1:
        found = "no" if not units else "more than one"
        return f"村 (village): {found} village named {name} in your scope; give 村代码 (village_code)"
    return Village(units[0].org_code, units[0].name)


@dataclass
class _Context:
    state: ImportState
    household: Household | None
    members: dict[str, Member]
    holders: dict[str, tuple[uuid.UUID, str]]
    names: dict[str, str]
    indexes: dict[int, str | None]


def _plan_household(context: _Context, plan: HouseholdPlan) -> None:
    known = context.household.id if context.household else context.state.created.get(plan.key)
    for row in plan.rows:
        plan.results.append(_plan_row(context, plan, row, known))
    accepted = [row for row, result in zip(plan.rows, plan.results, strict=True)
                if result.action is not RowAction.REJECTED]
    if not accepted:
        return
    plan.household_values = _household_values(plan.rows[0])
    if known is None:
        if not any(row.member.relation is Relation.HEAD for row in accepted):
            plan.reject_all("a new household needs its head's row (与户主关系 = 户主)")
            return
        plan.household_id = context.state.created[plan.key] = uuid.uuid4()
        plan.household_action = RowAction.CREATE
    else:
        plan.household_id = known
        changed = context.household is None or _changes_of(context.household, plan.household_values)
        writes = changed or plan.member_updates or plan.new_members
        plan.household_action = RowAction.UPDATE if writes else RowAction.UNCHANGED
    for result in plan.results:
        if result.action is not RowAction.REJECTED:
            result.household_action = plan.household_action


def _plan_row(context: _Context, plan: HouseholdPlan, row: ParsedRow, known: uuid.UUID | None) -> ImportRow:
    errors = list(row.errors) + _household_mismatch(plan.rows[0], row)
    index = context.indexes.get(id(row))
    if index is not None and not errors:
        errors += _duplicate(context.state, index, row.row)
        holder = context.holders.get(index)
        if holder is not None and holder[0] != known:
            errors.append(f"身份证号码 (id_number): {row.name}: {_holder_note(context, holder[1])}")
    if errors or row.member is None:
        return rejected(row, *errors)
    existing = context.members.get(index)
    if existing is None:
        plan.new_members.append(row.member)
        return result_row(row, plan.village.org_code, RowAction.CREATE)
    changes = member_changes(context.state.cipher, existing, row.member)
    if changes:
        plan.member_updates[existing.id] = changes
    return result_row(row, plan.village.org_code, RowAction.UPDATE if changes else RowAction.UNCHANGED)


def _holder_note(context: _Context, org_code: str) -> str:
    """The number is registered; in which village only when the importer's scope holds it."""
    if not context.state.principal.covers(org_code):
        return f"the ID number {ALREADY_REGISTERED}"
    return f"the ID number {ALREADY_REGISTERED} in {context.names.get(org_code, '')} ({org_code})"


def _duplicate(state: ImportState, index: str, row: int) -> list[str]:
    digest = hashlib.blake2b(index.encode(), digest_size=16).digest()
    first = state.seen_numbers.setdefault(digest, row)
    return [] if first == row else [f"身份证号码 (id_number): the same person as row {first}"]


def _household_mismatch(first: ParsedRow, row: ParsedRow) -> list[str]:
    if row is first or row.household_errors:
        return []
    differing = [name for name, value in row.household.items()
                 if value not in (None, []) and value != first.household.get(name)]
    return [f"{name}: differs from row {first.row}, the household's first row" for name in differing]


def _household_values(first: ParsedRow) -> dict:
    values = first.household
    return {"group_name": values["group_name"],
            "household_kinds": [k.value for k in values["household_kinds"]],
            "risk_status": getattr(values["risk_status"], "value", None),
            "key_target_groups": [g.value for g in values["key_target_groups"]]}


def _changes_of(household: Household, values: dict) -> dict:
    return {name: value for name, value in values.items() if getattr(household, name) != value}


def member_changes(cipher: FieldCipher, member: Member, data: MemberCreate) -> dict:
    """What the row changes on a registered member (a phone left empty keeps the one on record)."""
    changes = {}
    for name in MEMBER_FIELDS:
        value = getattr(data, name)
        value = getattr(value, "value", value)
        if getattr(member, name) != value:
            changes[name] = value
    if data.phone and cipher.blind_index(data.phone, purpose="phone") != member.phone_index:
        changes["phone"] = data.phone
    return changes


def result_row(row: ParsedRow, village_code: str | None, action: RowAction, *errors: str) -> ImportRow:
    return ImportRow(row=row.row, household_number=row.household_number or None,
                     village_code=village_code or row.village_code or None, name=row.name or None,
                     action=action, errors=list(errors))


def rejected(row: ParsedRow, *errors: str) -> ImportRow:
    return result_row(row, None, RowAction.REJECTED, *(errors or ("rejected",)))
