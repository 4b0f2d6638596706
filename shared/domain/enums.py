"""Enumerations of the domain, each member carrying its code and its Chinese label.

The code is what the API and the database carry; the label is what users see in exports and
documents. Codes and labels follow the township work plan (西河府〔2024〕90号) and its annexes.
"""

from __future__ import annotations

from enum import StrEnum


class LabeledEnum(StrEnum):
    """A StrEnum whose members are declared as ``CODE = "code", "中文标签"``."""

    label: str

    def __new__(cls, code: str, label: str = "") -> "LabeledEnum":
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label or code
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label for member in cls}


class Role(LabeledEnum):
    VILLAGE_CADRE = "village_cadre", "村干部"
    TOWN_STAFF = "town_staff", "镇干部"
    DISTRICT_ADMIN = "district_admin", "区县管理员"
    AUDITOR = "auditor", "审计（只读）"


class HouseholdKind(LabeledEnum):
    """户类型 (multi-select on the form)."""

    GENERAL = "general", "一般农户"
    POVERTY_ALLEVIATED = "poverty_alleviated", "脱贫户"
    MONITORED = "monitored", "防止返贫监测对象"


class RiskStatus(LabeledEnum):
    UNRESOLVED = "unresolved", "未消除风险"
    RESOLVED = "resolved", "已消除风险"


class LedgerHouseholdCategory(LabeledEnum):
    """农户类型 as the ledgers (附件3, 附件4) record it: exactly one per household."""

    MONITORED_RESOLVED = "monitored_resolved", "监测户（已消除风险）"
    MONITORED_UNRESOLVED = "monitored_unresolved", "监测户（未消除风险）"
    POVERTY_ALLEVIATED = "poverty_alleviated", "一般脱贫户（监测户之外的其他脱贫户）"
    GENERAL = "general", "其他一般农户"


class MonitoringObjectType(LabeledEnum):
    UNSTABLE_POVERTY_ALLEVIATED = "unstable_poverty_alleviated", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN_HARDSHIP = "sudden_hardship", "突发严重困难户"


class Relation(LabeledEnum):
    """与户主关系."""

    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "子"
    DAUGHTER = "daughter", "女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class LabourCapacity(LabeledEnum):
    """劳动能力."""

    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    LOST = "lost", "丧失劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    NONE = "none", "无劳动力"


class WeakLabourReason(LabeledEnum):
    OVER_60 = "over_60", "60岁以上身体健康"
    ILLNESS = "illness", "患病"
    DISABILITY = "disability", "残疾"


class SkilledTrade(LabeledEnum):
    HOUSEKEEPING = "housekeeping", "家政服务员"
    CHINESE_COOK = "chinese_cook", "中式烹调师"
    MASSAGE = "massage", "保健按摩师"
    AUTO_REPAIR = "auto_repair", "汽车维修工"
    CONCRETE = "concrete", "混凝土工"
    STEEL_FIXER = "steel_fixer", "钢筋工"
    WELDER = "welder", "焊工"
    ELECTRICIAN = "electrician", "电工"
    OTHER = "other", "其他（注明）"


class VerificationMethod(LabeledEnum):
    """核实方式."""

    ONLINE_INQUIRY = "online_inquiry", "线上问询"
    VILLAGE_ASSESSMENT = "village_assessment", "村级研判"
    HOME_VISIT = "home_visit", "入户走访"


class KeyTargetGroup(LabeledEnum):
    """10类重点对象; ``none`` excludes the others."""

    LOW_INCOME_GROUP = "low_income_group", "上年度低收入组脱贫人口"
    LARGE_INCOME_DROP = "large_income_drop", "上年度收入降幅较大的脱贫人口"
    MONITORED = "monitored", "防止返贫监测对象"
    NEW_DIBAO = "new_dibao", "本年新增低保对象户"
    NEW_TEKUN = "new_tekun", "本年新增分散供养特困人员户"
    NEW_LARGE_TEMPORARY_RELIEF = "new_large_temporary_relief", "本年新增获得大额临时救助人员户"
    NEW_SEVERE_DISABILITY = "new_severe_disability", "本年新增重度残疾人户"
    NEW_SERIOUS_ILLNESS = "new_serious_illness", "本年新增大病重病患者户"
    NEW_MENTAL_DISORDER = "new_mental_disorder", "本年新增精神障碍患者户"
    REJECTED_ASSISTANCE_APPLICATION = (
        "rejected_assistance_application",
        "本年新申请低保、特困供养但审批未通过的农户",
    )
    NONE = "none", "均无以上情形"


class IncomeBracket(LabeledEnum):
    """Per-capita net income brackets ticked when judged above the monitoring range (upper bound inclusive)."""

    B_8300_10000 = "8300_10000", "8300元—1万元（含）"
    B_10000_12000 = "10000_12000", "1万元—1.2万元（含）"
    B_12000_16000 = "12000_16000", "1.2万元—1.6万元（含）"
    B_16000_20000 = "16000_20000", "1.6万元—2万元（含）"
    B_20000_30000 = "20000_30000", "2万元—3万元（含）"
    OVER_30000 = "over_30000", ">3万元"


class CoordinateSystem(LabeledEnum):
    WGS84 = "wgs84", "WGS-84"
    GCJ02 = "gcj02", "GCJ-02（国测局）"


class HouseStructure(LabeledEnum):
    EARTH_WOOD = "earth_wood", "土木结构"
    BRICK_WOOD = "brick_wood", "砖木结构"
    BRICK_EARTH = "brick_earth", "砖土混杂结构"
    WOOD = "wood", "木结构"
    STONE_WOOD = "stone_wood", "石木结构"
    BRICK_CONCRETE = "brick_concrete", "砖混结构"
    ADOBE = "adobe", "土坯房"
    OTHER = "other", "其他（需备注说明）"


class PlantingType(LabeledEnum):
    GRAIN = "grain", "谷物豆类及薯类"
    OIL_SPICE_NUT = "oil_spice_nut", "油料香料坚果类"
    VEGETABLE_FUNGI = "vegetable_fungi", "蔬菜及食用菌类"
    FRUIT = "fruit", "水果类"
    HERB = "herb", "中药材类"
    TOBACCO = "tobacco", "烟草类"
    OTHER = "other", "其他"


class BreedingType(LabeledEnum):
    CATTLE = "cattle", "牛"
    SHEEP = "sheep", "羊"
    PIG = "pig", "猪"
    POULTRY = "poultry", "家禽"
    OTHER = "other", "其他"


class RiskCause(LabeledEnum):
    """返贫致贫风险类型."""

    ILLNESS = "illness", "因病"
    EDUCATION = "education", "因学"
    HOUSING = "housing", "因安全住房"
    WATER = "water", "因安全饮水"
    DISABILITY = "disability", "因残"
    NATURAL_DISASTER = "natural_disaster", "因自然灾害"
    ACCIDENT = "accident", "因意外事故"
    INDUSTRY_FAILURE = "industry_failure", "因产业项目失败"
    UNSTABLE_EMPLOYMENT = "unstable_employment", "因务工就业不稳"
    LACK_OF_LABOUR = "lack_of_labour", "缺劳力"
    OTHER = "other", "其他"


class IndustryFailureReason(LabeledEnum):
    PRICE_DROP = "price_drop", "因价格下降"
    OTHER = "other", "其他"


class ProblemLevel(LabeledEnum):
    HOUSEHOLD = "household", "户"
    VILLAGE = "village", "村"
    TOWNSHIP = "township", "乡镇"


class HouseholdProblemType(LabeledEnum):
    INCOME = "income", "①收入方面"
    EDUCATION = "education", "②基本教育"
    MEDICAL = "medical", "③基本医疗"
    HOUSING = "housing", "④住房安全"
    WATER = "water", "⑤饮水安全"
    DEVELOPMENT_ASSISTANCE = "development_assistance", "⑥开发式帮扶"
    EMPLOYMENT = "employment", "⑦稳岗就业（尤其是公益性岗位）"
    RISK_ELIMINATION = "risk_elimination", "⑧风险消除"
    SATISFACTION = "satisfaction", "⑨群众满意度"
    OTHER = "other", "⑩其他（请注明）"


class VillageProblemType(LabeledEnum):
    """Problem types at village and township level (乡镇和村级问题)."""

    AREA_KNOWLEDGE = "area_knowledge", "①辖区情况了解"
    POLICY_PUBLICITY = "policy_publicity", "②政策宣传情况"
    IDENTIFICATION = "identification", "③监测对象识别"
    ASSISTANCE_AND_ELIMINATION = "assistance_and_elimination", "④帮扶与风险消除"
    WARNING_HANDLING = "warning_handling", "⑤预警信息处置"
    SECRETARY_VISITS = "secretary_visits", "⑥书记遍访"
    SYSTEMIC_RISK = "systemic_risk", "⑦规模性返贫风险"
    OTHER = "other", "⑧其他（请注明）"


class VerificationResult(LabeledEnum):
    """疑似问题核实情况: ① not a problem, ② confirmed (the ledger writes the circled number)."""

    NOT_A_PROBLEM = "not_a_problem", "①经核实不是问题，不纳入问题整改台账"
    CONFIRMED = "confirmed", "②经核实确有问题，纳入问题整改台账"

    @property
    def mark(self) -> str:
        """The circled number 附件3 writes in its column."""
        return self.label[0]


class ProblemSource(LabeledEnum):
    """Where a suspected problem came from."""

    VISIT = "visit", "走访发现"
    RULE = "rule", "规则比对"
    WARNING = "warning", "部门预警"
    MANUAL = "manual", "人工录入"


class ProblemStatus(LabeledEnum):
    """A suspected problem before and after verification (核实)."""

    SUSPECTED = "suspected", "待核实"
    NOT_A_PROBLEM = "not_a_problem", "经核实不是问题"
    CONFIRMED = "confirmed", "经核实确有问题"


class RectificationStatus(LabeledEnum):
    """A rectification item (整改) from confirmation to closing (销号)."""

    IN_PROGRESS = "in_progress", "整改中"
    COMPLETED = "completed", "已完成待销号"
    CLOSED = "closed", "已销号"


class RemoteVerificationReason(LabeledEnum):
    """Why a household was verified without a home visit (未入户核实原因)."""

    WHOLE_HOUSEHOLD_AWAY = "whole_household_away", "举家外出"
    UNABLE_TO_COMMUNICATE_PROXY = "unable_to_communicate_proxy", "无法正常沟通，由他人代答"


class WarningSignal(LabeledEnum):
    """部门预警信息的信号类型: what a department's warning says happened to a person."""

    HIGH_MEDICAL_COST = "high_medical_cost", "医疗费用自付较高"
    NEW_DIBAO = "new_dibao", "新增低保"
    NEW_TEKUN = "new_tekun", "新增特困"
    NEW_TEMPORARY_RELIEF = "new_temporary_relief", "新增临时救助"
    DISABILITY = "disability", "残疾认定"
    SUSPECTED_DROPOUT = "suspected_dropout", "疑似辍学"
    UNSAFE_HOUSING = "unsafe_housing", "住房不安全"
    WATER_OUTAGE = "water_outage", "饮水中断"
    DISASTER = "disaster", "受灾"
    JOB_LOSS = "job_loss", "失业"
    ACCIDENT = "accident", "意外事故"
    OTHER = "other", "其他"


class AlertKind(LabeledEnum):
    """What an alert says of a deadline."""

    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已逾期"
    REMINDER = "reminder", "逾期提醒"
    ESCALATION = "escalation", "逾期上报"
