"""API models of org units."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OrgUnitRead(BaseModel):
    """One org unit; ``level`` is district (区县), township (乡镇) or village (村)."""

    org_code: str
    name: str
    level: str
    parent_code: str | None


class OrgUnitNode(OrgUnitRead):
    """An org unit with the units directly under it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"org_code": "500151108",
                                                       "name": "高楼镇",
                                                       "level": "township",
                                                       "parent_code": "500151",
                                                       "children": [{"org_code": "500151108201",
                                                                     "name": "石岗村",
                                                                     "level": "village",
                                                                     "parent_code": "500151108",
                                                                     "children": []}]}]})

    children: list[OrgUnitNode] = Field(default_factory=list)
