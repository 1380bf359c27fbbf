-- Alertmanager deliveries, stored before they are acknowledged.
CREATE TABLE deliveries (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at        TEXT    NOT NULL,             -- RFC 3339, UTC, milliseconds
    body_sha256        TEXT    NOT NULL UNIQUE,      -- redeliveries are byte-identical
    raw_body           BLOB    NOT NULL,
    version            TEXT    NOT NULL,
    receiver           TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    group_key          TEXT    NOT NULL,
    truncated_alerts   INTEGER NOT NULL,
    alert_count        INTEGER NOT NULL,
    external_url       TEXT    NOT NULL,
    group_labels       TEXT    NOT NULL,             -- JSON object
    common_labels      TEXT    NOT NULL,             -- JSON object
    common_annotations TEXT    NOT NULL,             -- JSON object
    remote_address     TEXT    NOT NULL,
    credential         TEXT    NOT NULL              -- the credential's name, never its secret
);

-- One row per alert of a delivery, in the order Alertmanager sent them.
CREATE TABLE delivery_alerts (
    delivery_id   INTEGER NOT NULL REFERENCES deliveries(id),
    position      INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    fingerprint   TEXT    NOT NULL,
    alertname     TEXT    NOT NULL,
    starts_at     TEXT    NOT NULL,                  -- RFC 3339, UTC, nanoseconds
    ends_at       TEXT,                              -- NULL while firing (0001-01-01T00:00:00Z)
    labels        TEXT    NOT NULL,                  -- JSON object
    annotations   TEXT    NOT NULL,                  -- JSON object
    generator_url TEXT    NOT NULL,
    PRIMARY KEY (delivery_id, position)
) WITHOUT ROWID;

CREATE INDEX delivery_alerts_by_firing ON delivery_alerts (fingerprint, starts_at);

-- Each later arrival of a delivery already stored (retry, repeat, HA replica).
CREATE TABLE delivery_duplicates (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    INTEGER NOT NULL REFERENCES deliveries(id),
    received_at    TEXT    NOT NULL,
    remote_address TEXT    NOT NULL,
    credential     TEXT    NOT NULL
);

CREATE INDEX delivery_duplicates_by_delivery ON delivery_duplicates (delivery_id);

-- A single row rewritten by the readiness probe to prove the database takes writes.
CREATE TABLE readiness (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
