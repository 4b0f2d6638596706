"""Names of org units for the exports, from the deployment's division-code file (code,name CSV)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

NONE = "——"


@lru_cache(maxsize=4)
def org_names(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(lines) if row.get("code")}


class OrgNames:
    """The district, township and village names of a 12-digit org code (the code itself when unknown)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def _name(self, code: str) -> str:
        return self.names.get(code, code)

    def district(self, org_code: str) -> str:
        return self._name(org_code[:6] + "000000")

    def township(self, org_code: str) -> str:
        return self._name(org_code[:9] + "000")

    def village(self, org_code: str) -> str:
        return NONE if org_code.endswith("000") else self._name(org_code)
