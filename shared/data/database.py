"""Engines and sessions, and the one place where org scope, read-only roles and audit are enforced.

Every session carries its caller in ``session.info["principal"]``. A listener on every ORM query
adds ``org_code LIKE '<prefix>%'`` for each :class:`OrgScoped` entity, so a row outside the
caller's scope is simply not there (404). A listener on every flush refuses writes outside the
scope or by a read-only role (403) and writes the audit entries for what changed.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import util as sql_util
from sqlmodel.main import default_registry

from shared.data import driver
from shared.data.platform_tables import AuditEntry, OrgScoped, PlatformTable
from shared.errors import Forbidden
from shared.security.audit import (
    creation_entry,
    forget_audit_entries,
    record_audit_entries,
    write_audit_entries,
)
from shared.security.auth import Principal


class ScopedSession(Session):
    """The synchronous session behind every async session; the listeners below hang on it."""


class AppSession(AsyncSession):
    sync_session_class = ScopedSession

    @property
    def principal(self) -> Principal | None:
        return self.info.get("principal")

    async def connection(self, bind_arguments=None, execution_options=None, **kw) -> AsyncConnection:
        """The connection of the session's transaction (which it begins), looked up once per transaction.

        SQLAlchemy finds it through a greenlet on every call, a cost that statements run on the
        connection (a visit's lock, reads and insert) paid each time. A call with arguments, or after
        the transaction ended, asks SQLAlchemy again.
        """
        if bind_arguments is not None or execution_options is not None or kw:
            return await super().connection(bind_arguments, execution_options, **kw)
        transaction = self.sync_session.get_transaction()
        remembered = self.info.get(_CONNECTION_KEY)
        if remembered is not None and transaction is not None and remembered[0] is transaction and transaction.is_active:
            return remembered[1]
        connection = await super().connection()
        self.info[_CONNECTION_KEY] = (self.sync_session.get_transaction(), connection)
        return connection


_CONNECTION_KEY = "transaction_connection"


@event.listens_for(ScopedSession, "do_orm_execute")
def _limit_to_scope(state: ORMExecuteState) -> None:
    principal: Principal | None = state.session.info.get("principal")
    if principal is None or principal.is_system or not state.is_select:
        return
    if state.execution_options.get("skip_scope"):
        return
    state.statement = _scoped(state.statement, principal.scope_prefix)


# The criteria name only the org-scoped entities the statement reads (in any subquery too): the
# ORM processes every criteria option on every execution, and one per scoped model cost more than a
# small query itself. A statement built once and run again and again (a module-level constant) gets
# its scoped form built once per prefix as well.
_SCOPED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scoped(statement, prefix: str):
    by_prefix = _SCOPED.get(statement)
    if by_prefix is None:
        by_prefix = _SCOPED[statement] = {}
    scoped = by_prefix.get(prefix)
    if scoped is None:
        entities = _scoped_entities_in(statement)
        scoped = statement.options(*_scope_options(prefix, entities)) if entities else statement
        by_prefix[prefix] = scoped
    return scoped


def _scoped_entities_in(statement) -> tuple[type, ...]:
    """The org-scoped models whose tables the statement reads anywhere, subqueries included."""
    tables = set(sql_util.find_tables(statement, include_aliases=True, include_joins=True, include_selects=True))
    return tuple(entity for entity in _org_scoped_entities() if entity.__table__ in tables)


@lru_cache(maxsize=4096)
def _scope_options(prefix: str, entities: tuple[type, ...]) -> tuple:
    # Built once per prefix and reused: constructing the lambda criteria costs more than the query's
    # own compilation, on every query of every request.
    return tuple(with_loader_criteria(entity, lambda cls: cls.org_code.startswith(prefix), include_aliases=True)
                 for entity in entities)


def _org_scoped_entities() -> tuple[type, ...]:
    """Every mapped table class that carries an org code (the mixin itself is not mapped)."""
    return tuple(m.class_ for m in default_registry.mappers if issubclass(m.class_, OrgScoped))


@event.listens_for(ScopedSession, "before_flush")
def _guard_and_audit(session: Session, flush_context, instances) -> None:
    principal: Principal | None = session.info.get("principal")
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted) if not isinstance(obj, PlatformTable)]
    if principal is not None and not principal.is_system:
        for obj in changed:
            _check_write(principal, type(obj), getattr(obj, "org_code", None))
    record_audit_entries(session, principal)


@event.listens_for(ScopedSession, "after_flush")
def _write_audit(session: Session, flush_context) -> None:
    write_audit_entries(session)


@event.listens_for(ScopedSession, "after_soft_rollback")
def _forget_audit(session: Session, previous_transaction) -> None:
    forget_audit_entries(session)


def _check_write(principal: Principal, model: type, org_code: str | None) -> None:
    if not principal.can_write:
        raise Forbidden(f"role {principal.role} reads and never writes")
    if issubclass(model, OrgScoped) and not principal.covers(org_code or ""):
        raise Forbidden(f"org unit {org_code} is outside your scope ({principal.scope_prefix})")


def json_text(value: object) -> str:
    """The text of a JSON column: orjson writes a visit's documents (its form, findings, event and audit
    entry) several times faster than the standard library. Keys that are not strings become strings, as
    with ``json.dumps``; only NaN and infinities differ (null, where ``json.dumps`` writes what no
    database reads as JSON)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# Connections are replaced after half an hour, so none outlives a server-side idle limit or a failover.
POOL_RECYCLE_SECONDS = 1800


async def insert_now(session: AppSession, model: type, row: dict, *,
                     beside: Sequence[tuple[sa.Table, list[dict]]] = ()) -> None:
    """Insert a new row of a domain table, its audit entry and ``beside`` (platform rows that go with it) at once.

    On PostgreSQL it is one statement (the other inserts are data-modifying WITH clauses), so the row
    costs one round trip and no object or unit of work, and runs by the driver (:mod:`shared.data.driver`);
    on SQLite the inserts run one after another.
    ``row`` names every column (a model's defaults are not applied here). The write guard and the audit
    trail apply as in a flush. This is for a row written once and not changed again in the transaction.
    A constraint it breaks raises :class:`IntegrityError` here, with nothing of the statement written.
    """
    mapper = sa.inspect(model)
    missing = [attr.key for attr in mapper.column_attrs if attr.key not in row]
    if missing:
        raise ValueError(f"a row of {model.__tablename__} without {', '.join(missing)}")
    principal: Principal | None = session.info.get("principal")
    if principal is not None and not principal.is_system:
        _check_write(principal, model, row.get("org_code"))
    inserts = [(AuditEntry.__table__, [creation_entry(session, principal, model, row)]),
               *((table, rows) for table, rows in beside if rows)]
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await connection.execute(sa.insert(mapper.local_table), row)
        for table, rows in inserts:
            await connection.execute(sa.insert(table), rows)
        return
    statement = _insert_statement(mapper.local_table, tuple(row),
                                  tuple((table, len(rows), tuple(rows[0])) for table, rows in inserts))
    parameters = {f"r_{key}": value for key, value in row.items()}
    for number, (_, rows) in enumerate(inserts):
        for index, each in enumerate(rows):
            parameters.update((f"b{number}_{index}_{key}", value) for key, value in each.items())
    await driver.execute(session, statement, parameters)


@lru_cache(maxsize=256)
def _insert_statement(table: sa.Table, keys: tuple[str, ...], beside: tuple[tuple[sa.Table, int, tuple[str, ...]], ...]):
    """The statement of :func:`insert_now` for one shape of rows, with named parameters, so that it is compiled
    once (values given inline would make every execution compile it again)."""
    def values(of: sa.Table, prefix: str, names: tuple[str, ...]) -> dict:
        return {name: sa.bindparam(f"{prefix}_{name}", type_=of.c[name].type) for name in names}

    statement = sa.insert(table).values(values(table, "r", keys))
    for number, (other, count, names) in enumerate(beside):
        for index in range(count):  # a WITH clause per row: a multi-row VALUES is never cached
            row = values(other, f"b{number}_{index}", names)
            statement = statement.add_cte(sa.insert(other).values(row).cte(f"beside_{number}_{index}"))
    return statement


def _refuse_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """Hand out only connections whose socket is still open, without a round trip.

    SQLAlchemy's ``pool_pre_ping`` costs the asyncpg driver three round trips (begin, ``;``,
    rollback) on every checkout: a third of a small request. A server that restarts or ends a
    session closes its socket, and the driver marks the connection closed as soon as the event
    loop reads that, so a local check finds nearly every dead connection. ``DisconnectionError``
    makes the pool drop it and open another. A connection lost in the moment before its
    statement fails that one request with a 503 (see ``shared.errors``), which the client can
    retry, and the pool drops the stale connections.
    """
    connection = getattr(dbapi_connection, "driver_connection", None)
    if connection is not None and connection.is_closed():
        raise sa.exc.DisconnectionError("the database closed this connection")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the relay read while a request writes; the busy timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Where a session keeps the callback to run after a commit that wrote outbox rows (the outbox sets the flag).
AFTER_EVENTS_COMMITTED_KEY = "after_events_committed"


class Database:
    """One service's database: its engine and a factory of scoped sessions."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo, "json_serializer": json_text, "json_deserializer": orjson.loads}
        if self.is_sqlite:
            ensure_sqlite_folder(url)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_recycle=POOL_RECYCLE_SECONDS)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connection)
        self.sessions = async_sessionmaker(self.engine, class_=AppSession, expire_on_commit=False)
        # Called after a commit that wrote outbox rows (the relay of this database sets it).
        self.on_events_committed: Callable[[], None] | None = None

    def session(self, principal: Principal | None = None, *, request_id: str | None = None) -> AppSession:
        session = self.sessions()
        session.info["principal"] = principal
        session.info["request_id"] = request_id
        session.info[AFTER_EVENTS_COMMITTED_KEY] = self.on_events_committed
        return session

    @asynccontextmanager
    async def transaction(self, principal: Principal | None = None, *, request_id: str | None = None
                          ) -> AsyncIterator[AppSession]:
        """A session that commits once at the end, or rolls back once on error."""
        async with self.session(principal, request_id=request_id) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file; any other database's URL is left alone (it names no folder)."""
    if not url.startswith("sqlite"):
        return
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


__all__ = ["AppSession", "AsyncSession", "Database", "ScopedSession"]


def violates(exc: IntegrityError, constraint: str, columns: Iterable[str] = ()) -> bool:
    """Whether ``exc`` is the violation of ``constraint`` (PostgreSQL names it; SQLite names columns)."""
    message = str(exc.orig)
    if constraint in message:
        return True
    return bool(columns) and "UNIQUE constraint failed" in message and all(col in message for col in columns)
