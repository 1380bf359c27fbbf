-- Delivery retention (`deliveries.retention`) keeps every delivery a rollback was triggered by, and
-- deleting a delivery makes SQLite check rollback_triggers for it (foreign keys are on): both look
-- triggers up by delivery. Triggers are written only when a rollback is planned, so the index costs
-- the intake nothing.
CREATE INDEX rollback_triggers_by_delivery ON rollback_triggers (delivery_id);
