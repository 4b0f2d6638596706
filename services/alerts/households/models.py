"""Tables of what alerts knows of households, built from intake's ``household.changed``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from shared.data.column_types import AwareDateTime
from shared.data.platform_tables import OrgScoped


class KnownHousehold(OrgScoped, table=True):
    """A household intake announced: its village and the time of the event that said so."""

    __tablename__ = "alerts_households"

    household_id: uuid.UUID = Field(primary_key=True)
    head_name: str = Field(max_length=50)
    removed: bool = False
    as_of: datetime = Field(sa_type=AwareDateTime)


class MemberIndex(OrgScoped, table=True):
    """The blind index of a live member's ID number and the household the member belongs to."""

    __tablename__ = "alerts_member_indexes"

    id_number_index: str = Field(max_length=64, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    as_of: datetime = Field(sa_type=AwareDateTime)
