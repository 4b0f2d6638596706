"""OpenAPI examples built from other models' examples, so one example is written once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """The first example a model declares in ``json_schema_extra`` (a page or a detail reuses it)."""
    return model.model_config["json_schema_extra"]["examples"][0]
