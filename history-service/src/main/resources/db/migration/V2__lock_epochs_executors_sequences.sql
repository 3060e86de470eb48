-- Issue 20 (docs/adr/0007): the database enforces the locks and the attempts, whatever order it learns things in.

-- A fence only moves forward: the sequence of the last event applied to it. A replayed batch changes nothing.
ALTER TABLE task_fences ADD COLUMN last_sequence INT NOT NULL DEFAULT 0;
-- The epoch of each declared key's lock, in the order of declared_keys (empty from brokers that did not number them).
ALTER TABLE task_fences ADD COLUMN lock_epochs BIGINT[] NOT NULL DEFAULT '{}';
-- The execution (one run of a work item by a worker) that wrote first for the current token; a second execution of
-- the same attempt (a redelivered work item) is refused. Reset when a new token is dispatched.
ALTER TABLE task_fences ADD COLUMN executor TEXT;

-- Who holds each key's lock, as far as the history service has been told: the task with the highest epoch. A write to
-- a key is accepted only from that task; a restore only while no later task was granted the key.
CREATE TABLE document_locks (
    key         TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- How many times the compensation work item of a rollback was handed to the workers (bounded), and until when the
-- last one runs: a repeated rollback command hands it out again only after that.
ALTER TABLE rollbacks ADD COLUMN compensation_attempts INT NOT NULL DEFAULT 1;
ALTER TABLE rollbacks ADD COLUMN compensation_deadline TIMESTAMPTZ;
