"""POST /income/calculate: worked examples computed by hand from 附件5, to the fen."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.domain.clock import clock
from tests.conftest import DISTRICT, VILLAGE
from tests.factories.income import declaration
from tests.factories.visit_forms import valid_income_amounts

pytestmark = pytest.mark.asyncio


def line(body: dict, source: str) -> dict:
    return next(item for item in body["breakdown"] if item["source"] == source)


async def calculate(system, body: dict, role: str = "village_cadre", org: str = VILLAGE):
    return await system.client.post("/income/calculate", json=body, headers=system.headers(role, org))


async def test_declaration_with_a_member_married_in_and_excluded_receipts(system):
    # Three members all year and a bride who joined four months before the end of the income year:
    #   member-months = 12 + 12 + 12 + 4 = 40, household size 40 / 12 = 3.3333
    # wage       = forest ranger 6000
    #            + outside the province 36000 − (food and lodging 9000 + travel 1500 − one-off subsidy 500)
    #            = 6000 + 26000                                           = 32000.00
    #              (in-kind pay 800 is shown and not counted)
    # property   = village collective dividend                          =   350.50
    # transfer   = pension 2400 + ecological compensation 180.25          =  2580.25
    # production = cash sales 5200 + own produce eaten 1300               =  6500.00
    # expense    = total 3000 − 先补后养 800                                =  2200.00
    # net        = 32000 + 350.50 + 2580.25 + 6500 − 2200                 = 39230.75
    # per capita = 39230.75 × 12 / 40 = 11769.225 → 11769.23 (half up)
    #   → bracket 10000_12000, above the monitoring line 8300, below the low-income line 13032
    # compliant self-paid expenses: medical 4000 + education 1200 = 5200
    # after them = (39230.75 − 5200) × 12 / 40 = 10209.225 → 10209.23
    # Never counted: temporary relief 2000, medical reimbursement 3500, lottery win 100.
    body = {
        "org_code": VILLAGE,
        "year": 2024,
        "declaration": declaration(
            12, 12, 12, 4,
            public_welfare_jobs=[{"post": "forest_ranger", "amount": "6000"}],
            other_wage_jobs=[{"place": "outside_province", "amount": "36000", "food_and_lodging_cost": "9000",
                              "travel_cost": "1500", "one_off_travel_subsidy": "500", "in_kind_pay": "800"}],
            property_items=[{"kind": "village_collective_dividend", "amount": "350.50"}],
            transfer_items=[{"kind": "pension", "amount": "2400"},
                            {"kind": "ecological_compensation", "amount": "180.25"}],
            production_items=[{"kind": "cash_sales", "industry": "生猪", "amount": "5200"},
                              {"kind": "own_consumption", "amount": "1300"}],
            production_expense={"total": "3000",
                                "earmarked_subsidies": [{"kind": "subsidy_before_breeding", "amount": "800"}]},
            excluded_items=[{"kind": "temporary_relief", "amount": "2000"},
                            {"kind": "medical_reimbursement", "amount": "3500"},
                            {"kind": "lottery_win", "amount": "100"}],
            compliant_expenses={"medical": "4000", "education": "1200"},
        ),
    }

    response = await calculate(system, body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["wage_income"] == "32000.00"
    assert result["property_income"] == "350.50"
    assert result["transfer_income"] == "2580.25"
    assert result["production_income"] == "6500.00"
    assert result["production_expense"] == "2200.00"
    assert result["net_income"] == "39230.75"
    assert result["member_months"] == 40
    assert result["household_size"] == "3.3333"
    assert result["per_capita_net_income"] == "11769.23"
    assert result["compliant_expenses"] == "5200.00"
    assert result["per_capita_after_compliant_expenses"] == "10209.23"
    assert result["bracket"] == "10000_12000"
    assert result["below_monitoring_line"] is False
    assert result["in_low_income_group"] is True
    assert result["income_class"] == "low_income_group"
    assert result["basis"] == "declaration"
    assert (result["ruleset_year"], result["ruleset_region"], result["ruleset_version"]) == (2024, "500151", "2024.1")
    assert (result["monitoring_line"], result["low_income_line"]) == ("8300.00", "13032.00")

    relief = line(result, "excluded_items.0")
    assert (relief["section"], relief["item"], relief["rule"]) == ("excluded", "temporary_relief",
                                                                    "excluded.temporary_relief")
    assert (relief["amount"], relief["counted_amount"], relief["counted"]) == ("2000.00", "0.00", False)
    assert relief["label"] == "临时救助金和救灾款"
    assert line(result, "excluded_items.1")["rule"] == "excluded.medical_reimbursement"
    assert line(result, "excluded_items.2")["rule"] == "excluded.lottery_win"
    in_kind = line(result, "other_wage_jobs.0.in_kind_pay")
    assert (in_kind["rule"], in_kind["counted"]) == ("excluded.in_kind_wage", False)
    wage = line(result, "other_wage_jobs.0")
    assert (wage["counted_amount"], wage["rule"]) == ("26000.00", "wage.net_of_employment_costs")
    assert line(result, "production_expense.earmarked_subsidies.0")["counted_amount"] == "-800.00"
    assert all(item["explanation"] for item in result["breakdown"])


async def test_visit_amounts_with_a_member_away_part_of_the_year(system):
    # A 6200 + B 9800.50 + C 3120 + D 0 − E 2100 = 17020.50; member-months 12 + 12 + 12 + 5 = 41
    # per capita = 17020.50 × 12 / 41 = 4981.6097… → 4981.61: within the monitoring range, no bracket
    # after compliant medical 3000: 14020.50 × 12 / 41 = 4103.5609… → 4103.56
    # the insurance claim 5000 is a one-off claim: shown, not counted
    body = {
        "year": 2024,
        "visit": {
            "income": {"amounts": valid_income_amounts(), "compliant_expenses": {"medical": "3000"},
                       "claim_income": {"amount": "5000"}},
            "members": [{"member_id": f"m{i}", "months_in_household": m} for i, m in enumerate((12, 12, 12, 5))],
        },
    }

    result = (await calculate(system, body)).json()

    assert result["net_income"] == "17020.50"
    assert result["per_capita_net_income"] == "4981.61"
    assert result["per_capita_after_compliant_expenses"] == "4103.56"
    assert result["bracket"] is None
    assert result["below_monitoring_line"] is True
    assert result["in_low_income_group"] is True
    assert result["income_class"] == "below_monitoring_line"
    assert result["basis"] == "amounts"
    assert [item["item"] for item in result["breakdown"][:5]] == ["A", "B", "C", "D", "E"]  # the rule codes
    assert line(result, "amounts.wage_income")["amount"] == "9800.50"
    claim = line(result, "claim_income.amount")
    assert (claim["rule"], claim["counted"], claim["counted_amount"]) == ("excluded.one_off_insurance_claim", False,
                                                                          "0.00")


@pytest.mark.parametrize(
    ("net", "bracket", "below", "low_income", "income_class"),
    [
        ("8300", None, True, True, "below_monitoring_line"),  # exactly at the line: within the range
        ("8300.01", "8300_10000", False, True, "low_income_group"),
        ("13031.99", "12000_16000", False, True, "low_income_group"),
        ("13032", "12000_16000", False, False, "above_low_income_line"),  # the low-income line is strict
        ("30000.01", "over_30000", False, False, "above_low_income_line"),
    ],
)
async def test_lines_and_brackets_at_their_edges(system, net, bracket, below, low_income, income_class):
    body = {"year": 2024, "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": net}])}

    result = (await calculate(system, body, role="auditor", org=DISTRICT)).json()

    assert result["bracket"] == bracket
    assert result["below_monitoring_line"] is below
    assert result["in_low_income_group"] is low_income
    assert result["income_class"] == income_class


async def test_year_defaults_to_the_income_year_holding_today(system):
    body = {"declaration": declaration(12, transfer_items=[{"kind": "dibao", "amount": "5000"}])}
    # Each token is issued at the frozen instant: one issued later would not yet be valid then.
    with clock.frozen(datetime(2024, 9, 30, 23, 0)):
        inside = await calculate(system, body)
    with clock.frozen(datetime(2024, 10, 1, 9, 0)):
        after_the_window = await calculate(system, body)

    assert inside.status_code == 200, inside.text
    assert inside.json()["ruleset_year"] == 2024
    assert after_the_window.status_code == 422
    assert after_the_window.json()["fields"][0]["field"] == "body.year"


async def test_inputs_are_checked_field_by_field(system):
    both = await calculate(system, {"year": 2024, "declaration": declaration(12),
                                    "visit": {"income": {"amounts": valid_income_amounts()},
                                              "members": [{"name": "x"}]}})
    negative = await calculate(system, {"year": 2024, "declaration": declaration(
        12, transfer_items=[{"kind": "pension", "amount": "-1"}])})
    unknown_year = await calculate(system, {"year": 2019, "declaration": declaration(12)})
    unknown_version = await calculate(system, {"year": 2024, "ruleset_version": "2024.7",
                                               "declaration": declaration(12)})

    assert both.status_code == 422 and both.json()["fields"][0]["field"] == "body.declaration"
    assert negative.status_code == 422
    assert negative.json()["fields"][0]["field"] == "body.declaration.transfer_items.0.amount"
    assert unknown_year.status_code == 422 and unknown_year.json()["fields"][0]["field"] == "body.year"
    assert unknown_version.json()["fields"][0]["field"] == "body.ruleset_version"


async def test_calculation_needs_a_token_and_stores_nothing(system):
    body = {"year": 2024, "declaration": declaration(12)}
    assert (await system.client.post("/income/calculate", json=body)).status_code == 401
    await calculate(system, body)
    audit = await system.client.get("/income/audit", headers=system.headers("district_admin", DISTRICT))
    assert audit.json() == []


@pytest.mark.parametrize(("path", "value", "rule"), [
    (("visit", "income", "amounts", "wage_income"), "９８００", "ASCII digits"),
    (("visit", "members", 0, "name"), "\u200b\u200b", "visible character"),
])
async def test_full_width_amounts_and_unreadable_names_are_a_422_naming_the_field(system, path, value, rule):
    visit = {"income": {"amounts": valid_income_amounts(wage_income="9800")},
             "members": [{"name": "张德明"}, {"name": "李桂兰"}]}
    body = {"visit": visit}
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = await calculate(system, body)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert field["field"] == "body." + ".".join(str(part) for part in path) and rule in field["message"]


async def test_the_old_letter_names_of_the_amounts_are_refused_naming_the_field(system):
    # A–E are rule codes in the breakdown only; the request takes the form's names (see the README).
    old = {"year": 2024, "visit": {"amounts": {"A": "0", "B": "9800", "C": "0", "D": "0", "E": "0"},
                                   "members": [{"name": "张德明"}], "insurance_claim": "0"}}
    response = await calculate(system, old)
    assert response.status_code == 422
    assert {"body.visit.amounts", "body.visit.insurance_claim"} <= {f["field"] for f in response.json()["fields"]}


async def test_a_ticked_bracket_cannot_be_calculated_and_says_the_amounts_are_needed(system):
    response = await calculate(system, {"year": 2024, "visit": {"income": {"bracket": "16000_20000"},
                                                                "members": [{"name": "张德明"}]}})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["body.visit.income.amounts"]


@pytest.mark.parametrize(("pension", "bracket", "below_13000"), [
    ("12999.99", "12000_16000", True), ("13000", "12000_16000", False), ("9000", "8300_10000", None),
    ("5000", None, None),
])
async def test_calculate_answers_the_forms_below_13000_question_where_the_form_asks_it(system, pension, bracket,
                                                                                       below_13000):
    # One member all year: the pension is the per-capita figure. 附件1 asks 是否低于1.3万元 only under 12000_16000.
    body = {"year": 2024, "declaration": declaration(12, transfer_items=[{"kind": "pension", "amount": pension}])}
    result = (await calculate(system, body)).json()
    assert (result["bracket"], result["below_13000"]) == (bracket, below_13000)


async def test_every_list_of_a_declaration_is_bounded(system):
    pension = {"kind": "pension", "amount": "10.00"}
    sixty = await calculate(system, {"year": 2024, "declaration": declaration(
        *[12] * 60, transfer_items=[pension] * 60)})
    too_many_items = await calculate(system, {"year": 2024, "declaration": declaration(
        12, transfer_items=[pension] * 61)})
    too_many_members = await calculate(system, {"year": 2024, "declaration": declaration(*[12] * 61)})
    too_many_subsidies = await calculate(system, {"year": 2024, "declaration": declaration(
        12, production_expense={"total": "10", "earmarked_subsidies": [
            {"kind": "other", "amount": "0.01"}] * 61})})
    too_many_visit_members = await calculate(system, {"year": 2024, "visit": {
        "income": {"amounts": valid_income_amounts()}, "members": [{"member_id": f"m{i}"} for i in range(61)]}})

    assert sixty.status_code == 200, sixty.text
    assert sixty.json()["transfer_income"] == "600.00"
    for response, field in [(too_many_items, "body.declaration.transfer_items"),
                            (too_many_members, "body.declaration.members"),
                            (too_many_subsidies, "body.declaration.production_expense.earmarked_subsidies"),
                            (too_many_visit_members, "body.visit.members")]:
        assert response.status_code == 422, response.text
        [error] = response.json()["fields"]
        assert error["field"] == field and "at most 60" in error["message"], error
