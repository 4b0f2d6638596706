"""A hot path's statements, handed to the database driver within the session's transaction.

SQLAlchemy's ``execute`` spends about 120 µs of CPU on each statement beside the driver's own work
(about 90 µs for a small one, round trip included): the hop into a greenlet, the execution context,
the cursor's result object and its rows. A visit runs three statements on its connection (the
household's lock, the members and context, the one-statement insert), and that overhead was a tenth
of its cost (``python -m bench intake_visits``). :func:`fetch_rows` and :func:`execute` run such a
statement, built once at module level, by the asyncpg adapter's cursor instead, as SQLAlchemy
itself would after its bookkeeping:

- the statement is compiled once per process and engine (its text, the order of its parameters,
  their bind processors and the result columns' processors), as SQLAlchemy's compiled cache does;
- the adapter's cursor begins the transaction if it has not begun, prepares the statement once
  per connection and holds the adapter's lock, as for every statement SQLAlchemy runs;
- values pass through the columns' types both ways (an enum list, JSON), so rows hold what
  ``connection.execute`` would give;
- a database error arrives as SQLAlchemy's exception (:class:`~sqlalchemy.exc.IntegrityError`
  and the rest, the driver's error as ``orig``); a lost connection is invalidated and the error
  says so (``connection_invalidated``), as the error handlers expect (a 503 to retry).

Rows are named tuples: ``row.org_code`` and ``row[3:]`` work as on SQLAlchemy's ``Row``. On any
other database (SQLite), or if the adapter lacks the cursor's coroutine this relies on, the
statement runs through ``connection.execute`` and rows are SQLAlchemy's. Statements that expand
a list (``IN`` with a list parameter) are not taken (their text depends on the values).

It skips SQLAlchemy's statement logging (``echo``) and cursor events; the project uses neither.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import BindParameter

try:  # the adapter's coroutine behind its cursor's execute (SQLAlchemy 2's asyncpg dialect)
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_cursor

    DRIVER_PATH = hasattr(AsyncAdapt_asyncpg_cursor, "_prepare_and_execute")
except ImportError:  # pragma: no cover - the asyncpg dialect is part of SQLAlchemy
    DRIVER_PATH = False

# A row of named columns: a named tuple from the driver, SQLAlchemy's Row elsewhere; both read as ``row.name``,
# ``row[index]`` and ``row._asdict()``.
NamedRow = Any

_MISSING = object()


@dataclass
class _Prepared:
    """A statement compiled for the driver: what each execution needs, worked out once."""

    text: str
    parameters: list[tuple[str, Callable | None, Any]]  # (name, bind processor, value it carries or _MISSING)
    columns: list[sa.ColumnElement]
    row: type | None  # the named tuple of its result columns; None for a statement without any
    result_processors: list[Callable | None] | None = field(default=None)  # from the first result's column types


_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def fetch_rows(session: AsyncSession, statement: sa.Select, parameters: Mapping[str, Any]) -> Sequence[NamedRow]:
    """All rows of ``statement`` (a SELECT built once, with named parameters given by ``parameters``)."""
    connection = await session.connection()
    adapted = _adapted(connection)
    if adapted is None:
        return (await connection.execute(statement, dict(parameters))).all()
    prepared = _prepared(statement, connection.dialect)
    cursor = await _run(connection, adapted, prepared, parameters)
    records = cursor.fetchall()
    if prepared.result_processors is None:
        prepared.result_processors = _result_processors(prepared, cursor.description, connection.dialect)
    make, processors = prepared.row._make, prepared.result_processors
    if not any(processors):
        return [make(record) for record in records]
    return [make([value if process is None else process(value) for value, process in zip(record, processors)])
            for record in records]


async def execute(session: AsyncSession, statement: sa.Executable, parameters: Mapping[str, Any]) -> None:
    """Run ``statement`` (an INSERT, UPDATE or DELETE built once, without RETURNING) with named ``parameters``."""
    connection = await session.connection()
    adapted = _adapted(connection)
    if adapted is None:
        await connection.execute(statement, dict(parameters))
        return
    await _run(connection, adapted, _prepared(statement, connection.dialect), parameters)


def _adapted(connection: AsyncConnection):
    """The asyncpg adapter under a live connection, or None where the driver path does not apply."""
    if not DRIVER_PATH or connection.dialect.driver != "asyncpg":
        return None
    sync = connection.sync_connection
    if sync is None or sync.closed or sync.invalidated:
        return None  # SQLAlchemy's own execute raises what fits
    return sync.connection.dbapi_connection


async def _run(connection: AsyncConnection, adapted, prepared: _Prepared, parameters: Mapping[str, Any]):
    arguments = []
    for name, process, carried in prepared.parameters:
        value = parameters.get(name, carried)
        if value is _MISSING:
            raise sa.exc.ArgumentError(f"a value is required for the parameter {name!r} of a prepared statement")
        arguments.append(value if process is None else process(value))
    cursor = adapted.cursor()
    dbapi = connection.dialect.loaded_dbapi
    try:
        await cursor._prepare_and_execute(prepared.text, arguments)
    except dbapi.Error as error:
        lost = connection.dialect.is_disconnect(error, adapted, cursor)
        if lost:
            await connection.invalidate(error)
        raise DBAPIError.instance(prepared.text, arguments, error, dbapi.Error, connection_invalidated=lost,
                                  dialect=connection.dialect) from error
    except BaseException as error:
        if not isinstance(error, Exception):
            # Cancelled mid-statement: the connection's state is unknown, so it is not used again (as SQLAlchemy does).
            await connection.invalidate(error)
        raise
    return cursor


def _prepared(statement: sa.Executable, dialect: sa.Dialect) -> _Prepared:
    # Per engine's dialect, not per dialect name: its bind processors carry the engine's JSON serialiser.
    by_dialect = _PREPARED.get(statement)
    if by_dialect is None:
        by_dialect = _PREPARED[statement] = weakref.WeakKeyDictionary()
    prepared = by_dialect.get(dialect)
    if prepared is None:
        prepared = by_dialect[dialect] = _compile(statement, dialect)
    return prepared


def _compile(statement: sa.Executable, dialect: sa.Dialect) -> _Prepared:
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, BindParameter] = compiled.binds
    if any(bind.expanding for bind in binds.values()):
        raise ValueError("a statement that expands a list parameter cannot be prepared once; execute it instead")
    required = {bind.key for bind in binds.values() if bind.required}
    if compiled.literal_execute_params:
        # Literal parameters (an aggregate's separator) are rendered into the text; the rest stay positional.
        # Rendering needs a value for every parameter, and a SELECT takes placeholders for the required ones.
        if not isinstance(statement, sa.Select):
            raise ValueError("only a SELECT with literal parameters can be prepared once; execute it instead")
        compiled = statement.params(dict.fromkeys(required)).compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True})
    parameters = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        parameters.append((name, process, _MISSING if bind.key in required else bind.effective_value))
    columns = list(statement.selected_columns) if isinstance(statement, sa.Select) else []
    row = namedtuple("Row", [column.key for column in columns]) if columns else None
    return _Prepared(text=str(compiled), parameters=parameters, columns=columns, row=row)


def _result_processors(prepared: _Prepared, description, dialect: sa.Dialect) -> list[Callable | None]:
    return [column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(prepared.columns, description or ())]
