"""API models of org units."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OrgUnitRead(BaseModel):
    """One org unit; ``level`` is district (区县), township (乡镇) or village (村)."""

    org_code: str
    name: str
    level: str
    parent_code: str | None


class OrgUnitNode(OrgUnitRead):
    """An org unit with the units directly under it."""

    children: list[OrgUnitNode] = Field(default_factory=list)
