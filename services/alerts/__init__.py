"""Department early-warning data by signed webhook, the registry of every legal deadline, and the due-soon and
overdue alerts raised from it."""

TITLE = "预警与提醒 warnings, deadlines and alerts"
