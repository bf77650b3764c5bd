-- The output audits at scale (issues 22 and 24): v_output_writers,
-- v_output_audit and v_output_md5_audit keep their names, columns and
-- meaning, but read output_files alone, joined on plain equality, so a count
-- over all of them is one or two passes over output_files and one object
-- costs what that object holds. Nothing is maintained by triggers: the job
-- store writes two more columns with each output file.
-- Figures: docs/performance.md ("Output audits at scale (migration 0023)").

-- job_state, job_created: jobs.state and jobs.creation_time of the row's
-- job, written by the job store with the row. A job's output files are
-- replaced whenever the sync rewrites its jobs row, so they stay true for
-- everything the sync writes; a hand UPDATE of jobs is not carried.
ALTER TABLE output_files
    ADD COLUMN job_state text,
    ADD COLUMN job_created timestamptz;

-- The old object index goes first: the backfill then updates one index less.
DROP INDEX output_files_object_idx;
UPDATE output_files f
SET job_state = j.state, job_created = j.creation_time
FROM jobs j
WHERE j.job_id = f.job_id;

-- The object index, now in newest-writer order: one object's files for
-- output_object_writers and the one-object audits, and every object's
-- writers in the order v_output_writers ranks them (no sort). It carries
-- job_state and md5, so v_output_audit over every file is an index-only scan
-- in that order, merged with output_checks' key (at 1.17M files: 0.87 s
-- against 2.9 s for a scan and an external sort; ~40 B more a file).
CREATE INDEX output_files_object_idx
    ON output_files (bucket, object_name, job_created DESC, job_id DESC)
    INCLUDE (job_state, md5);
-- One MD5's files (case-insensitive, '' as none): the per-MD5 facts of one
-- object's rows are probes of this index.
CREATE INDEX output_files_md5_idx ON output_files (lower(nullif(md5, '')));

-- Same columns and meaning as 0013's. creation_time is the job's, carried on
-- the file; jobs is joined (on its key, left: every file has its job) only
-- for job_bucket and tag, and the planner drops the join when neither is read.
CREATE OR REPLACE VIEW v_output_writers AS
SELECT f.job_id,
       f.bucket,
       f.region,
       f.object_name,
       f.md5,
       j.bucket AS job_bucket,
       j.tag,
       f.job_created AS creation_time,
       rank() OVER (PARTITION BY f.bucket, f.object_name
                    ORDER BY f.job_created DESC, f.job_id DESC) AS writer_rank
FROM output_files f
LEFT JOIN jobs j ON j.job_id = f.job_id
WHERE f.job_state = 'Success';

-- v_output_audit (0013) reads v_output_writers and is unchanged.

-- Same columns and meaning as 0002's, read from output_files alone.
-- The per-object facts are windows over the object's files (NULL keys in
-- one partition, as 0002 grouped them): writer_jobs and distinct_md5s are
-- the highest dense rank of job_id and of the MD5 (NULL ranked last and
-- not counted); md5_differs is min < max of the MD5s, so a count of flagged
-- files ranks nothing. A filter on one object reaches every window (it is
-- on their partition), so one object reads its own files only.
-- md5_shared (the MD5 on two or more objects) probes shared_md5s with the
-- row's MD5: the planner runs it per row through output_files_md5_idx, or
-- hashes shared_md5s once when it fits in work_mem and more rows than that
-- would probe. objects_with_same_md5 is counted for the rows read only.
CREATE OR REPLACE VIEW v_output_md5_audit AS
WITH shared_md5s AS NOT MATERIALIZED (
    SELECT lower(nullif(md5, '')) AS md5_norm
    FROM output_files
    GROUP BY 1
    HAVING min(bucket) <> max(bucket) OR min(object_name) <> max(object_name)
        OR bool_or(bucket IS NULL) <> bool_and(bucket IS NULL)
        OR bool_or(object_name IS NULL) <> bool_and(object_name IS NULL)
),
ranked AS (
    SELECT o.*, lower(nullif(o.md5, '')) AS md5_norm,
           dense_rank() OVER (PARTITION BY o.bucket, o.object_name ORDER BY o.job_id) AS job_rank,
           dense_rank() OVER (PARTITION BY o.bucket, o.object_name
                              ORDER BY lower(nullif(o.md5, '')) NULLS LAST) AS md5_rank
    FROM output_files o
),
files AS (
    SELECT r.*,
           max(r.job_rank) OVER object_files AS writer_jobs,
           max(r.md5_rank) OVER object_files
               - (bool_or(r.md5_norm IS NULL) OVER object_files)::int AS distinct_md5s,
           min(r.md5_norm) OVER object_files < max(r.md5_norm) OVER object_files AS md5s_differ
    FROM ranked r
    WINDOW object_files AS (PARTITION BY r.bucket, r.object_name)
)
SELECT f.bucket,
       f.region,
       f.object_prefix,
       f.object_name,
       f.kind,
       f.md5,
       f.job_id,
       j.tag,
       f.job_state AS state,
       f.job_created AS creation_time,
       j.end_time,
       f.writer_jobs,
       f.distinct_md5s,
       (SELECT count(DISTINCT (g.bucket, g.object_name)) FROM output_files g
        WHERE lower(nullif(g.md5, '')) = f.md5_norm) AS objects_with_same_md5,
       (f.job_state = 'Success' AND f.md5_norm IS NULL) AS missing_md5,
       coalesce(f.md5s_differ, false) AS md5_differs,
       EXISTS (SELECT FROM shared_md5s m WHERE m.md5_norm = f.md5_norm) AS md5_shared,
       (f.job_state = 'Success' AND f.md5_norm IS NULL) OR coalesce(f.md5s_differ, false)
           OR EXISTS (SELECT FROM shared_md5s m WHERE m.md5_norm = f.md5_norm) AS flagged
FROM files f
LEFT JOIN jobs j ON j.job_id = f.job_id;
