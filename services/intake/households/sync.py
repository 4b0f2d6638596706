"""Offline sync of a village's households: change markers and the server-issued sync token.

Every write of a household or a member stamps the row's ``change_seq`` with a *change marker*, and a
member's write stamps its household too, so the household shows up in the next delta. That happens
in one place, the ``after_flush`` listener below, whichever code path wrote the row (registration,
PATCH, removal, a visit, an import).

A token holds the *position* of the read that issued it, chosen so that a later sync never skips a
change, even when transactions commit in another order than they began, and repeats none it saw:

- PostgreSQL: the marker is the writing transaction's id (``pg_current_xact_id()``); the position is
  a snapshot (``pg_current_snapshot()``: the lowest running id, the next id, the ids running), taken
  before the rows are read. A row is new to the phone exactly when its transaction is not visible in
  that snapshot (``pg_visible_in_snapshot``): it was still running, or began later. What the snapshot
  shows committed before the rows were read, so the phone has it. A transaction that took its id
  early and commits late is in the snapshot's running list, and comes in the next delta.
- SQLite (the embedded mode): writers are serialised by the database lock, so commit order is write
  order. The marker is one more than the highest marker on record, the position one more than the
  highest committed one.

A token is ``base64url(JSON) + "." + HMAC``; the HMAC uses the deployment's blind-index key, so a
token edited or made up by a client is refused (422), and so is one issued for another list.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import chain, islice
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from services.intake.households.models import Household, Member
from shared.data.database import AppSession, ScopedSession
from shared.errors import InvalidInput
from shared.security.crypto import FieldCipher

R = TypeVar("R")
TOKEN_VERSION = 1
TOKEN_PARAMETER = "query.since"
# Rows stamped per statement (a bound parameter each, well below every driver's limit).
_STAMP_CHUNK = 5000

_PG_MARKER = sa.text("pg_current_xact_id()::text::bigint")
_PG_POSITION = sa.text("SELECT pg_current_snapshot()::text")
_PG_SNAPSHOT = re.compile(r"^(\d{1,20}):(\d{1,20}):((\d{1,20},)*\d{1,20})?$")
_HIGHEST_MARKER = ("SELECT coalesce(max(seq), 0) FROM (SELECT max(change_seq) AS seq FROM households "
                   "UNION ALL SELECT max(change_seq) FROM members) AS markers")
_SERIAL_MARKER = sa.text(f"({_HIGHEST_MARKER}) + 1")
_SERIAL_POSITION = sa.text(f"SELECT ({_HIGHEST_MARKER}) + 1")


def _marker(dialect: str) -> sa.TextClause:
    return _PG_MARKER if dialect == "postgresql" else _SERIAL_MARKER


async def dialect_of(session: AppSession) -> str:
    return (await session.connection()).dialect.name


async def current_position(session: AppSession) -> str:
    """Where the register stands for this transaction's next read (see the module docstring)."""
    dialect = await dialect_of(session)
    query = _PG_POSITION if dialect == "postgresql" else _SERIAL_POSITION
    return str((await session.execute(query)).scalar_one())


def changed_since(column: sa.ColumnElement, position: str, dialect: str) -> sa.ColumnElement[bool]:
    """Rows whose marker ``column`` a read at ``position`` could not see."""
    if dialect != "postgresql":
        return column >= int(position)
    lowest_running = int(position.split(":", 1)[0])
    invisible = sa.not_(sa.func.pg_visible_in_snapshot(
        sa.cast(sa.cast(column, sa.Text), XID8), sa.cast(sa.literal(position, sa.Text), PG_SNAPSHOT)))
    # The range lets an index on the marker narrow the rows; the snapshot decides.
    return sa.and_(column >= lowest_running, invisible)


class XID8(sa.types.UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "xid8"


class PG_SNAPSHOT(sa.types.UserDefinedType):  # noqa: N801 (the PostgreSQL type's name)
    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "pg_snapshot"


def _valid_position(position: object) -> bool:
    if not isinstance(position, str):
        return False
    return bool(_PG_SNAPSHOT.match(position)) or (position.isdigit() and len(position) <= 20)


@event.listens_for(ScopedSession, "after_flush")
def _stamp_changes(session: Session, flush_context) -> None:
    """Stamp every household and member this flush wrote, and the household of every member written."""
    households: set[uuid.UUID] = set()
    members: set[uuid.UUID] = set()
    for obj in chain(session.new, session.dirty):
        if not isinstance(obj, (Household, Member)) or (obj not in session.new and not session.is_modified(obj)):
            continue
        if isinstance(obj, Member):
            members.add(obj.id)
            households.add(obj.household_id)
        else:
            households.add(obj.id)
    if not households:
        return
    connection = session.connection()
    marker = _marker(connection.dialect.name)
    for table, ids in ((Household.__table__, households), (Member.__table__, members)):
        for chunk in _chunks(ids):
            connection.execute(sa.update(table).where(table.c.id.in_(chunk)).values(change_seq=marker))


def _chunks(ids: Iterable[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    iterator = iter(sorted(ids))
    while chunk := list(islice(iterator, _STAMP_CHUNK)):
        yield chunk


@dataclass(frozen=True)
class SyncToken:
    """Where a phone's copy of a list stands.

    ``since``: the copy holds every change a read at this position saw (``None``: the copy is empty).
    ``pass_position`` and ``after``: set while a pass is paged; the pass started at that position and
    has handed out every row up to the key ``after`` (village code, 户编号).
    ``listing``, ``village`` and ``org``: the list the token was issued for.
    """

    listing: str
    since: str | None
    village: str | None
    org: str | None
    pass_position: str | None = None
    after: tuple[str, str] | None = None

    @property
    def continues_pass(self) -> bool:
        return self.after is not None

    def next_page(self, position: str, last_key: tuple[str, str]) -> SyncToken:
        return replace(self, pass_position=position, after=last_key)

    def caught_up(self, position: str) -> SyncToken:
        return SyncToken(listing=self.listing, since=position, village=self.village, org=self.org)

    def encode(self, cipher: FieldCipher) -> str:
        body = {"v": TOKEN_VERSION, "l": self.listing, "s": self.since, "village": self.village, "org": self.org,
                "w": self.pass_position, "a": list(self.after) if self.after else None}
        payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
        return f"{payload}.{_signature(payload, cipher)}"


def _signature(payload: str, cipher: FieldCipher) -> str:
    return cipher.blind_index(payload, purpose="sync_token")[:32]


def decode_token(token: str, cipher: FieldCipher, *, listing: str, village: str | None, org: str | None) -> SyncToken:
    """The token a client sent back; anything not issued by this server for this list is a 422."""
    payload, _, signature = token.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(payload, cipher)):
        raise InvalidInput(TOKEN_PARAMETER, "not a sync token issued by this server; start again without it")
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        after = tuple(body["a"]) if body["a"] is not None else None
        parsed = SyncToken(listing=body["l"], since=body["s"], village=body["village"], org=body["org"], pass_position=body["w"],
                           after=after)  # type: ignore[arg-type]
        if any(p is not None and not _valid_position(p) for p in (parsed.since, parsed.pass_position)):
            raise ValueError("position")
        if (parsed.after is None) != (parsed.pass_position is None) or (
                parsed.after is not None and (len(parsed.after) != 2 or not all(isinstance(k, str)
                                                                                for k in parsed.after))):
            raise ValueError("page key")
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise InvalidInput(TOKEN_PARAMETER, "not a sync token issued by this server; start again without it") from None
    if body.get("v") != TOKEN_VERSION:
        raise InvalidInput(TOKEN_PARAMETER, "a sync token of an older version; start again without it")
    if parsed.listing != listing:
        raise InvalidInput(TOKEN_PARAMETER, f"issued for the list of {parsed.listing}, not of {listing}")
    if (parsed.village, parsed.org) != (village, org):
        raise InvalidInput(TOKEN_PARAMETER, f"issued for the list of village={parsed.village} org={parsed.org}; "
                                            "send it with the same village and org it came with")
    return parsed


# The rows of a pass after a key, up to ``limit + 1`` of them, and how many the whole pass holds.
Fetch = Callable[[str | None, tuple[str, str] | None, int], Awaitable[tuple[Sequence[R], int]]]


@dataclass(frozen=True)
class PassPage(Generic[R]):
    rows: Sequence[R]
    total: int
    has_more: bool
    next_token: str
    since: str | None  # the position the rows are a delta from (``None``: everything)


async def read_pass(session: AppSession, *, listing: str, since: str | None, village: str | None, org: str | None,
                    limit: int, cipher: FieldCipher, fetch: Fetch, key: Callable[[R], tuple[str, str]]) -> PassPage[R]:
    """One page of a sync pass: everything, or what a read at the token's position did not see.

    The position is read before the rows: whatever it shows, the rows show too. A pass is paged by
    key (each page after the last key handed out) and keeps its first page's position, so a row
    that changes behind the pass comes in the next delta. An empty delta hands the same token
    back, so the answer (and its ETag) stays the same while nothing changes.
    """
    token = (decode_token(since, cipher, listing=listing, village=village, org=org) if since is not None
             else SyncToken(listing=listing, since=None, village=village, org=org))
    position = token.pass_position if token.continues_pass else await current_position(session)
    rows, total = await fetch(token.since, token.after, limit)
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        following = token.next_page(position, key(rows[-1]))
    elif not rows and not token.continues_pass and token.since is not None:
        following = token
    else:
        following = token.caught_up(position)
    return PassPage(rows=rows, total=total, has_more=has_more, next_token=following.encode(cipher),
                    since=token.since)
