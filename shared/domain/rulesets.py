"""Rule sets: the thresholds of one monitoring year in one region, kept as versioned data.

Every figure the income rules depend on (monitoring line, low-income line, income year, brackets,
the form's "below 13000?" threshold, the GPS limits of a home visit) lives in
``rulesets.json`` or in the income service's ``rule_sets`` table a district admin adds to; the
code only reads them. A region is an org-code prefix: "" is the nationwide default, "500151" a
district, and the most specific prefix of an org code wins.

This module is the pure part two services share: the model, validation and resolution, the
packaged catalog, and how stored versions join the packaged ones (:func:`with_packaged`,
:class:`CatalogCache`). The income service computes against the packaged file plus the versions in
its table; intake screens visits against the packaged file plus the versions it heard announced in
``ruleset.published``, so both resolve a visit's figures the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.domain.enums import IncomeBracket
from shared.domain.money import Yuan
from shared.domain.org_codes import REGION_LENGTHS, is_region
from shared.errors import NotFound

_VERSION = re.compile(r"^(\d{4})\.(\d+)$")


class RuleSetNotFound(NotFound):
    """No rule set covers the requested monitoring year and org code (or region and version)."""

    def __init__(self, year: int, org_code: str, version: str | None = None) -> None:
        self.year = year
        self.org_code = org_code
        self.version = version
        if version is None:
            message = f"no income rule set for monitoring year {year} covers org code {org_code!r}"
        else:
            message = f"no income rule set version {version} for monitoring year {year}, region {org_code!r}"
        super().__init__(message)


class IncomeYearNotFound(NotFound):
    """No rule set covering an org code has an income year (收入年度) that contains a date."""

    def __init__(self, day: date, org_code: str) -> None:
        self.day = day
        self.org_code = org_code
        super().__init__(f"no income rule set covering org code {org_code!r} has an income year containing {day}")


class DuplicateRuleSetVersion(ValueError):
    """Two rule sets share year, region and version."""


def _invalid(field: str, message: str, value: object = None) -> ValidationError:
    """A validation error located at ``field`` (a model validator's ValueError would sit at the model)."""
    error = PydanticCustomError("rule_set", message)
    return ValidationError.from_exception_data("RuleSet", [InitErrorDetails(type=error, loc=(field,), input=value)])


class BracketBounds(BaseModel):
    """One per-capita income bracket: lower bound exclusive, upper bound inclusive (None: open)."""

    # One schema for reading and writing (an amount is a number or a decimal string either way), so
    # OpenAPI has one BracketBounds rather than -Input and -Output variants a client generator trips on.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_mode_override="validation")

    code: IncomeBracket
    lower_exclusive: Yuan
    upper_inclusive: Yuan | None

    @model_validator(mode="after")
    def _ordered(self) -> BracketBounds:
        if self.upper_inclusive is not None and self.upper_inclusive <= self.lower_exclusive:
            raise ValueError(f"bracket {self.code}: upper bound must exceed lower bound")
        return self

    def holds(self, per_capita: Decimal) -> bool:
        above_lower = per_capita > self.lower_exclusive
        return above_lower and (self.upper_inclusive is None or per_capita <= self.upper_inclusive)


class RuleSet(BaseModel):
    """收入测算口径 of one monitoring year (监测年度) in one region, one version."""

    # The example is the packaged rule set itself: its figures live in the data file, never in code.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=lambda schema: schema.update(
        examples=[json.loads(resources.files("shared.domain").joinpath("rulesets.json").read_text("utf-8"))
                  ["rulesets"][0]]))

    year: int = Field(ge=2000, le=2100)
    region: str = Field(pattern=r"^[0-9]*$")
    version: str
    source: str = Field(min_length=1)
    monitoring_line: Yuan
    low_income_line: Yuan
    low_income_line_income_year: int = Field(ge=2000, le=2100)
    income_year_start: date
    income_year_end: date
    brackets: tuple[BracketBounds, ...] = Field(min_length=1)
    below_13000_threshold: Yuan
    gps_max_accuracy_m: PositiveInt
    gps_max_distance_m: PositiveInt

    @field_validator("region")
    @classmethod
    def _region_is_org_prefix(cls, region: str) -> str:
        if not is_region(region):
            raise ValueError(f"region must be an org-code prefix of length {list(REGION_LENGTHS)}")
        return region

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        # Each rule is reported at the field a client has to correct (an API answers 422 naming it).
        match = _VERSION.match(self.version)
        if not match or int(match.group(1)) != self.year:
            raise _invalid("version", f"version {self.version!r} must read '<year>.<n>' with year {self.year}",
                           self.version)
        if not self.income_year_start < self.income_year_end:
            raise _invalid("income_year_end", "the income year must start before it ends", str(self.income_year_end))
        if self.income_year_end.year != self.year:
            raise _invalid("income_year_end", "the income year must end in the monitoring year",
                           str(self.income_year_end))
        try:
            _check_brackets(self.brackets, self.monitoring_line)
        except ValueError as exc:
            raise _invalid("brackets", str(exc)) from None
        if not any(bounds.holds(self.below_13000_threshold) for bounds in self.brackets):
            raise _invalid("below_13000_threshold", "below_13000_threshold must fall inside one of the brackets",
                           str(self.below_13000_threshold))
        return self

    @property
    def key(self) -> tuple[int, str, str]:
        """(year, region, version): what identifies a rule set, once and for all."""
        return self.year, self.region, self.version

    def covers_date(self, day: date) -> bool:
        """The day lies in this rule set's income year (收入年度), both ends included."""
        return self.income_year_start <= day <= self.income_year_end

    @property
    def version_key(self) -> tuple[int, int]:
        year, serial = _VERSION.match(self.version).groups()
        return int(year), int(serial)

    def bounds(self, bracket: IncomeBracket) -> BracketBounds:
        for bounds in self.brackets:
            if bounds.code == bracket:
                return bounds
        raise ValueError(f"bracket {bracket} is not part of rule set {self.version} ({self.region!r})")

    @property
    def follow_up_bracket(self) -> BracketBounds:
        """The bracket on which the form asks whether the figure is below ``below_13000_threshold``."""
        return next(bounds for bounds in self.brackets if bounds.holds(self.below_13000_threshold))


def _check_brackets(brackets: tuple[BracketBounds, ...], monitoring_line: Decimal) -> None:
    """Brackets must tile everything above the monitoring line: no overlap, no gap, last open."""
    codes = [bounds.code for bounds in brackets]
    if len(codes) != len(set(codes)):
        raise ValueError("a bracket code appears more than once")
    ordered = sorted(brackets, key=lambda bounds: bounds.lower_exclusive)
    if ordered[0].lower_exclusive != monitoring_line:
        raise ValueError("the lowest bracket must start at the monitoring line")
    for lower, upper in zip(ordered, ordered[1:]):
        if lower.upper_inclusive is None or upper.lower_exclusive < lower.upper_inclusive:
            raise ValueError(f"brackets {lower.code} and {upper.code} overlap")
        if upper.lower_exclusive > lower.upper_inclusive:
            raise ValueError(f"gap between brackets {lower.code} and {upper.code}")
    if ordered[-1].upper_inclusive is not None:
        raise ValueError("the highest bracket must be open-ended (upper_inclusive null)")


class _RuleSetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rulesets: list[RuleSet]


class RuleSetCatalog:
    """All known rule sets; resolves the one that applies to a monitoring year and an org code."""

    def __init__(self, rulesets: Iterable[RuleSet]) -> None:
        self._rulesets = tuple(rulesets)
        seen: set[tuple[int, str, str]] = set()
        for ruleset in self._rulesets:
            key = (ruleset.year, ruleset.region, ruleset.version)
            if key in seen:
                raise DuplicateRuleSetVersion(
                    f"rule set version {ruleset.version} appears twice for year {ruleset.year}, "
                    f"region {ruleset.region!r}"
                )
            seen.add(key)
        self._by_key = {ruleset.key: ruleset for ruleset in self._rulesets}

    @classmethod
    def from_json(cls, text: str | bytes) -> RuleSetCatalog:
        return cls(_RuleSetFile.model_validate_json(text).rulesets)

    @classmethod
    def load(cls, path: Path | None = None) -> RuleSetCatalog:
        """Read a rule-set file; by default the one shipped with this package."""
        if path is None:
            return cls.from_json(resources.files("shared.domain").joinpath("rulesets.json").read_bytes())
        return cls.from_json(path.read_bytes())

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self._rulesets)

    def __len__(self) -> int:
        return len(self._rulesets)

    def resolve(self, year: int, org_code: str, version: str | None = None) -> RuleSet:
        """The newest version for ``year`` of the longest region that prefixes ``org_code``.

        With ``version``, only rule sets of that version are candidates (the longest region still wins).
        """
        if not re.fullmatch(r"[0-9]+", org_code):
            raise ValueError(f"org code {org_code!r} must be digits")
        candidates = [
            ruleset
            for ruleset in self._rulesets
            if ruleset.year == year and org_code.startswith(ruleset.region)
            and (version is None or ruleset.version == version)
        ]
        if not candidates:
            raise RuleSetNotFound(year, org_code, version)
        return max(candidates, key=lambda ruleset: (len(ruleset.region), ruleset.version_key))

    def year_containing(self, day: date, org_code: str) -> int:
        """The monitoring year whose income year (1 October to 30 September, per rule set) holds ``day``.

        Among rule sets covering ``org_code`` whose window contains the day, the most specific region's
        newest version decides (windows of one region's years do not overlap in practice).
        """
        candidates = [
            ruleset for ruleset in self._rulesets if org_code.startswith(ruleset.region) and ruleset.covers_date(day)
        ]
        if not candidates:
            raise IncomeYearNotFound(day, org_code)
        return max(candidates, key=lambda ruleset: (len(ruleset.region), ruleset.version_key)).year

    def get(self, year: int, region: str, version: str) -> RuleSet:
        """One exact version, to recompute an assessment recorded under it."""
        found = self._by_key.get((year, region, version))
        if found is None:
            raise RuleSetNotFound(year, region, version)
        return found


@lru_cache(maxsize=1)
def default_catalog() -> RuleSetCatalog:
    """The packaged catalog, read once per process."""
    return RuleSetCatalog.load()


R = TypeVar("R", bound=RuleSet)


def with_packaged(stored: Sequence[R], packaged: Iterable[RuleSet] | None = None) -> list[R | RuleSet]:
    """The stored versions, then each packaged version not stored under the same key.

    A stored version wins over a packaged one with its key: versions are immutable once stored, and a
    file edited in place afterwards must not change the past. A packaged version not stored yet (a
    process whose start-up seed has not run) still counts.
    """
    keys = {ruleset.key for ruleset in stored}
    return [*stored, *(ruleset for ruleset in (packaged or default_catalog()) if ruleset.key not in keys)]


class CatalogCache:
    """One process's merged catalog, rebuilt only when the stored versions it was built from change.

    Stored versions are only ever added, never changed, so the set of their row ids names the catalog
    exactly. Each use reads those ids (one small query: what every replica does on every use, so an
    added version counts in every replica from the next request on) and parses documents only when
    the set differs from the one the cached catalog was built from.
    """

    def __init__(self) -> None:
        self._token: frozenset[Hashable] | None = None
        self._catalog: RuleSetCatalog | None = None

    async def get(self, ids: Iterable[Hashable],
                  load: Callable[[], Awaitable[tuple[Iterable[Hashable], RuleSetCatalog]]]) -> RuleSetCatalog:
        """The catalog of the stored rows ``ids``; ``load`` reads them afresh as (their ids, the catalog)."""
        token = frozenset(ids)
        if self._catalog is None or token != self._token:
            loaded_ids, catalog = await load()
            # Keyed by the rows actually loaded (a version committed between the two reads is among
            # them), so the key always names exactly the catalog it keeps.
            self._token, self._catalog = frozenset(loaded_ids), catalog
        return self._catalog
