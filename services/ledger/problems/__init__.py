"""Suspected problems (疑似问题核实台账, 附件3): recorded by hand or by a rule, verified, with their history."""
