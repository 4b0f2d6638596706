"""The calculator's domain model: what goes into and comes out of the income computation (附件5 指标解释和计算口径).

The declaration follows 附件5 item by item: household members, wage income (工资性收入), property
income (财产性收入), transfer income (转移性收入), production income (生产经营性收入), production
expense (生产经营性支出), the items 附件5 never counts (不计入收入项目) and the compliant self-paid
expenses (合规自付支出) the visit form records beside them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from shared.domain.enums import IncomeBracket, LabeledEnum
from shared.domain.household_income import (
    MAX_MEMBERS,
    MONTHS_PER_YEAR,
    EmptyHousehold,
    household_months,
)
from shared.domain.money import Yuan
from shared.domain.plausible import PersonName

# Bounds of what one household declares (members: shared with the visit form). A list of a real
# declaration holds a handful of entries; these leave ample room while a declaration of 100,000
# items, which took seconds of every other request's time, is refused at the door.
MAX_ITEMS = 60


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- household members -------------------------------------------------------------------------


class HouseholdMember(_Item):
    """家庭成员 as counted for household size (家庭人口数)."""

    member_id: str | None = Field(default=None, max_length=64,
                                  description="the member's id in intake; required unless `name` is given")
    name: PersonName | None = Field(default=None, description="required unless `member_id` is given")
    months_in_household: int = Field(default=MONTHS_PER_YEAR, ge=0, le=MONTHS_PER_YEAR,
                                     description="在户月数 in the income year; 12 when omitted")
    enlisted_sharing_income: bool = Field(
        default=False,
        description="enlisted or entered a military academy and still shares the household's income: counts 12 months",
    )

    @model_validator(mode="after")
    def _named(self) -> HouseholdMember:
        if not (self.member_id or self.name):
            raise ValueError("a member needs a member_id or a name")
        return self

    @property
    def reference(self) -> str:
        return self.member_id or self.name or ""


# --- wage income (工资性收入) ----------------------------------------------------------------------


class PublicWelfarePost(LabeledEnum):
    """公益性岗位."""

    FOREST_RANGER = "forest_ranger", "护林员"
    GRASSLAND_RANGER = "grassland_ranger", "护草员"
    RIVER_PATROLLER = "river_patroller", "巡河员"
    CLEANER = "cleaner", "保洁员"
    OTHER = "other", "其他公益性岗位"


class WorkPlace(LabeledEnum):
    """务工区域 of other wage income."""

    OUTSIDE_PROVINCE = "outside_province", "省外（国外）务工"
    IN_PROVINCE_OUTSIDE_COUNTY = "in_province_outside_county", "县外省内务工"
    IN_COUNTY = "in_county", "县内务工"


class PublicWelfareJob(_Item):
    """公益性岗位收入: cash pay for one post in the income year."""

    post: PublicWelfarePost
    amount: Yuan


class WageJob(_Item):
    """其他工资性收入 from one job, with the costs 附件5 allows against it."""

    place: WorkPlace
    amount: Yuan
    food_and_lodging_cost: Yuan = Decimal(0)
    travel_cost: Yuan = Decimal(0)
    food_and_lodging_provided: bool = False
    far_from_home: bool = False
    one_off_travel_subsidy: Yuan = Decimal(0)
    in_kind_pay: Yuan = Decimal(0)


# --- property, transfer and production income ---------------------------------------------------


class PropertyIncomeKind(LabeledEnum):
    """财产性收入 items."""

    LAND_TRANSFER = "land_transfer", "转让土地经营权收入"
    HOUSE_RENT = "house_rent", "出租房屋收入"
    MOVABLE_RENT = "movable_rent", "出租设备和牲畜等动产收入"
    INTEREST_DIVIDENDS = "interest_dividends", "存款利息等金融资产收益"
    HOUSEHOLD_SOLAR = "household_solar", "确权到户的光伏收益"
    LAND_COMPENSATION = "land_compensation", "征地补偿中的土地补偿费"
    PATENT = "patent", "专利收入"
    VILLAGE_COLLECTIVE_DIVIDEND = "village_collective_dividend", "村级集体经济分红"
    OTHER = "other", "其他财产性收入"


class TransferIncomeKind(LabeledEnum):
    """转移性收入 items."""

    DIBAO = "dibao", "最低生活保障金"
    TEKUN = "tekun", "特困人员救助供养金（含护理补贴）"
    PENSION = "pension", "养老金或离退休金（含高龄津贴）"
    FAMILY_PLANNING = "family_planning", "计划生育金"
    ECOLOGICAL_COMPENSATION = "ecological_compensation", "生态补偿金"
    EMPLOYMENT_AWARD = "employment_award", "就业奖励"
    INDUSTRY_AWARD = "industry_award", "产业奖励"
    OTHER_REGULAR = "other_regular", "其他转移性收入"


class ProductionIncomeKind(LabeledEnum):
    """生产经营性收入: the cashed part and the own-use part."""

    CASH_SALES = "cash_sales", "变现收入"
    OWN_CONSUMPTION = "own_consumption", "自产自用实物折算"


class EarmarkedSubsidyKind(LabeledEnum):
    """专项用于减少生产经营性支出的补贴."""

    SUBSIDY_BEFORE_PLANTING = "subsidy_before_planting", "先补后种"
    SUBSIDY_BEFORE_BREEDING = "subsidy_before_breeding", "先补后养"
    SUBSIDY_BEFORE_BUILDING = "subsidy_before_building", "先补后建"
    OTHER = "other", "其他专项减支补贴"


class PropertyIncomeItem(_Item):
    kind: PropertyIncomeKind
    amount: Yuan


class TransferIncomeItem(_Item):
    kind: TransferIncomeKind
    amount: Yuan


class ProductionIncomeItem(_Item):
    kind: ProductionIncomeKind
    industry: str | None = Field(default=None, max_length=40)
    amount: Yuan


class EarmarkedSubsidy(_Item):
    kind: EarmarkedSubsidyKind
    amount: Yuan


class ProductionExpense(_Item):
    """生产经营性支出（合计）and the earmarked subsidies that reduce it."""

    total: Yuan = Decimal(0)
    earmarked_subsidies: list[EarmarkedSubsidy] = Field(default_factory=list, max_length=MAX_ITEMS)


# --- items never counted (附件5 §6) -------------------------------------------------------------


class ExclusionCategory(LabeledEnum):
    """The six groups of 附件5 §6 不计入收入项目."""

    EXPECTED = "expected", "预期性收入"
    ONE_OFF_TEMPORARY = "one_off_temporary", "一次性和临时性收入"
    PAID_ON_BEHALF = "paid_on_behalf", "政府或单位代缴的转移支付"
    EARMARKED_SPENDING_SUBSIDY = "earmarked_spending_subsidy", "减轻农户支出的定向补贴"
    NON_INCOME = "non_income", "非收入所得"
    OTHER = "other", "其他不计入项目"


class ExcludedIncomeKind(LabeledEnum):
    """A receipt the cadre may record although 附件5 never counts it as income."""

    UNPAID_WAGES = "unpaid_wages", "未实际发放的工资"
    UNPAID_DIVIDENDS = "unpaid_dividends", "未实际收到的分红（含光伏收益）"
    UNSETTLED_SALES = "unsettled_sales", "未结算的销售款和工程款"
    UNSOLD_STOCK = "unsold_stock", "未出栏畜禽和滞销农产品"
    UNUSED_OWN_PRODUCE = "unused_own_produce", "年度内未实际使用的自产自用农产品"
    TEMPORARY_RELIEF = "temporary_relief", "临时救助金和救灾款"
    CONDOLENCE = "condolence", "临时慰问金和慰问品"
    TEMPORARY_DONATION = "temporary_donation", "临时捐赠和家庭成员间捐赠"
    GIFTS = "gifts", "非经常性实物馈赠"
    WEDDING_FUNERAL_GIFTS = "wedding_funeral_gifts", "婚丧嫁娶礼金"
    LUCKY_MONEY = "lucky_money", "压岁钱"
    ONE_OFF_INSURANCE_CLAIM = "one_off_insurance_claim", "一次性伤残、人身和财产保险理赔"
    DIBAO_PRICE_SUBSIDY = "dibao_price_subsidy", "低保临时价格补贴"
    INHERITANCE = "inheritance", "遗产"
    PREMIUMS_PAID_ON_BEHALF = "premiums_paid_on_behalf", "代缴的城乡居民医疗和养老保险"
    SOCIAL_INSURANCE_WITHHELD = "social_insurance_withheld", "单位代缴代扣的五险一金"
    WITHHELD_FROM_WAGES = "withheld_from_wages", "工资中代扣的房租和水电费"
    DANGEROUS_HOUSE_RENOVATION = "dangerous_house_renovation", "危房改造补助"
    MEDICAL_REIMBURSEMENT = "medical_reimbursement", "医保报销和医疗救助"
    EDUCATION_SUBSIDY = "education_subsidy", "教育专项补贴"
    TRAINING_SUBSIDY = "training_subsidy", "就业培训补贴"
    YULU_PLAN = "yulu_plan", "雨露计划补助"
    LOAN_INTEREST_SUBSIDY = "loan_interest_subsidy", "小额信贷贴息"
    DEMOLITION_COMPENSATION = "demolition_compensation", "房屋拆迁补偿"
    LOTTERY_WIN = "lottery_win", "彩票中奖"
    WORK_STUDY = "work_study", "在校生勤工俭学补助"
    INTERNSHIP_WITHOUT_AGREEMENT = "internship_without_agreement", "无劳务协议保障的实习和兼职收入"
    IN_KIND_WAGE = "in_kind_wage", "实物类工资性报酬"

    @property
    def category(self) -> ExclusionCategory:
        return _EXCLUSION_CATEGORY[self]

    @property
    def rule(self) -> str:
        """The stable rule code that keeps this kind out of income."""
        return f"excluded.{self.value}"


_E, _C = ExcludedIncomeKind, ExclusionCategory
_EXCLUSION_CATEGORY: dict[ExcludedIncomeKind, ExclusionCategory] = {
    **dict.fromkeys(
        [_E.UNPAID_WAGES, _E.UNPAID_DIVIDENDS, _E.UNSETTLED_SALES, _E.UNSOLD_STOCK, _E.UNUSED_OWN_PRODUCE],
        _C.EXPECTED,
    ),
    **dict.fromkeys(
        [_E.TEMPORARY_RELIEF, _E.CONDOLENCE, _E.TEMPORARY_DONATION, _E.GIFTS, _E.WEDDING_FUNERAL_GIFTS,
         _E.LUCKY_MONEY, _E.ONE_OFF_INSURANCE_CLAIM, _E.DIBAO_PRICE_SUBSIDY, _E.INHERITANCE],
        _C.ONE_OFF_TEMPORARY,
    ),
    **dict.fromkeys(
        [_E.PREMIUMS_PAID_ON_BEHALF, _E.SOCIAL_INSURANCE_WITHHELD, _E.WITHHELD_FROM_WAGES],
        _C.PAID_ON_BEHALF,
    ),
    **dict.fromkeys(
        [_E.DANGEROUS_HOUSE_RENOVATION, _E.MEDICAL_REIMBURSEMENT, _E.EDUCATION_SUBSIDY,
         _E.TRAINING_SUBSIDY, _E.YULU_PLAN, _E.LOAN_INTEREST_SUBSIDY],
        _C.EARMARKED_SPENDING_SUBSIDY,
    ),
    **dict.fromkeys([_E.DEMOLITION_COMPENSATION, _E.LOTTERY_WIN], _C.NON_INCOME),
    **dict.fromkeys([_E.WORK_STUDY, _E.INTERNSHIP_WITHOUT_AGREEMENT, _E.IN_KIND_WAGE], _C.OTHER),
}
del _E, _C


class ExcludedItem(_Item):
    kind: ExcludedIncomeKind
    amount: Yuan
    note: str | None = Field(default=None, max_length=200)


class DeclaredCompliantExpenses(_Item):
    """合规自付支出: weighed beside income in identification, never part of net income."""

    education: Yuan = Decimal(0)
    medical: Yuan = Decimal(0)
    other: Yuan = Decimal(0)


# --- the declaration ----------------------------------------------------------------------------


class IncomeDeclaration(_Item):
    """What a household received in the income year, item by item as 附件5 lists it."""

    members: list[HouseholdMember] = Field(max_length=MAX_MEMBERS)
    public_welfare_jobs: list[PublicWelfareJob] = Field(default_factory=list, max_length=MAX_ITEMS)
    other_wage_jobs: list[WageJob] = Field(default_factory=list, max_length=MAX_ITEMS)
    property_items: list[PropertyIncomeItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    transfer_items: list[TransferIncomeItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    production_items: list[ProductionIncomeItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    production_expense: ProductionExpense = Field(default_factory=ProductionExpense)
    excluded_items: list[ExcludedItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    compliant_expenses: DeclaredCompliantExpenses = Field(default_factory=DeclaredCompliantExpenses)

    @field_validator("members")
    @classmethod
    def _household_not_empty(cls, members: list[HouseholdMember]) -> list[HouseholdMember]:
        check_household(members)
        return members


def check_household(members: list[HouseholdMember]) -> None:
    """Refuse a household of size 0 or one that lists the same member_id twice."""
    if household_months(members) == 0:
        raise EmptyHousehold()
    ids = [member.member_id for member in members if member.member_id]
    if len(ids) != len(set(ids)):
        raise ValueError("a member_id appears more than once")


class VisitIncomeAmounts(_Item):
    """The five summary amounts of the visit form (A–E), under the form's own names."""

    production_income: Yuan  # A 生产经营性收入
    wage_income: Yuan  # B 工资性收入
    transfer_income: Yuan  # C 转移性收入
    property_income: Yuan  # D 财产性收入
    production_expense: Yuan  # E 生产经营性支出


class VisitSummary(_Item):
    """A visit's income answers when it gives the summary amounts instead of the items, as an
    assessment stores them (``insurance_claim`` is the form's ``claim_income.amount``)."""

    amounts: VisitIncomeAmounts
    members: list[HouseholdMember] = Field(max_length=MAX_MEMBERS)
    compliant_expenses: DeclaredCompliantExpenses = Field(default_factory=DeclaredCompliantExpenses)
    insurance_claim: Yuan = Decimal(0)

    @field_validator("members")
    @classmethod
    def _household_not_empty(cls, members: list[HouseholdMember]) -> list[HouseholdMember]:
        check_household(members)
        return members

    @classmethod
    def of_form(cls, income: Any, members: list[HouseholdMember]) -> VisitSummary:
        """The summary of a visit form's income section (the form's model or an event's copy of it)."""
        return cls.model_validate({
            "amounts": income.amounts.model_dump(),
            "members": members,
            "compliant_expenses": income.compliant_expenses.model_dump() if income.compliant_expenses else {},
            "insurance_claim": income.claim_income.amount if income.claim_income else Decimal(0),
        })


# --- outputs ------------------------------------------------------------------------------------


class IncomeSection(LabeledEnum):
    WAGE = "wage", "工资性收入"
    PROPERTY = "property", "财产性收入"
    TRANSFER = "transfer", "转移性收入"
    PRODUCTION = "production", "生产经营性收入"
    PRODUCTION_EXPENSE = "production_expense", "生产经营性支出"
    COMPLIANT_EXPENSE = "compliant_expense", "合规自付支出"
    EXCLUDED = "excluded", "不计入收入项目"


class BreakdownLine(_Item):
    """One input item and what the rules made of it.

    Within a section the counted amounts add up to that section's total; an earmarked subsidy is a
    negative line of the production expense.
    """

    section: IncomeSection
    item: str
    source: str
    label: str
    amount: Decimal
    counted_amount: Decimal
    counted: bool
    rule: str
    explanation: str


class MemberCount(_Item):
    """How one member enters household size (家庭人口数)."""

    member: str
    months_in_household: int
    months_counted: int
    rule: str


class IncomeAssessment(_Item):
    """人均纯收入 of one household under one rule set, with every item explained."""

    ruleset_year: int
    ruleset_region: str
    ruleset_version: str
    monitoring_line: Decimal
    low_income_line: Decimal
    wage_income: Decimal
    property_income: Decimal
    transfer_income: Decimal
    production_income: Decimal
    production_expense: Decimal
    net_income: Decimal
    compliant_expenses: Decimal
    member_months: int
    household_size: Decimal
    per_capita_net_income: Decimal
    per_capita_after_compliant_expenses: Decimal
    bracket: IncomeBracket | None
    below_monitoring_line: bool
    in_low_income_group: bool
    household_members: list[MemberCount]
    breakdown: list[BreakdownLine]


class BracketAssessment(_Item):
    """What a bracket ticked on the visit form implies, without an exact figure."""

    ruleset_year: int
    ruleset_region: str
    ruleset_version: str
    bracket: IncomeBracket
    below_13000: bool | None
    below_monitoring_line: bool
    in_low_income_group: bool
    low_income_group_certain: bool
    explanation: str


class IncomeClass(LabeledEnum):
    """Where a household stands against the two lines of a rule set; a change of class is what a
    reassessment reports. The second code only arises where a region's low-income line is at or
    under its monitoring line."""

    BELOW_MONITORING_LINE = "below_monitoring_line", "监测范围内（低收入组）"
    BELOW_MONITORING_LINE_NOT_LOW_INCOME = "below_monitoring_line_not_low_income", "监测范围内（非低收入组）"
    LOW_INCOME_GROUP = "low_income_group", "高于监测范围，低收入组"
    ABOVE_LOW_INCOME_LINE = "above_low_income_line", "高于监测范围，非低收入组"

    @classmethod
    def of(cls, below_monitoring_line: bool, in_low_income_group: bool) -> IncomeClass:
        if below_monitoring_line:
            return cls.BELOW_MONITORING_LINE if in_low_income_group else cls.BELOW_MONITORING_LINE_NOT_LOW_INCOME
        return cls.LOW_INCOME_GROUP if in_low_income_group else cls.ABOVE_LOW_INCOME_LINE
