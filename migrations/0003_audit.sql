-- The append-only, hash-chained audit log: what Ripcord received, decided and did, and why.
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT    NOT NULL,             -- RFC 3339, UTC, milliseconds
    kind          TEXT    NOT NULL,             -- e.g. delivery.received, decision, rollback.attempt
    service       TEXT,
    namespace     TEXT,
    deployment_id INTEGER,
    rollback_id   INTEGER,
    delivery_id   INTEGER,
    actor         TEXT    NOT NULL,             -- a credential's name, 'engine', or a peer address
    summary       TEXT    NOT NULL,             -- one line for people
    data          TEXT    NOT NULL,             -- JSON object with the details (secrets redacted)
    prev_hash     TEXT    NOT NULL,             -- the previous event's hash (the anchor's for the first kept)
    hash          TEXT    NOT NULL              -- SHA-256 of prev_hash and this event's canonical content
);

CREATE INDEX audit_events_by_service ON audit_events (service, id);
CREATE INDEX audit_events_by_rollback ON audit_events (rollback_id, id) WHERE rollback_id IS NOT NULL;
CREATE INDEX audit_events_by_deployment ON audit_events (deployment_id, id) WHERE deployment_id IS NOT NULL;
CREATE INDEX audit_events_by_kind ON audit_events (kind, id);
CREATE INDEX audit_events_by_time ON audit_events (at);

-- Where the kept chain begins after retention pruned older events.
CREATE TABLE audit_anchor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    first_id    INTEGER NOT NULL,                -- the first event kept
    prev_hash   TEXT    NOT NULL,                -- the hash of the last event pruned
    pruned_at   TEXT    NOT NULL,
    pruned      INTEGER NOT NULL                 -- events pruned so far, in total
);

-- Pruning permit: retention may delete events up to this id, nothing else may delete any.
CREATE TABLE audit_prune_permit (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    max_id  INTEGER NOT NULL
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit WHERE id = 1 AND OLD.id <= max_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only (only retention may prune it)');
END;

-- Filters for the rollback history.
CREATE INDEX rollbacks_by_namespace ON rollbacks (namespace, id);
CREATE INDEX rollbacks_by_created ON rollbacks (created_at);
