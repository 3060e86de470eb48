-- Issue 20 (docs/adr/0007): when the compensation work item of the current attempt was acknowledged by Kafka. A
-- rollback command delivered again before the attempt's deadline sends the item again only if it was never
-- acknowledged: the history service may have crashed between its database commit and the send.
ALTER TABLE rollbacks ADD COLUMN compensation_sent_at TIMESTAMPTZ;

-- The version number a restore gave the pre-image: a new one, above every version the key had, so that one version
-- never names two values. Re-sent compensating events carry it. (Rows restored before this migration: NULL, and their
-- events carry the pre-image's version, as they did then.)
ALTER TABLE snapshots ADD COLUMN restored_version BIGINT;
