-- delivery_alerts_by_firing served no query (alerts are read by delivery, through the primary key;
-- planning reads rollback_triggers by fingerprint), yet every stored alert paid an index insert:
-- under the intake benchmark it was the largest single source of WAL pages per commit (6.6 of 36).
DROP INDEX IF EXISTS delivery_alerts_by_firing;
