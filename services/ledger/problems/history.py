"""The append-only history of a problem and its rectification: who, when, what changed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from services.ledger.problems.models import ProblemHistory
from shared.data.database import AppSession
from shared.domain.clock import clock


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return getattr(value, "value", value)


def record_history(session: AppSession, *, problem_id: uuid.UUID, org_code: str, action: str,
                   changes: dict[str, tuple[Any, Any]] | None = None, note: str | None = None) -> ProblemHistory:
    """Add one history row for the session's caller; ``changes`` maps a field to (old, new)."""
    principal = session.principal
    actor = principal.as_actor() if principal is not None else {"id": "system", "name": "system", "role": None}
    row = ProblemHistory(problem_id=problem_id, org_code=org_code, at=clock.now(), actor_id=actor["id"],
                         actor_name=actor["name"], actor_role=actor["role"], action=action,
                         changes={k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()},
                         note=note[:1000] if note else None)
    session.add(row)
    return row
