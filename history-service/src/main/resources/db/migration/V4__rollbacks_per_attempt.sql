-- ADR 0012: a task that is retried is rolled back once per failed attempt, each time under the attempt's fencing
-- token. The row of a task's rollback names the token it undid; rows so far undid the task's only attempt, whose token
-- the fence still holds.
ALTER TABLE rollbacks ADD COLUMN fencing_token BIGINT NOT NULL DEFAULT 0;
UPDATE rollbacks r SET fencing_token = f.fencing_token FROM task_fences f WHERE f.task_id = r.task_id;
