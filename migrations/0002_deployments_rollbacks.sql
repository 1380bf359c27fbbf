-- Deployments recorded by CI/CD, the decisions taken for every firing alert, and rollbacks as
-- durable jobs.

-- Which deliveries the planner has evaluated (NULL: not yet, e.g. after a crash).
ALTER TABLE deliveries ADD COLUMN planned_at TEXT;
CREATE INDEX deliveries_unplanned ON deliveries (id) WHERE planned_at IS NULL;

CREATE TABLE deployments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    service          TEXT    NOT NULL,
    namespace        TEXT    NOT NULL,
    cluster          TEXT    NOT NULL DEFAULT '',
    environment      TEXT    NOT NULL DEFAULT '',
    version          TEXT    NOT NULL,
    previous_version TEXT    NOT NULL DEFAULT '',
    strategy         TEXT    NOT NULL CHECK (strategy IN ('rolling', 'blue-green', 'canary')),
    labels           TEXT    NOT NULL DEFAULT '{}',     -- JSON object
    target           TEXT    NOT NULL DEFAULT '{}',     -- JSON object: one block per executor kind
    soak_seconds     REAL    NOT NULL,
    idempotency_key  TEXT    UNIQUE,
    state            TEXT    NOT NULL CHECK (state IN ('active', 'stable', 'rolling_back', 'rolled_back', 'superseded')),
    deployed_at      TEXT    NOT NULL,
    soak_ends_at     TEXT    NOT NULL,
    promoted_at      TEXT,
    superseded_by    INTEGER REFERENCES deployments(id),
    updated_at       TEXT    NOT NULL,
    recorded_by      TEXT    NOT NULL
);

CREATE INDEX deployments_by_service ON deployments (service, namespace, cluster, state);
CREATE INDEX deployments_by_state ON deployments (state, soak_ends_at);

-- A decision for every alert of every delivery the planner evaluated.
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   INTEGER NOT NULL REFERENCES deliveries(id),
    fingerprint   TEXT    NOT NULL,
    alertname     TEXT    NOT NULL,
    alert_status  TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    policy        TEXT,
    deployment_id INTEGER REFERENCES deployments(id),
    rollback_id   INTEGER,
    reason        TEXT    NOT NULL,
    decided_at    TEXT    NOT NULL
);

CREATE INDEX decisions_by_delivery ON decisions (delivery_id);
CREATE INDEX decisions_by_rollback ON decisions (rollback_id) WHERE rollback_id IS NOT NULL;

-- A rollback is a durable job. At most one per deployment, ever.
CREATE TABLE rollbacks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    deployment_id  INTEGER NOT NULL UNIQUE REFERENCES deployments(id),
    policy         TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    namespace      TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'verifying', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    actions        TEXT    NOT NULL,                -- JSON array of executor names, the escalation ladder
    current_action INTEGER NOT NULL DEFAULT 0,
    executor       TEXT,                            -- the executor that last ran (or succeeded)
    created_at     TEXT    NOT NULL,
    not_before     TEXT    NOT NULL,                -- for/delay: not started before this
    started_at     TEXT,
    finished_at    TEXT,
    updated_at     TEXT    NOT NULL,
    run_count      INTEGER NOT NULL DEFAULT 0,      -- times a worker claimed it (1 unless interrupted)
    owner          TEXT,                            -- the process (pid and start) that runs it
    reason         TEXT    NOT NULL DEFAULT ''      -- why it ended as it did
);

CREATE INDEX rollbacks_by_status ON rollbacks (status, not_before);
CREATE INDEX rollbacks_by_service ON rollbacks (service, created_at);

-- The firing alerts that triggered (or later joined) a rollback.
CREATE TABLE rollback_triggers (
    rollback_id  INTEGER NOT NULL REFERENCES rollbacks(id),
    fingerprint  TEXT    NOT NULL,
    starts_at    TEXT    NOT NULL,
    alertname    TEXT    NOT NULL,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
    status       TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    added_at     TEXT    NOT NULL,
    PRIMARY KEY (rollback_id, fingerprint, starts_at)
) WITHOUT ROWID;

CREATE INDEX rollback_triggers_by_alert ON rollback_triggers (fingerprint, starts_at);

-- Every executor attempt: what ran, how it ended, and what it printed.
CREATE TABLE rollback_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    rollback_id      INTEGER NOT NULL REFERENCES rollbacks(id),
    action_index     INTEGER NOT NULL,
    executor         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    attempt          INTEGER NOT NULL,
    started_at       TEXT    NOT NULL,
    finished_at      TEXT,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'interrupted')),
    request          TEXT    NOT NULL,                -- argv or HTTP request as JSON, secrets redacted
    exit_code        INTEGER,
    http_status      INTEGER,
    duration_seconds REAL,
    output_tail      TEXT    NOT NULL DEFAULT '',
    process_id       INTEGER,                         -- a command's process (group) while it runs
    process_start    TEXT,                            -- its start time in /proc, to tell a reused pid apart
    verification     TEXT    NOT NULL DEFAULT '',
    error            TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX rollback_attempts_by_rollback ON rollback_attempts (rollback_id, id);

-- The circuit breaker's history: it is open from an 'opened' row until its window passes or a 'reset' row.
CREATE TABLE circuit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    event   TEXT NOT NULL CHECK (event IN ('opened', 'reset')),
    at      TEXT NOT NULL,
    reason  TEXT NOT NULL,
    actor   TEXT NOT NULL
);
