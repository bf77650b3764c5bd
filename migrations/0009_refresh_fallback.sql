-- Refresh by id is an optimisation, never a precondition (issue 20).

-- Why the partition's last walk refreshed its older unfinished jobs by
-- re-walk instead of by id (the key lacks ci:DescribeMediaJob, an id the
-- service refused or that cannot go in a request path); NULL when nothing
-- stopped it. Written with last_refresh when a walk begins; `status` shows it.
ALTER TABLE sync_checkpoints ADD COLUMN refresh_note text;

-- The latest GET /jobs/<ids> answer that named the job in NonExistJobIds
-- (vanished_at keeps the first). A vanished unfinished job inside the
-- refresh horizon is asked for again once this is an hour old, so one
-- answer is never final: a job that shows up again is refreshed and leaves
-- the vanished state. NULL on rows marked before 0009: vanished_at stands in.
ALTER TABLE jobs ADD COLUMN vanish_checked_at timestamptz;

-- The re-checks' candidates, as jobs_refresh_idx is the refresh's.
CREATE INDEX jobs_vanished_idx ON jobs (bucket, tag, queue_id, creation_time)
    WHERE state NOT IN ('Success', 'Failed', 'Cancel') AND vanished_at IS NOT NULL;
