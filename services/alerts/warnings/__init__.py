"""Department warnings (部门预警信息): the store, matching to households, the queue and the 5-working-day check."""
