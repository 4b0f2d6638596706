"""Assistance plans (一户一策), risk assessments (风险评估) and the 2-year review (户户过筛) of identified households."""
