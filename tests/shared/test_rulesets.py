"""Rule sets as data (shared by income and intake): the packaged file, validation, resolution."""

from __future__ import annotations

import ast
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.enums import IncomeBracket
from shared.domain.rulesets import (
    CatalogCache,
    DuplicateRuleSetVersion,
    IncomeYearNotFound,
    RuleSet,
    RuleSetCatalog,
    RuleSetNotFound,
    default_catalog,
    with_packaged,
)

XIHE_VILLAGE = "500151101001"  # a village under the district 500151


def packaged_data() -> dict[str, Any]:
    return json.loads(resources.files("shared.domain").joinpath("rulesets.json").read_text("utf-8"))


def ruleset(**overrides: Any) -> RuleSet:
    """The packaged 2024 rule set with some fields replaced, validated afresh."""
    return RuleSet.model_validate({**packaged_data()["rulesets"][0], **overrides})


def brackets(*bounds: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [{"code": code, "lower_exclusive": lower, "upper_inclusive": upper}
            for code, lower, upper in bounds]


# --- the packaged data ----------------------------------------------------------------------------


def test_packaged_2024_rule_set_for_the_district() -> None:
    found = default_catalog().resolve(2024, XIHE_VILLAGE)

    assert (found.year, found.region, found.version) == (2024, "500151", "2024.1")
    assert found.monitoring_line == Decimal("8300")
    assert found.low_income_line == Decimal("13032")
    assert found.low_income_line_income_year == 2023
    assert (found.income_year_start, found.income_year_end) == (date(2023, 10, 1), date(2024, 9, 30))
    assert found.below_13000_threshold == Decimal("13000")
    assert found.follow_up_bracket.code is IncomeBracket.B_12000_16000
    assert (found.gps_max_accuracy_m, found.gps_max_distance_m) == (50, 500)
    assert [bounds.code for bounds in found.brackets] == list(IncomeBracket)
    assert found.bounds(IncomeBracket.OVER_30000).upper_inclusive is None


def test_district_code_itself_resolves() -> None:
    assert default_catalog().resolve(2024, "500151").region == "500151"


def test_no_rule_set_outside_the_shipped_region_or_year() -> None:
    with pytest.raises(RuleSetNotFound, match=r"2024 .*'110101001001'") as caught:
        default_catalog().resolve(2024, "110101001001")
    assert caught.value.status_code == 404
    with pytest.raises(RuleSetNotFound, match="2023"):
        default_catalog().resolve(2023, XIHE_VILLAGE)


def test_org_code_must_be_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        default_catalog().resolve(2024, "5001x1")


def _numbers_in_code(source: str) -> set[Decimal]:
    """Numeric constants, and strings handed to Decimal(...), in Python source (docstrings aside)."""
    found: set[Decimal] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            found.add(Decimal(str(node.value)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Decimal":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(Decimal(arg.value))
    return found


def test_rule_figures_live_only_in_the_data() -> None:
    data = packaged_data()["rulesets"][0]
    figures = {Decimal(data[key]) for key in ("monitoring_line", "low_income_line", "below_13000_threshold")}
    figures |= {Decimal(b["lower_exclusive"]) for b in data["brackets"]}
    figures |= {Decimal(data["gps_max_accuracy_m"]), Decimal(data["gps_max_distance_m"])}
    root = Path(resources.files("shared")).parent
    # The catalog, the income service that computes with it, and intake's findings that compare with it.
    modules = [root / "shared" / "domain" / "rulesets.py", *(root / "services" / "income").rglob("*.py"),
               *(root / "services" / "intake" / "visits").rglob("*.py"),
               *(root / "services" / "intake" / "rulesets").rglob("*.py")]

    assert root / "services" / "intake" / "visits" / "findings.py" in modules
    for module in modules:
        assert module.is_file(), module
        assert not _numbers_in_code(module.read_text("utf-8")) & figures, module.relative_to(root)


def test_the_rule_set_file_is_package_data_of_shared() -> None:
    assert (Path(resources.files("shared")) / "domain" / "rulesets.json").is_file()
    assert not (Path(resources.files("services.income")) / "data").exists()


# --- resolution -----------------------------------------------------------------------------------


def test_most_specific_region_wins() -> None:
    catalog = RuleSetCatalog([
        ruleset(region="", source="nationwide default"),
        ruleset(region="500151"),
        ruleset(region="500151101", gps_max_distance_m=300),
    ])

    assert catalog.resolve(2024, "500151101001").region == "500151101"
    assert catalog.resolve(2024, "500151102001").region == "500151"
    assert catalog.resolve(2024, "110101001001").region == ""
    with pytest.raises(RuleSetNotFound):
        catalog.resolve(2025, "500151101001")


def test_newest_version_wins_compared_as_numbers() -> None:
    catalog = RuleSetCatalog([ruleset(version=version) for version in ("2024.9", "2024.10", "2024.2")])

    assert catalog.resolve(2024, XIHE_VILLAGE).version == "2024.10"
    assert catalog.get(2024, "500151", "2024.2").version == "2024.2"
    with pytest.raises(RuleSetNotFound, match="2024.3"):
        catalog.get(2024, "500151", "2024.3")


def test_version_unique_per_year_and_region() -> None:
    RuleSetCatalog([ruleset(), ruleset(region="")])  # same version, other region: fine
    with pytest.raises(DuplicateRuleSetVersion, match="2024.1"):
        RuleSetCatalog([ruleset(), ruleset()])


def test_catalog_loads_a_file(tmp_path: Path) -> None:
    data = packaged_data()
    bounds = brackets(("8300_10000", "8500", "10000"), ("over_30000", "10000", None))
    data["rulesets"].append(
        {**data["rulesets"][0], "version": "2024.2", "monitoring_line": "8500", "brackets": bounds}
    )
    path = tmp_path / "rulesets.json"
    path.write_text(json.dumps(data), "utf-8")

    found = RuleSetCatalog.load(path).resolve(2024, XIHE_VILLAGE)

    assert (found.version, found.monitoring_line) == ("2024.2", Decimal("8500"))


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        (brackets(("8300_10000", "8300", "10000"), ("10000_12000", "9000", None)), "overlap"),
        (brackets(("8300_10000", "8300", None), ("10000_12000", "10000", None)), "overlap"),
        (brackets(("8300_10000", "8300", "10000"), ("10000_12000", "10500", None)), "gap"),
        (brackets(("8300_10000", "8000", "10000"), ("over_30000", "10000", None)), "start at the monitoring"),
        (brackets(("8300_10000", "8300", "10000"), ("over_30000", "10000", "40000")), "open-ended"),
        (brackets(("8300_10000", "8300", "10000"), ("8300_10000", "10000", None)), "more than once"),
        (brackets(("8300_10000", "8300", "8300"), ("over_30000", "8300", None)), "exceed lower"),
    ],
)
def test_brackets_must_tile_the_range_above_the_line(bounds: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ruleset(brackets=bounds, below_13000_threshold="9000")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"version": "2023.1"}, "version"),
        ({"version": "v1"}, "version"),
        ({"region": "50015"}, "org-code prefix"),
        ({"region": "5001a1"}, "pattern"),
        ({"income_year_start": "2024-10-01"}, "income year"),
        ({"income_year_end": "2025-09-30"}, "income year"),
        ({"below_13000_threshold": "8000"}, "below_13000_threshold"),
        ({"monitoring_line": "8300.001", "brackets": []}, "decimal places"),
        ({"low_income_line": "-1"}, "greater than or equal"),
        ({"gps_max_accuracy_m": 0}, "greater than 0"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_rule_set_refuses_inconsistent_data(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ruleset(**overrides)


def test_bracket_missing_from_rule_set_is_an_error() -> None:
    short = ruleset(brackets=brackets(("8300_10000", "8300", "10000"), ("10000_12000", "10000", None)),
                    below_13000_threshold="10000")
    with pytest.raises(ValueError, match="16000_20000"):
        short.bounds(IncomeBracket.B_16000_20000)


def test_rule_set_is_frozen() -> None:
    with pytest.raises(ValidationError):
        ruleset().monitoring_line = Decimal("1")  # type: ignore[misc]


# --- income years and pinned versions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2023, 10, 1), 2024), (date(2024, 9, 30), 2024), (date(2023, 9, 30), 2023), (date(2024, 10, 1), None)],
)
def test_the_income_year_holding_a_date_names_the_monitoring_year(day: date, year: int | None) -> None:
    catalog = RuleSetCatalog([ruleset(), ruleset(year=2023, version="2023.1", income_year_start="2022-10-01",
                                              income_year_end="2023-09-30", low_income_line_income_year=2022)])

    if year is None:
        with pytest.raises(IncomeYearNotFound, match="2024-10-01"):
            catalog.year_containing(day, XIHE_VILLAGE)
    else:
        assert catalog.year_containing(day, XIHE_VILLAGE) == year


def test_a_pinned_version_resolves_only_that_version() -> None:
    catalog = RuleSetCatalog([ruleset(), ruleset(version="2024.2"), ruleset(region="500151101", version="2024.3")])

    assert catalog.resolve(2024, XIHE_VILLAGE, "2024.2").version == "2024.2"
    assert catalog.resolve(2024, XIHE_VILLAGE).version == "2024.3"
    assert catalog.resolve(2024, "500151102001").version == "2024.2"
    with pytest.raises(RuleSetNotFound, match="2024.3"):
        catalog.resolve(2024, "500151102001", "2024.3")


# --- stored versions beside the packaged ones -------------------------------------------------------


def test_a_stored_version_wins_over_the_packaged_one_with_its_key() -> None:
    edited = ruleset(source="stored before the file was edited", monitoring_line="8300")
    added = ruleset(version="2024.2", monitoring_line="9000", brackets=brackets(
        ("8300_10000", "9000", "10000"), ("10000_12000", "10000", "12000"), ("12000_16000", "12000", "16000"),
        ("16000_20000", "16000", "20000"), ("20000_30000", "20000", "30000"), ("over_30000", "30000", None)))

    merged = with_packaged([edited, added])

    assert [(r.version, r.source) for r in merged] == [("2024.1", edited.source), ("2024.2", added.source)]
    assert RuleSetCatalog(merged).resolve(2024, XIHE_VILLAGE).monitoring_line == Decimal("9000")
    assert [r.key for r in with_packaged([])] == [r.key for r in default_catalog()]


@pytest.mark.asyncio
async def test_the_cached_catalog_is_rebuilt_exactly_when_the_stored_ids_change() -> None:
    cache, loads = CatalogCache(), []
    stored = {"a": ruleset(version="2024.3", source="a")}

    async def load():
        loads.append(sorted(stored))
        return list(stored), RuleSetCatalog(with_packaged(list(stored.values())))

    first = await cache.get(["a"], load)
    assert await cache.get(["a"], load) is first
    stored["b"] = ruleset(version="2024.4", source="b")
    newer = await cache.get(["a", "b"], load)

    assert loads == [["a"], ["a", "b"]]
    assert newer.resolve(2024, XIHE_VILLAGE).version == "2024.4"
    del stored["b"]  # a row gone (a rolled-back transaction): the set differs, so the catalog follows
    assert (await cache.get(["a"], load)).resolve(2024, XIHE_VILLAGE).version == "2024.3"
