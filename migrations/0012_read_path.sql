-- The read path at scale (issue 22): the views keep their names, columns and
-- meaning, but a window of days or one object costs what it holds, not the
-- whole history. Figures: docs/performance.md ("Reading at scale").

-- 1. A narrower jobs heap. detail (~1.5 KB compressed) stayed inline, so
-- every scan of jobs read it. Compressed with lz4 (faster both ways than
-- pglz) and moved out of line as soon as a row passes 128 bytes: the heap
-- keeps the columns, the TOAST table the XML; detail still returns the whole
-- JobsDetail. Rows already stored move when their detail is written again
-- (docs/operations.md).
ALTER TABLE jobs ALTER COLUMN detail SET COMPRESSION lz4;
ALTER TABLE jobs SET (toast_tuple_target = 128);

-- 2. Indexes for the questions users ask. A btree on creation_time (not
-- BRIN): it serves ranges of days wherever the rows lie in the heap (a first
-- sync writes partition after partition, each through all of history) and
-- the min/max that v_daily_job_stats' calendar starts from.
CREATE INDEX jobs_creation_time_idx ON jobs (creation_time);
CREATE INDEX jobs_input_object_idx ON jobs (input_object, input_bucket);
CREATE INDEX job_outputs_object_idx ON job_outputs (object, bucket);
-- Output files whose object is not fully named: v_output_md5_audit reads
-- them apart (equality never matches a NULL).
CREATE INDEX output_files_unnamed_idx ON output_files (bucket, object_name)
    WHERE bucket IS NULL OR object_name IS NULL;

-- 3. Per-MD5 facts, kept exact in the transaction that writes output_files
-- (by statement triggers, so every writer and COPY gets them): which objects
-- carry each MD5 (normalised: lower case, empty = none) and how many there
-- are. Concurrent writers lock rows in key order, so they wait, not deadlock.
CREATE TABLE output_md5_objects (
    md5_norm     text NOT NULL,
    bucket       text,
    object_name  text,
    files        bigint NOT NULL,   -- output_files rows with this MD5 and object
    CONSTRAINT output_md5_objects_key UNIQUE NULLS NOT DISTINCT (md5_norm, bucket, object_name)
);
CREATE INDEX output_md5_objects_object_idx ON output_md5_objects (bucket, object_name);
CREATE TABLE output_md5s (
    md5_norm  text PRIMARY KEY,
    objects   bigint NOT NULL       -- distinct (bucket, object_name) with this MD5
);

-- search_path FROM CURRENT: the schema the migration runs in, whatever the
-- writer's session has.
CREATE FUNCTION output_md5s_apply() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM 1 FROM output_md5_objects p
        JOIN (SELECT DISTINCT lower(md5) AS md5_norm, bucket, object_name
              FROM old_files WHERE md5 <> '') g
          ON p.md5_norm = g.md5_norm AND p.bucket IS NOT DISTINCT FROM g.bucket
         AND p.object_name IS NOT DISTINCT FROM g.object_name
        ORDER BY p.md5_norm, p.bucket, p.object_name
        FOR UPDATE OF p;
        UPDATE output_md5_objects p SET files = p.files - g.files
        FROM (SELECT lower(md5) AS md5_norm, bucket, object_name, count(*) AS files
              FROM old_files WHERE md5 <> '' GROUP BY 1, 2, 3) g
        WHERE p.md5_norm = g.md5_norm AND p.bucket IS NOT DISTINCT FROM g.bucket
          AND p.object_name IS NOT DISTINCT FROM g.object_name;
        PERFORM 1 FROM output_md5s m
        WHERE m.md5_norm IN (SELECT lower(md5) FROM old_files WHERE md5 <> '')
        ORDER BY m.md5_norm
        FOR UPDATE;
        WITH emptied AS (
            DELETE FROM output_md5_objects p
            WHERE p.files = 0
              AND p.md5_norm IN (SELECT lower(md5) FROM old_files WHERE md5 <> '')
            RETURNING p.md5_norm)
        UPDATE output_md5s m SET objects = m.objects - e.objects
        FROM (SELECT md5_norm, count(*) AS objects FROM emptied GROUP BY md5_norm) e
        WHERE m.md5_norm = e.md5_norm;
        DELETE FROM output_md5s m
        WHERE m.objects = 0
          AND m.md5_norm IN (SELECT lower(md5) FROM old_files WHERE md5 <> '');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        WITH added AS (
            INSERT INTO output_md5_objects AS p (md5_norm, bucket, object_name, files)
            SELECT lower(md5), bucket, object_name, count(*)
            FROM new_files WHERE md5 <> ''
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            ON CONFLICT (md5_norm, bucket, object_name)
                DO UPDATE SET files = p.files + EXCLUDED.files
            RETURNING p.md5_norm, xmax = 0 AS is_new)
        INSERT INTO output_md5s AS m (md5_norm, objects)
        SELECT md5_norm, count(*) FROM added WHERE is_new
        GROUP BY md5_norm
        ORDER BY md5_norm
        ON CONFLICT (md5_norm) DO UPDATE SET objects = m.objects + EXCLUDED.objects;
    END IF;
    RETURN NULL;
END
$$;

-- DELETE, not TRUNCATE: a TRUNCATE naming the fact tables too (as tests
-- clear a schema) would still be using them.
CREATE FUNCTION output_md5s_clear() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM output_md5_objects;
    DELETE FROM output_md5s;
    RETURN NULL;
END
$$;

CREATE TRIGGER output_md5s_insert AFTER INSERT ON output_files
    REFERENCING NEW TABLE AS new_files
    FOR EACH STATEMENT EXECUTE FUNCTION output_md5s_apply();
CREATE TRIGGER output_md5s_delete AFTER DELETE ON output_files
    REFERENCING OLD TABLE AS old_files
    FOR EACH STATEMENT EXECUTE FUNCTION output_md5s_apply();
CREATE TRIGGER output_md5s_update AFTER UPDATE ON output_files
    REFERENCING OLD TABLE AS old_files NEW TABLE AS new_files
    FOR EACH STATEMENT EXECUTE FUNCTION output_md5s_apply();
CREATE TRIGGER output_md5s_truncate AFTER TRUNCATE ON output_files
    FOR EACH STATEMENT EXECUTE FUNCTION output_md5s_clear();

-- The facts of the files already stored.
INSERT INTO output_md5_objects (md5_norm, bucket, object_name, files)
SELECT lower(md5), bucket, object_name, count(*)
FROM output_files WHERE md5 <> '' GROUP BY 1, 2, 3;
INSERT INTO output_md5s (md5_norm, objects)
SELECT md5_norm, count(*) FROM output_md5_objects GROUP BY md5_norm;

-- 4. The views, same columns and meaning.

-- Days come from a calendar, each day's jobs from a range of creation_time
-- (jobs_creation_time_idx), so a filter on day (or tag) reaches jobs and the
-- percentiles are computed over the window's jobs only. Day D holds the jobs
-- created in [D, D + 1) in the session's time zone: creation_time::date = D.
-- LATERAL, so each day is one index range scan and the planner's estimate
-- per day does not depend on how many days the history holds.
CREATE OR REPLACE VIEW v_daily_job_stats AS
WITH days AS (
    SELECT d::date AS day
    FROM generate_series((SELECT min(creation_time) FROM jobs)::date,
                         (SELECT max(creation_time) FROM jobs)::date,
                         interval '1 day') d
),
per_state AS (
    SELECT days.day, s.*
    FROM days
    CROSS JOIN LATERAL (
        SELECT j.tag,
               j.queue_id,
               j.state,
               count(*) AS jobs,
               count(*) FILTER (WHERE j.state = 'Failed') AS failed,
               count(*) FILTER (WHERE j.state IN ('Success', 'Failed')) AS finished,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM j.end_time - j.start_time)) AS p50_run,
               percentile_cont(0.95) WITHIN GROUP (
                   ORDER BY extract(epoch FROM j.end_time - j.start_time)) AS p95_run,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM j.start_time - j.creation_time)) AS p50_wait,
               percentile_cont(0.95) WITHIN GROUP (
                   ORDER BY extract(epoch FROM j.start_time - j.creation_time)) AS p95_wait
        FROM jobs j
        WHERE j.creation_time >= days.day::timestamptz
          AND j.creation_time < (days.day + 1)::timestamptz
        GROUP BY j.tag, j.queue_id, j.state) s
)
SELECT day,
       tag,
       queue_id,
       state,
       jobs,
       sum(jobs) OVER w AS day_jobs,
       round(sum(failed) OVER w / nullif(sum(finished) OVER w, 0), 4) AS failure_rate,
       round(p50_run::numeric, 3) AS p50_run_seconds,
       round(p95_run::numeric, 3) AS p95_run_seconds,
       round(p50_wait::numeric, 3) AS p50_queue_wait_seconds,
       round(p95_wait::numeric, 3) AS p95_queue_wait_seconds
FROM per_state
WINDOW w AS (PARTITION BY day, tag, queue_id);

-- Objects are matched with plain equality (hash, merge or index joins; a
-- filter on bucket and object_name reaches each aggregate's scan); counts of
-- distinct values are two plain groupings (no per-group sort), the MD5 facts
-- come from output_md5_objects and output_md5s. Files of an object not fully named (a NULL bucket
-- or object_name, which equality never matches) are the second branch, read
-- through output_files_unnamed_idx and matched on (coalesce, IS NULL) pairs.
CREATE OR REPLACE VIEW v_output_md5_audit AS
WITH object_writers AS (
    SELECT bucket, object_name, count(*) AS writer_jobs
    FROM (SELECT bucket, object_name, job_id FROM output_files
          GROUP BY bucket, object_name, job_id) w
    GROUP BY bucket, object_name
),
object_md5s AS (
    SELECT bucket, object_name, count(*) AS distinct_md5s
    FROM output_md5_objects GROUP BY bucket, object_name
),
files AS (
    SELECT f.*, lower(nullif(f.md5, '')) AS md5_norm, po.writer_jobs,
           coalesce(pm.distinct_md5s, 0) AS distinct_md5s
    FROM output_files f
    JOIN object_writers po ON po.bucket = f.bucket AND po.object_name = f.object_name
    LEFT JOIN object_md5s pm ON pm.bucket = f.bucket AND pm.object_name = f.object_name
    UNION ALL
    SELECT f.*, lower(nullif(f.md5, '')), po.writer_jobs, po.distinct_md5s
    FROM output_files f
    JOIN (SELECT bucket, object_name,
                 count(DISTINCT job_id) AS writer_jobs,
                 count(DISTINCT lower(nullif(md5, ''))) AS distinct_md5s
          FROM output_files WHERE bucket IS NULL OR object_name IS NULL
          GROUP BY bucket, object_name) po
      ON coalesce(po.bucket, '') = coalesce(f.bucket, '') AND (po.bucket IS NULL) = (f.bucket IS NULL)
     AND coalesce(po.object_name, '') = coalesce(f.object_name, '')
     AND (po.object_name IS NULL) = (f.object_name IS NULL)
    WHERE f.bucket IS NULL OR f.object_name IS NULL
)
SELECT f.bucket,
       f.region,
       f.object_prefix,
       f.object_name,
       f.kind,
       f.md5,
       f.job_id,
       j.tag,
       j.state,
       j.creation_time,
       j.end_time,
       f.writer_jobs,
       f.distinct_md5s,
       coalesce(pm.objects, 0) AS objects_with_same_md5,
       (j.state = 'Success' AND f.md5_norm IS NULL) AS missing_md5,
       (f.distinct_md5s > 1) AS md5_differs,
       (coalesce(pm.objects, 0) > 1) AS md5_shared,
       (j.state = 'Success' AND f.md5_norm IS NULL) OR f.distinct_md5s > 1
           OR coalesce(pm.objects, 0) > 1 AS flagged
FROM files f
JOIN jobs j ON j.job_id = f.job_id
LEFT JOIN output_md5s pm ON pm.md5_norm = f.md5_norm;
