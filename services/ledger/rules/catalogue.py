"""The rules that find suspected problems, as data: code, clause of the work plan, message, level, type, triggers.

A rule's code is stable: it keys the problem it raises (one per campaign, rule and subject), so a
rule that fires again adds its evidence to the open problem. Each quotes the clause of the work plan
(西河府〔2024〕90号 and its annexes) it enforces. ``message`` is the 问题描述 it writes, filled from the
evidence. Visit findings are rules too, one per finding code intake sends (``finding.<code>``);
a code the table does not know yet still raises a household ⑩ problem under ``finding.unlisted``.

The 15-day rule is filed by the identification procedure when a case is approved after its due day;
the 10-day plan rule and the labour-capacity rules of a plan by the assistance plans (``assistance``),
when a plan is recorded late or breaks the rule. The last rule is fed by alerts, which do not publish
their events yet: it is listed (``active: false``) so the table says what is coming, and fires nothing
until then.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.enums import (
    HouseholdProblemType,
    ProblemLevel,
    ProblemSource,
    VillageProblemType,
)

VISIT, INCOME, REGISTER = "visit.submitted", "income.assessed", "household.changed"
PLAN = "assistance_plan"  # a plan recorded or revised through the API (no event of its own)

SHOULD_BE_MONITORED = ("要对“10类重点对象”逐户研判，符合条件的按程序识别为监测对象，要坚决禁止“一兜了之”，"
                       "搞“应纳未纳”“体外循环”。")
DATA_QUALITY = "排查数据质量问题，重点关注对农户信息录入不全面、数据填报不真实不准确等问题。"
IN_PERSON = ("对“10类重点对象”以及其他收入疑似低于监测范围或存在返贫致贫风险的农户，……原则上要逐一开展实地入户面访，"
             "确属整户长期外出的可电访，确因年龄、身体等原因整户不具备正常沟通能力的可由亲属或村干部代答")


@dataclass(frozen=True)
class Rule:
    code: str
    level: ProblemLevel
    problem_type: HouseholdProblemType | VillageProblemType
    source: ProblemSource
    clause: str
    message: str
    triggers: tuple[str, ...]
    finding_code: str | None = None
    active: bool = True
    note: str | None = None


def _household(code, problem_type, clause, message, triggers, *, source=ProblemSource.RULE, finding_code=None):
    return Rule(code, ProblemLevel.HOUSEHOLD, problem_type, source, clause, message, triggers, finding_code)


def _finding(code: str, level: ProblemLevel, problem_type, clause: str, message: str) -> Rule:
    return Rule(f"finding.{code}", level, problem_type, ProblemSource.VISIT, clause, message, (VISIT,), code)


H, V = HouseholdProblemType, VillageProblemType

RULES: tuple[Rule, ...] = (
    _household("income.below_line_not_monitored", H.INCOME,
               "对家庭年人均纯收入低于监测范围的，补充录入“四收一支”具体情况；……特别是是否存在收入不达标或下降风险",
               "{year}收入年度人均纯收入{amount}低于监测范围，且不是未消除风险监测对象", (INCOME, VISIT, REGISTER)),
    Rule("identification.should_be_monitored", ProblemLevel.VILLAGE, V.IDENTIFICATION, ProblemSource.RULE,
         SHOULD_BE_MONITORED, "户主{head}（{group}）{reason}，未识别纳入监测对象（疑似应纳未纳）",
         (INCOME, VISIT, REGISTER)),
    _household("guarantee.dropout", H.EDUCATION, "确保除身体原因不具备学习条件外义务教育阶段适龄儿童不失学辍学",
               "{day}走访：有义务教育阶段适龄儿童失学辍学", (VISIT,)),
    _household("guarantee.uninsured", H.MEDICAL,
               "重点了解脱贫人口以及农村低收入人口基本医疗保险参保和医疗救助等政策落实情况",
               "{day}走访：有家庭成员未参加基本医疗保险", (VISIT,)),
    _household("guarantee.housing_unsafe", H.HOUSING, "确保人不住危房、危房不住人",
               "{day}走访：住房不安全", (VISIT,)),
    _household("guarantee.water_unsafe", H.WATER, "确保每个农户常年有水喝、喝上干净水",
               "{day}走访：饮水不安全", (VISIT,)),
    _household("elimination.unstable", H.RISK_ELIMINATION,
               "重点关注家庭收入是否稳定超过监测范围、“三保障”和饮水安全是否持续巩固、……以及是否出现新增的返贫致贫风险等情况",
               "已消除风险的监测户{reason}，风险消除不稳定", (INCOME, VISIT, REGISTER)),
    _household("development.no_measure", H.DEVELOPMENT_ASSISTANCE,
               "对有劳动能力、有发展条件的监测户至少落实一项开发式帮扶措施",
               "未消除风险监测户有劳动能力成员（{members}），台账未记录开发式帮扶措施", (VISIT, PLAN)),
    _household("protection.no_cover", H.OTHER, "对符合条件的无劳动能力监测户做好兜底保障",
               "整户无劳动能力，帮扶计划未落实保障性帮扶（兜底保障）措施：{detail}", (PLAN, VISIT)),
    _finding("labour_capacity_vs_age", ProblemLevel.HOUSEHOLD, H.OTHER, DATA_QUALITY, "数据质量：{message}（{field}）"),
    _finding("bracket_contradicts_amounts", ProblemLevel.HOUSEHOLD, H.INCOME, DATA_QUALITY,
             "收入数据矛盾：{message}（{field}）"),
    _finding("amounts_above_monitoring_line", ProblemLevel.HOUSEHOLD, H.INCOME, DATA_QUALITY,
             "收入数据矛盾：{message}（{field}）"),
    _finding("key_target_not_visited_in_person", ProblemLevel.VILLAGE, V.OTHER, IN_PERSON,
             "户主{head}（{group}）为重点对象，未入户面访且未注明原因：{message}"),
    _finding("gps_low_accuracy", ProblemLevel.VILLAGE, V.OTHER, DATA_QUALITY, "户主{head}（{group}）入户走访定位：{message}"),
    _finding("gps_mock_location", ProblemLevel.VILLAGE, V.OTHER, DATA_QUALITY, "户主{head}（{group}）入户走访定位：{message}"),
    _finding("gps_far_from_household", ProblemLevel.VILLAGE, V.OTHER, DATA_QUALITY,
             "户主{head}（{group}）入户走访定位：{message}"),
    _finding("members_not_verified", ProblemLevel.HOUSEHOLD, H.OTHER, DATA_QUALITY,
             "家庭成员未逐一核实：{message}（{field}）"),
    _finding("device_clock_ahead", ProblemLevel.VILLAGE, V.OTHER, DATA_QUALITY,
             "户主{head}（{group}）走访时间：{message}"),
    _finding("income_below_line_without_risk", ProblemLevel.HOUSEHOLD, H.INCOME,
             "对家庭年人均纯收入低于监测范围的，补充录入“四收一支”具体情况；……特别是是否存在收入不达标或下降风险",
             "收入低于监测范围，综合研判却为无风险：{message}"),
    Rule("finding.unlisted", ProblemLevel.HOUSEHOLD, H.OTHER, ProblemSource.VISIT, DATA_QUALITY,
         "走访发现（{finding_code}）：{message}（{field}）", (VISIT,),
         note="any finding code this table does not list yet; the code is kept in the evidence"),
    Rule("identification.over_15_days", ProblemLevel.VILLAGE, V.IDENTIFICATION, ProblemSource.RULE,
         "新识别监测对象从发现风险到识别纳入是否控制在15天以内。", "户主{head}（{group}）识别纳入超过时限：{detail}",
         ("case.closed",),
         note="filed when an identification case is approved after its due day (the campaign's clock)"),
    Rule("assistance.plan_over_10_days", ProblemLevel.VILLAGE, V.ASSISTANCE_AND_ELIMINATION, ProblemSource.RULE,
         "新识别监测对象是否在10天内完成“一户一策”帮扶计划制定和帮扶措施申报。", "户主{head}（{group}）帮扶计划超过时限：{detail}",
         (PLAN,), note="filed when a plan is drawn up after its due day (the campaign's plan clock after approval)"),
    Rule("warning.unchecked_5_working_days", ProblemLevel.VILLAGE, V.WARNING_HANDLING, ProblemSource.WARNING,
         "乡村收到预警信息之日起5个工作日内完成到户核实。", "预警信息收到后5个工作日内未完成到户核实",
         ("warning.received", "alert.raised"), active=False,
         note="fed by department warnings and alerts, which publish nothing yet"),
)

# Findings that raise nothing of their own: intake could not screen the visit for lack of a rule set; and a
# failed guarantee judged "no risk" is raised by the guarantee's own rule (②–⑤) whatever the judgement.
IGNORED_FINDINGS = frozenset({"no_rule_set", "guarantee_failed_without_risk"})

_BY_CODE = {rule.code: rule for rule in RULES}
_BY_FINDING = {rule.finding_code: rule for rule in RULES if rule.finding_code}


def rule(code: str) -> Rule:
    return _BY_CODE[code]


def rule_for_finding(finding_code: str) -> Rule | None:
    """The rule a visit finding raises; None for findings that are not about the household."""
    if finding_code in IGNORED_FINDINGS:
        return None
    return _BY_FINDING.get(finding_code, _BY_CODE["finding.unlisted"])
