-- The history service's schema: documents, the fences that guard writes to them, snapshots (pre-images and
-- external undo records), the task history and results, and rollbacks. Append-only migrations (V<n>__*.sql).

-- What the history service knows of each task from the broker's events: whether it may still write, with which
-- token, and to which keys. A rollback seals the row; every write locks it first, so none lands after the seal.
CREATE TABLE task_fences (
    task_id            TEXT PRIMARY KEY,
    topic              TEXT NOT NULL,
    state              TEXT NOT NULL,
    fencing_token      BIGINT NOT NULL,
    declared_keys      TEXT[] NOT NULL DEFAULT '{}',
    sealed             BOOLEAN NOT NULL DEFAULT FALSE,
    sealed_at          TIMESTAMPTZ,
    last_snapshot_seq  INT NOT NULL DEFAULT 0,
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    key          TEXT PRIMARY KEY,
    value        JSONB NOT NULL,
    version      BIGINT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT
);
CREATE INDEX documents_by_key_prefix ON documents (key text_pattern_ops);

-- Per task, in the order taken. DOCUMENT: the pre-image of a document write (value NULL = it did not exist).
-- EXTERNAL: what undoes an external action, recorded by a handler before it acts.
CREATE TABLE snapshots (
    task_id          TEXT NOT NULL,
    seq              INT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('DOCUMENT', 'EXTERNAL')),
    document_key     TEXT,
    pre_value        JSONB,
    pre_version      BIGINT,
    handler_topic    TEXT,
    handler_subtype  TEXT,
    undo             JSONB,
    fencing_token    BIGINT NOT NULL,
    taken_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    restored_at      TIMESTAMPTZ,
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX snapshots_by_document ON snapshots (document_key, taken_at) WHERE document_key IS NOT NULL;

-- Every lifecycle event, once: (task_id, sequence) makes a redelivered event a no-op.
CREATE TABLE task_events (
    task_id          TEXT NOT NULL,
    sequence         INT NOT NULL,
    state            TEXT NOT NULL,
    topic            TEXT NOT NULL,
    subtype          TEXT NOT NULL,
    source           TEXT NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    attempt          INT NOT NULL,
    fencing_token    BIGINT NOT NULL,
    deadline         TIMESTAMPTZ,
    reason           TEXT,
    output           TEXT,
    failure_code     TEXT,
    failure_message  TEXT,
    related_task_id  TEXT,
    PRIMARY KEY (task_id, sequence)
);

-- One row per task with its latest state, for listing tasks by state, topic and time.
CREATE TABLE tasks (
    task_id        TEXT PRIMARY KEY,
    topic          TEXT NOT NULL,
    subtype        TEXT NOT NULL,
    source         TEXT NOT NULL,
    state          TEXT NOT NULL,
    last_sequence  INT NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    terminal       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tasks_by_state ON tasks (state, updated_at DESC);
CREATE INDEX tasks_by_topic ON tasks (topic, updated_at DESC);
CREATE INDEX tasks_by_time ON tasks (updated_at DESC);

-- Every result a worker sent, counted or not by the broker (late and stale ones too).
CREATE TABLE task_results (
    task_id          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    attempt          INT NOT NULL,
    fencing_token    BIGINT NOT NULL,
    succeeded        BOOLEAN NOT NULL,
    output           TEXT,
    failure_code     TEXT,
    failure_message  TEXT,
    retryable        BOOLEAN,
    worker_id        TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (task_id, kind, attempt, fencing_token)
);

CREATE TABLE rollbacks (
    task_id              TEXT PRIMARY KEY,
    cause                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('AWAITING_COMPENSATION', 'ROLLED_BACK', 'ROLLBACK_FAILED')),
    restored_documents   INT NOT NULL,
    external_actions     INT NOT NULL,
    failure_code         TEXT,
    failure_message      TEXT,
    requested_at         TIMESTAMPTZ NOT NULL,
    started_at           TIMESTAMPTZ NOT NULL,
    finished_at          TIMESTAMPTZ
);
