"""Audit trail: each flush records who changed which entity and how, sensitive values redacted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from shared.data.platform_tables import AuditEntry, PlatformTable
from shared.domain.clock import clock
from shared.domain.idnumber import mask_sensitive_text

REDACTED = "***"


def _jsonable(value: Any) -> Any:
    # A value's free text may hold an ID number or phone typed into it: never kept in clear here.
    if isinstance(value, str):
        return mask_sensitive_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _changes(obj: Any, action: str) -> dict[str, Any]:
    """Column changes as ``{field: [old, new]}`` (``[None, new]`` on create)."""
    state = inspect(obj)
    sensitive: set[str] = set(getattr(obj, "__sensitive__", ()))
    hidden: set[str] = set(getattr(obj, "__audit_hidden__", ()))
    changes: dict[str, Any] = {}
    if action == "create":
        # A new object has no history to compare: its values are the change (and reading them
        # directly skips building a history object per column, on every insert).
        return _created(type(obj), state.dict)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in hidden:
            continue
        history = state.attrs[key].history
        if action == "update" and not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else getattr(obj, key, None)
        if action == "delete":
            old, new = getattr(obj, key, None), None
        if key in sensitive:
            old, new = (REDACTED if old is not None else None), (REDACTED if new is not None else None)
        changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def _created(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """The changes of a row created with ``values``: ``{field: [None, value]}``, sensitive ones redacted."""
    sensitive: set[str] = set(getattr(model, "__sensitive__", ()))
    hidden: set[str] = set(getattr(model, "__audit_hidden__", ()))
    changes: dict[str, Any] = {}
    for key in _column_keys(inspect(model)):
        if key in hidden:
            continue
        new = values.get(key)
        if key in sensitive:
            new = REDACTED if new is not None else None
        changes[key] = [None, _jsonable(new)]
    return changes


@lru_cache(maxsize=None)
def _column_keys(mapper: Any) -> tuple[str, ...]:
    return tuple(attr.key for attr in mapper.column_attrs)


def _entity_id(obj: Any) -> str:
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in identity)


PENDING_KEY = "audit_pending"


def record_audit_entries(session: Session, principal: Any) -> None:
    """Prepare one audit entry per domain object that this flush creates, changes or deletes.

    Called before the flush (while the changes can still be read); :func:`write_audit_entries`
    inserts them after it, in the same transaction, with one plain INSERT rather than as objects of
    the flush itself, which would cost more than the rows they describe.
    """
    pending = [("create", o) for o in session.new] + [("update", o) for o in session.dirty] + [
        ("delete", o) for o in session.deleted
    ]
    rows = []
    for action, obj in pending:
        if isinstance(obj, PlatformTable) or not hasattr(obj, "__tablename__"):
            continue
        changes = _changes(obj, action)
        if action == "update" and not changes:
            continue
        rows.append(audit_values(session, principal, action=action, entity=obj.__tablename__,
                                 entity_id=_entity_id(obj), org_code=getattr(obj, "org_code", "") or "",
                                 changes=changes))
    session.info[PENDING_KEY] = rows


def creation_entry(session: Session, principal: Any, model: type, row: dict[str, Any]) -> dict[str, Any]:
    """The audit entry's columns for a row of ``model`` inserted outside a flush (what a flush would record)."""
    key = ":".join(str(row[column.key]) for column in inspect(model).primary_key)
    return audit_values(session, principal, action="create", entity=model.__tablename__, entity_id=key,
                        org_code=row.get("org_code") or "", changes=_created(model, row))


def write_audit_entries(session: Session) -> None:
    """Insert the entries :func:`record_audit_entries` prepared for the flush that just ran."""
    rows = session.info.pop(PENDING_KEY, None)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def forget_audit_entries(session: Session) -> None:
    """A flush that failed leaves nothing to write."""
    session.info.pop(PENDING_KEY, None)


def audit_values(session: Session, principal: Any, *, action: str, entity: str, entity_id: str, org_code: str,
                 changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of an audit entry for this session's caller."""
    actor = principal.as_actor() if principal is not None else {"id": "system", "name": "system", "role": None}
    return {"id": uuid4(), "at": clock.now(), "actor_id": actor["id"], "actor_name": actor["name"],
            "actor_role": actor["role"], "request_id": session.info.get("request_id"), "action": action,
            "entity": entity, "entity_id": entity_id, "org_code": org_code, "changes": changes or {}}


def audit_entry(session: Session, principal: Any, *, action: str, entity: str, entity_id: str, org_code: str,
                changes: dict[str, Any] | None = None) -> AuditEntry:
    """An audit entry object, for audited reads such as a reveal (added to the session like any row)."""
    return AuditEntry(**audit_values(session, principal, action=action, entity=entity, entity_id=entity_id,
                                     org_code=org_code, changes=changes))
