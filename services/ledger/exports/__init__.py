"""The two ledgers as workbooks in the layout of 附件3 and 附件4."""
