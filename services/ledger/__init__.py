"""The suspected-problem ledger (附件3), the rectification ledger (附件4) and the identification procedure of new
monitoring objects with its legal deadlines."""

TITLE = "问题台账与监测对象识别 ledgers and identification"
