-- Views for people and BI tools (documented in docs/schema.md). Applied with
-- search_path set to the configured schema, so names here are unqualified.
-- Dates are in the session's TimeZone (ALTER ROLE ... SET timezone = ...).

-- One friendly row per job: durations in seconds, its local date, the input,
-- the main output (the first Operation/Output and the first main output file).
CREATE VIEW v_jobs AS
SELECT j.job_id,
       j.bucket,
       j.tag,
       j.sub_tag,
       j.state,
       j.code,
       j.message,
       j.queue_id,
       j.queue_type,
       j.creation_time,
       j.start_time,
       j.end_time,
       j.creation_time::date AS local_date,
       extract(epoch FROM j.start_time - j.creation_time) AS queue_wait_seconds,
       extract(epoch FROM j.end_time - j.start_time) AS run_seconds,
       extract(epoch FROM j.end_time - j.creation_time) AS total_seconds,
       j.input_bucket,
       j.input_region,
       j.input_object,
       o.bucket AS output_bucket,
       o.region AS output_region,
       o.object AS output_object,
       f.object_name AS output_file,
       f.md5 AS output_md5,
       m.duration AS media_duration_seconds,
       m.size AS media_size_bytes,
       j.template_id,
       j.template_name,
       j.workflow_id,
       j.workflow_name,
       j.last_synced_at
FROM jobs j
LEFT JOIN LATERAL (
    SELECT bucket, region, object FROM job_outputs
    WHERE job_id = j.job_id ORDER BY ordinal LIMIT 1
) o ON true
LEFT JOIN LATERAL (
    SELECT object_name, md5 FROM output_files
    WHERE job_id = j.job_id AND kind = 'main' ORDER BY ordinal LIMIT 1
) f ON true
LEFT JOIN media_info m ON m.job_id = j.job_id;

-- Per local day, tag, queue and state. failure_rate is over the whole
-- (day, tag, queue): Failed / (Success + Failed), so it is the same on each of
-- its state rows; unfinished and cancelled jobs do not count either way.
CREATE VIEW v_daily_job_stats AS
WITH per_state AS (
    SELECT local_date AS day,
           tag,
           queue_id,
           state,
           count(*) AS jobs,
           count(*) FILTER (WHERE state = 'Failed') AS failed,
           count(*) FILTER (WHERE state IN ('Success', 'Failed')) AS finished,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY run_seconds) AS p50_run,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY run_seconds) AS p95_run,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_wait_seconds) AS p50_wait,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY queue_wait_seconds) AS p95_wait
    FROM v_jobs
    GROUP BY local_date, tag, queue_id, state
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

-- Every output object with its MD5 and job. An object is (bucket, object_name);
-- MD5s compare case-insensitively, an empty MD5 counts as none.
--   missing_md5:       a Success job's output has no MD5
--   md5_differs:       several jobs wrote this object with different MD5s
--   md5_shared:        the same MD5 belongs to different objects (duplicate content)
CREATE VIEW v_output_md5_audit AS
WITH files AS (
    SELECT f.*, lower(nullif(f.md5, '')) AS md5_norm FROM output_files f
),
per_object AS (
    SELECT bucket, object_name,
           count(DISTINCT job_id) AS writer_jobs,
           count(DISTINCT md5_norm) AS distinct_md5s
    FROM files GROUP BY bucket, object_name
),
per_md5 AS (
    SELECT md5_norm, count(DISTINCT (bucket, object_name)) AS objects
    FROM files WHERE md5_norm IS NOT NULL GROUP BY md5_norm
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
       po.writer_jobs,
       po.distinct_md5s,
       coalesce(pm.objects, 0) AS objects_with_same_md5,
       (j.state = 'Success' AND f.md5_norm IS NULL) AS missing_md5,
       (po.distinct_md5s > 1) AS md5_differs,
       (coalesce(pm.objects, 0) > 1) AS md5_shared,
       (j.state = 'Success' AND f.md5_norm IS NULL) OR po.distinct_md5s > 1
           OR coalesce(pm.objects, 0) > 1 AS flagged
FROM files f
JOIN jobs j ON j.job_id = f.job_id
JOIN per_object po ON po.bucket IS NOT DISTINCT FROM f.bucket
                  AND po.object_name IS NOT DISTINCT FROM f.object_name
LEFT JOIN per_md5 pm ON pm.md5_norm = f.md5_norm;

-- Failed jobs by tag, code and message: how many, when, and the latest ones.
CREATE VIEW v_failed_jobs AS
SELECT tag,
       code,
       message,
       count(*) AS failures,
       count(DISTINCT queue_id) AS queues,
       min(coalesce(end_time, creation_time)) AS first_failed_at,
       max(coalesce(end_time, creation_time)) AS last_failed_at,
       (array_agg(job_id ORDER BY coalesce(end_time, creation_time) DESC, job_id))[1:3]
           AS latest_job_ids,
       (array_agg(input_object ORDER BY coalesce(end_time, creation_time) DESC, job_id))[1]
           AS latest_input_object
FROM jobs
WHERE state = 'Failed'
GROUP BY tag, code, message;
