"""The ``income_households`` table: which org unit each household intake registered belongs to."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from shared.data.platform_tables import OrgScoped, now_field


class KnownHousehold(OrgScoped, table=True):
    """A household as income heard of it from intake (``household.changed``, ``visit.submitted``).

    Only its id and org code: the register stays with intake. A declaration names a household of
    this table inside the caller's scope, or it is not found.
    """

    __tablename__ = "income_households"

    household_id: uuid.UUID = Field(primary_key=True)
    heard_at: datetime = now_field()
