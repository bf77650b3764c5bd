-- Workflow runs announced by WorkflowFinish callbacks (`listen`), recorded in
-- the transaction that records the run's task job ids in inbox, before the
-- callback is acknowledged. The drain fetches each run's detail
-- (GET /workflowexecution/<RunId>, signed), writes the run and its tasks into
-- workflow_runs / workflow_run_tasks and deletes the row in one transaction.
-- Failures back off and give up as inbox rows do (0010).
CREATE TABLE inbox_runs (
    bucket             text NOT NULL,
    run_id             text NOT NULL,
    first_received_at  timestamptz NOT NULL DEFAULT now(),
    last_received_at   timestamptz NOT NULL DEFAULT now(),
    times_received     bigint NOT NULL DEFAULT 1,
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    last_attempt_at    timestamptz,
    last_error         text,
    PRIMARY KEY (bucket, run_id)
);
CREATE INDEX inbox_runs_next_attempt_idx ON inbox_runs (next_attempt_at);

-- Run ids the listener gave up on after [listen] max_attempts failed detail
-- requests: kept until a later callback of the same run is written out. The
-- run still comes in by a sync when its workflow's runs are synced.
CREATE TABLE inbox_runs_dropped (
    bucket             text NOT NULL,
    run_id             text NOT NULL,
    first_received_at  timestamptz NOT NULL,
    last_received_at   timestamptz NOT NULL,
    times_received     bigint NOT NULL,
    attempts           integer NOT NULL,
    last_error         text,
    dropped_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, run_id)
);
