-- Job ids announced by CI's TaskFinish/WorkflowFinish callbacks (`listen`),
-- recorded before the callback is acknowledged. A callback is only a hint:
-- the job is fetched by id, signed, and written through the job store in the
-- transaction that deletes its inbox row. `sync` drains it too.
CREATE TABLE inbox (
    bucket             text NOT NULL,
    job_id             text NOT NULL,
    first_received_at  timestamptz NOT NULL DEFAULT now(),
    last_received_at   timestamptz NOT NULL DEFAULT now(),
    via                text NOT NULL CHECK (via IN ('xml', 'json', 'workflow')),
    event_name         text NOT NULL,
    times_received     bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (bucket, job_id)
);
CREATE INDEX inbox_first_received_idx ON inbox (first_received_at);

-- When the newest callback was acknowledged and the inbox last written out,
-- for `status` (inbox rows are deleted once written). At most one row,
-- upserted.
CREATE TABLE inbox_activity (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_push_at     timestamptz,
    last_drained_at  timestamptz
);
