-- Inbox rows whose by-id request fails are retried after a back-off instead
-- of at once, so one bucket's failing ids (a key without ci:DescribeMediaJob,
-- a refused id) no longer hold up every other bucket's callbacks. Batches are
-- taken by next_attempt_at; after [listen] max_attempts failures the row moves
-- to inbox_dropped, where it stays visible.
ALTER TABLE inbox
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN last_error      text;
CREATE INDEX inbox_next_attempt_idx ON inbox (next_attempt_at);

-- Acknowledged callback ids the listener gave up on: never deleted by the
-- worker, except when a later callback for the same job is written out. The
-- job itself still comes in by the poll (`sync`) when it is in a configured
-- partition: docs/guarantees.md.
CREATE TABLE inbox_dropped (
    bucket             text NOT NULL,
    job_id             text NOT NULL,
    first_received_at  timestamptz NOT NULL,
    last_received_at   timestamptz NOT NULL,
    via                text NOT NULL,
    event_name         text NOT NULL,
    times_received     bigint NOT NULL,
    attempts           integer NOT NULL,
    last_error         text,
    dropped_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, job_id)
);
