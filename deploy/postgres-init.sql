-- One database per service: no service reads another's tables.
CREATE DATABASE fangfan_intake;
CREATE DATABASE fangfan_income;
CREATE DATABASE fangfan_ledger;
CREATE DATABASE fangfan_alerts;
