"""The campaign (行动) as data: its years, rule-set version and phase dates, editable by a district admin."""
