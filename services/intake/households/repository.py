"""Queries on households and members."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select, tuple_

from services.intake.households.models import Household, Member
from services.intake.households.sync import changed_since, dialect_of
from shared.data import driver
from shared.data.column_types import contains_code
from shared.data.database import AppSession
from shared.data.driver import NamedRow
from shared.domain.enums import HouseholdKind, KeyTargetGroup


@dataclass(frozen=True)
class HouseholdFilter:
    """Which households a list shows; every criterion narrows it further."""

    village: str | None = None
    org: str | None = None
    group_name: str | None = None
    kind: HouseholdKind | None = None
    key_target_group: KeyTargetGroup | None = None
    id_number_index: str | None = None
    household_number: str | None = None


# Every visit runs this: built once, since constructing the expression costs as much as running it. It
# reads the household's columns, not an object: most visits change nothing of the household, and an
# object costs a visit more than the query does (see ``lock``). Its timestamps and sync marker are left
# out (each column read costs its decoding, and a visit reads none of them).
_HOUSEHOLDS = Household.__table__
_LOCKED_COLUMNS = [column for column in _HOUSEHOLDS.c if column.key not in ("created_at", "updated_at", "change_seq")]
_LOCK_HOUSEHOLD = select(*_LOCKED_COLUMNS).where(_HOUSEHOLDS.c.id == bindparam("household_id")).with_for_update()


class HouseholdRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, household_id: uuid.UUID) -> Household | None:
        return (await self.session.scalars(select(Household).where(Household.id == household_id))).first()

    async def get_for_update(self, household_id: uuid.UUID) -> Household | None:
        """The household, locked until the transaction ends (serialises changes to its members)."""
        query = select(Household).where(Household.id == household_id).with_for_update()
        return (await self.session.scalars(query)).first()

    async def lock(self, household_id: uuid.UUID) -> NamedRow | None:
        """The household's columns (a row named as :class:`Household`'s attributes, but its timestamps and
        sync marker), locked until the transaction ends, so that its visits and member changes apply one at
        a time; None when it does not exist or lies outside the caller's scope.

        A row, not an object: a caller that changes the household loads it (:meth:`get`) once it knows.
        The statement runs by the driver (:mod:`shared.data.driver`), below the session's scope filter, so
        the scope is checked here on the row's org code.

        Read its members with a statement of their own after this one: a lock that waited for another
        transaction re-reads only the locked row, so members read in the same statement would be those
        of before that transaction committed (PostgreSQL, READ COMMITTED). Read after the lock, they
        include what the visit that held it added.
        """
        rows = await driver.fetch_rows(self.session, _LOCK_HOUSEHOLD, {"household_id": household_id})
        row = rows[0] if rows else None
        principal = self.session.principal
        if row is None or (principal is not None and not principal.covers(row.org_code)):
            return None
        return row

    async def by_number(self, org_code: str, household_number: str) -> Household | None:
        query = select(Household).where(Household.org_code == org_code,
                                        Household.household_number == household_number)
        return (await self.session.scalars(query)).first()

    async def by_numbers(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Household]:
        """Households by (village code, 户编号), in one query."""
        wanted = set(keys)
        if not wanted:
            return {}
        query = select(Household).where(Household.org_code.in_({org for org, _ in wanted}),
                                        Household.household_number.in_({number for _, number in wanted}))
        rows = (await self.session.scalars(query)).all()
        return {(h.org_code, h.household_number): h for h in rows if (h.org_code, h.household_number) in wanted}

    async def page(self, criteria: HouseholdFilter, *, limit: int, offset: int) -> tuple[Sequence[Household], int]:
        query = self._filtered(select(Household), criteria)
        total = (await self.session.execute(
            self._filtered(select(func.count()).select_from(Household), criteria))).scalar_one()
        rows = await self.session.scalars(
            query.order_by(Household.org_code, Household.household_number).limit(limit).offset(offset))
        return rows.all(), total

    async def changed_page(self, criteria: HouseholdFilter, *, since: str | None, after: tuple[str, str] | None,
                           limit: int) -> tuple[Sequence[Household], int]:
        """Households a read at position ``since`` did not see (all when ``None``), in key order after ``after``.

        Up to ``limit + 1`` rows, so the caller knows whether a page follows; the count is the whole delta's.
        """
        delta = self._filtered(select(Household), criteria)
        counted = self._filtered(select(func.count()).select_from(Household), criteria)
        if since is not None:
            changed = changed_since(Household.change_seq, since, await dialect_of(self.session))
            delta, counted = delta.where(changed), counted.where(changed)
        total = (await self.session.execute(counted)).scalar_one()
        if after is not None:
            delta = delta.where(tuple_(Household.org_code, Household.household_number) > tuple_(*after))
        rows = await self.session.scalars(delta.order_by(Household.org_code, Household.household_number)
                                          .limit(limit + 1))
        return rows.all(), total

    def _filtered(self, query: Select, criteria: HouseholdFilter) -> Select:
        if criteria.village is not None:
            query = query.where(Household.org_code == criteria.village)
        if criteria.org is not None:
            query = query.where(Household.org_code.startswith(criteria.org))
        if criteria.group_name is not None:
            query = query.where(Household.group_name == criteria.group_name)
        if criteria.household_number is not None:
            query = query.where(Household.household_number == criteria.household_number)
        if criteria.kind is not None:
            query = query.where(contains_code(Household.household_kinds, criteria.kind))
        if criteria.key_target_group is not None:
            query = query.where(contains_code(Household.key_target_groups, criteria.key_target_group))
        if criteria.id_number_index is not None:
            holders = select(Member.household_id).where(Member.id_number_index == criteria.id_number_index,
                                                        Member.removed_at.is_(None))
            query = query.where(Household.id.in_(holders))
        return query


class MemberRepository:
    def __init__(self, session: AppSession) -> None:
        self.session = session

    async def get(self, member_id: uuid.UUID) -> Member | None:
        return (await self.session.scalars(select(Member).where(Member.id == member_id))).first()

    async def live_of(self, household_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Member]]:
        """Live members of each household, head first, then in the order they were registered."""
        ids = list(household_ids)
        members: dict[uuid.UUID, list[Member]] = {household_id: [] for household_id in ids}
        if not ids:
            return members
        query = (select(Member).where(Member.household_id.in_(ids), Member.removed_at.is_(None))
                 .order_by(Member.household_id, (Member.relation != "head"), Member.created_at, Member.id))
        for member in (await self.session.scalars(query)).all():
            members[member.household_id].append(member)
        return members

    async def page(self, *, village: str | None, org: str | None, limit: int, offset: int
                   ) -> tuple[Sequence[Member], int]:
        """Live members of a village or org prefix, by offset, in the order a sync pass uses."""
        query = self._in(select(Member), village, org).where(Member.removed_at.is_(None))
        counted = self._in(select(func.count()).select_from(Member), village, org).where(Member.removed_at.is_(None))
        total = (await self.session.execute(counted)).scalar_one()
        rows = await self.session.scalars(query.order_by(Member.org_code, Member.id).limit(limit).offset(offset))
        return rows.all(), total

    async def changed_page(self, *, village: str | None, org: str | None, since: str | None,
                           after: tuple[str, str] | None, limit: int) -> tuple[Sequence[Member], int]:
        """Members a read at position ``since`` did not see, removed ones included (with no position:
        every live member), in key order after ``after`` (village code, member id); up to ``limit + 1``."""
        query = self._in(select(Member), village, org)
        counted = self._in(select(func.count()).select_from(Member), village, org)
        if since is None:
            query, counted = query.where(Member.removed_at.is_(None)), counted.where(Member.removed_at.is_(None))
        else:
            changed = changed_since(Member.change_seq, since, await dialect_of(self.session))
            query, counted = query.where(changed), counted.where(changed)
        total = (await self.session.execute(counted)).scalar_one()
        if after is not None:
            query = query.where(tuple_(Member.org_code, Member.id) > tuple_(after[0], uuid.UUID(after[1])))
        rows = await self.session.scalars(query.order_by(Member.org_code, Member.id).limit(limit + 1))
        return rows.all(), total

    @staticmethod
    def _in(query: Select, village: str | None, org: str | None) -> Select:
        if village is not None:
            query = query.where(Member.org_code == village)
        if org is not None:
            query = query.where(Member.org_code.startswith(org))
        return query

    async def removed_since(self, household_ids: Iterable[uuid.UUID], since: str) -> list[Member]:
        """Members of these households removed by a change a read at position ``since`` did not see."""
        ids = list(household_ids)
        if not ids:
            return []
        query = (select(Member).where(Member.household_id.in_(ids), Member.removed_at.is_not(None),
                                      changed_since(Member.change_seq, since, await dialect_of(self.session)))
                 .order_by(Member.household_id, Member.removed_at, Member.id))
        return list((await self.session.scalars(query)).all())

    async def live_holders(self, id_number_indexes: Iterable[str]) -> dict[str, tuple[uuid.UUID, str]]:
        """Which live member anywhere holds each blind index: ``{index: (household_id, org_code)}``.

        Read outside the caller's scope on purpose: uniqueness holds across the deployment. What a
        caller is told of a holder outside its scope is only that the number is registered.
        """
        indexes = list(set(id_number_indexes))
        if not indexes:
            return {}
        query = (select(Member.id_number_index, Member.household_id, Member.org_code)
                 .where(Member.id_number_index.in_(indexes), Member.removed_at.is_(None))
                 .execution_options(skip_scope=True))
        return {index: (household_id, org) for index, household_id, org in (await self.session.execute(query)).all()}
