"""Rectification items (发现问题整改台账, 附件4): measures, deadline, progress, completion and closing (销号)."""
