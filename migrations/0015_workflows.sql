-- Pipelines beside jobs (issue 23): a bucket's workflows, their runs with
-- each run's tasks, and batch jobs (inventorytriggerjob). Applied with
-- search_path set to the configured schema, so names here are unqualified.

-- GET /workflow: one row per workflow seen, for discovery.
CREATE TABLE workflows (
    workflow_id       text PRIMARY KEY,
    bucket            text NOT NULL,
    name              text,
    state             text,
    create_time       timestamptz,
    update_time       timestamptz,
    detail            xml NOT NULL,
    first_synced_at   timestamptz NOT NULL DEFAULT now(),
    last_synced_at    timestamptz NOT NULL DEFAULT now()
);

-- GET /workflowexecution and /workflowexecution/<RunId>. detail is the run's
-- WorkflowExecution element once its detail was fetched, else its list item.
CREATE TABLE workflow_runs (
    run_id            text PRIMARY KEY,
    bucket            text NOT NULL,
    workflow_id       text,
    workflow_name     text,
    object            text,
    state             text,
    create_time       timestamptz,
    -- The batch job that started the run (GET /workflowexecution?jobId=), when known.
    batch_job_id      text,
    detail            xml NOT NULL,
    -- When the tasks below were last replaced from the run's detail; NULL:
    -- only listed so far, its tasks are not fetched yet.
    detail_synced_at  timestamptz,
    first_synced_at   timestamptz NOT NULL DEFAULT now(),
    last_synced_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (workflow_id, create_time);
CREATE INDEX workflow_runs_object_idx ON workflow_runs (object);
CREATE INDEX workflow_runs_batch_idx ON workflow_runs (batch_job_id) WHERE batch_job_id IS NOT NULL;
-- The runs a sync refreshes by detail: unfinished ones.
CREATE INDEX workflow_runs_unfinished_idx ON workflow_runs (bucket, workflow_id)
    WHERE state IS NULL OR state NOT IN ('Success', 'Failed', 'Cancel');

-- A run's Tasks, in the detail's order (ordinal from 1). job_id joins to
-- jobs.job_id when that job's tag and queue are synced; otherwise no row matches.
CREATE TABLE workflow_run_tasks (
    run_id            text NOT NULL REFERENCES workflow_runs (run_id) ON DELETE CASCADE,
    ordinal           int NOT NULL,
    node_name         text,
    type              text,
    job_id            text,
    state             text,
    code              text,
    message           text,
    create_time       timestamptz,
    start_time        timestamptz,
    end_time          timestamptz,
    PRIMARY KEY (run_id, ordinal)
);
CREATE INDEX workflow_run_tasks_job_idx ON workflow_run_tasks (job_id);

-- GET /inventorytriggerjob and /inventorytriggerjob/<id>.
CREATE TABLE batch_jobs (
    job_id            text PRIMARY KEY,
    bucket            text NOT NULL,
    type              text,
    name              text,
    state             text,
    code              text,
    message           text,
    creation_time     timestamptz,
    start_time        timestamptz,
    end_time          timestamptz,
    detail            xml NOT NULL,
    first_synced_at   timestamptz NOT NULL DEFAULT now(),
    last_synced_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per run with its task counts (0 before its detail was fetched). duration_seconds: from the run's
-- creation to its last task's end, once the run is finished (NULL before).
CREATE VIEW v_workflow_runs AS
SELECT r.run_id,
       r.bucket,
       r.workflow_id,
       r.workflow_name,
       r.object,
       r.state,
       r.create_time,
       r.batch_job_id,
       t.tasks,
       t.tasks_succeeded,
       t.tasks_failed,
       t.tasks_running,
       t.last_end_time,
       CASE WHEN r.state IN ('Success', 'Failed', 'Cancel')
            THEN extract(epoch FROM t.last_end_time - r.create_time)
       END AS duration_seconds,
       r.detail_synced_at,
       r.last_synced_at
FROM workflow_runs r
-- Per run through the (run_id, ordinal) key, so a query for one upload's
-- runs reads only their tasks.
LEFT JOIN LATERAL (
    SELECT count(*) AS tasks,
           count(*) FILTER (WHERE state = 'Success') AS tasks_succeeded,
           count(*) FILTER (WHERE state = 'Failed') AS tasks_failed,
           count(*) FILTER (WHERE state IN ('Submitted', 'Running', 'Pause')) AS tasks_running,
           max(end_time) AS last_end_time
    FROM workflow_run_tasks
    WHERE run_id = r.run_id
) t ON true;
