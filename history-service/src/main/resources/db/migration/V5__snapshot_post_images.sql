-- What each document write left behind, beside the pre-image it already kept: the console shows a write as a diff
-- (before, after) without guessing the after from the next write (ADR 0014). Rows written before this migration keep
-- post_deleted NULL: "not recorded".
ALTER TABLE snapshots ADD COLUMN post_value jsonb;
ALTER TABLE snapshots ADD COLUMN post_version bigint;
-- NULL: not recorded (an older row, or an EXTERNAL snapshot); true: the write deleted the document; false: it wrote
-- post_value under post_version.
ALTER TABLE snapshots ADD COLUMN post_deleted boolean;
-- The task listing's source filter (the console's "Source"), newest first like the other listings.
CREATE INDEX tasks_by_source ON tasks (source, updated_at DESC);
