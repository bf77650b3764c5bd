-- `ci-jobsync audit`: what COS says about each output object (HEAD Object),
-- one row per object, and the verdict on each output file of a Success job.

-- The last check of an object. writer_job_id and reported_md5 are the newest
-- Success job that wrote it and the MD5 that job reported, when checked: a
-- later writer makes the check stale (the object is checked again).
-- http_status: 200, 403 or 404 as answered; another status (5xx after
-- retries, an unexpected 4xx) or NULL (no answer: network) with `error`.
CREATE TABLE output_checks (
    bucket          text NOT NULL,
    object_name     text NOT NULL,
    region          text NOT NULL,
    checked_at      timestamptz NOT NULL,
    http_status     int,
    "exists"        boolean,
    content_length  bigint,
    etag            text,          -- without its quotes
    crc64           text,          -- x-cos-hash-crc64ecma (decimal uint64)
    meta_md5        text,          -- x-cos-meta-md5
    last_modified   timestamptz,
    error           text,          -- the last failure, without secrets
    writer_job_id   text NOT NULL,
    reported_md5    text,
    filehash_md5    text,          -- CI's server-side MD5 ([audit] filehash)
    request_id      text,          -- x-cos-request-id, for Tencent support
    PRIMARY KEY (bucket, object_name)
);

-- What a check says about the content an output file's job reported. The
-- comparable value is the most trustworthy MD5 there is: a 32-hex ETag (a
-- simple upload's content MD5), else CI's filehash MD5, else a 32-hex
-- x-cos-meta-md5 (set by the uploader). Used by v_output_audit and by the
-- audit command (one definition).
CREATE FUNCTION output_check_verdict(reported_md5 text, http_status int, etag text,
                                     meta_md5 text, filehash_md5 text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- One SELECT without FROM, so the planner inlines it into the view; the
    -- comparison is evaluated once (a simple CASE on true/false/NULL), and
    -- "32 hex digits" is a length and a negated class, not ^[0-9a-f]{32}$,
    -- which costs several microseconds a row.
    SELECT CASE
        WHEN http_status = 404 THEN 'missing'
        WHEN http_status = 403 THEN 'forbidden'
        WHEN http_status IS DISTINCT FROM 200 THEN 'error'
        WHEN nullif(reported_md5, '') IS NULL THEN 'no_md5_reported'
        ELSE CASE coalesce(
                      CASE WHEN length(etag) = 32 AND etag !~ '[^0-9A-Fa-f]' THEN lower(etag) END,
                      lower(filehash_md5),
                      CASE WHEN length(meta_md5) = 32 AND meta_md5 !~ '[^0-9A-Fa-f]'
                           THEN lower(meta_md5) END)
                  = lower(reported_md5)
             WHEN true THEN 'match'
             WHEN false THEN 'mismatch'
             ELSE 'unverifiable'
        END
    END
$$;

-- Every output file of a Success job, ranked among the writers of its object
-- (1 = the newest by creation time, then job id). One pass over output_files
-- and jobs (joined on job_id) and one sort.
CREATE VIEW v_output_writers AS
SELECT f.job_id,
       f.bucket,
       f.region,
       f.object_name,
       f.md5,
       j.bucket AS job_bucket,
       j.tag,
       j.creation_time,
       rank() OVER (PARTITION BY f.bucket, f.object_name
                    ORDER BY j.creation_time DESC, f.job_id DESC) AS writer_rank
FROM output_files f
JOIN jobs j ON j.job_id = f.job_id
WHERE j.state = 'Success';

-- One row per output file of a Success job and its verdict: superseded (a
-- later job wrote the object: only the newest writer is judged),
-- not_checked (never, or only before its newest writer), else the check's
-- verdict (output_check_verdict). Joined with output_checks on equality.
CREATE VIEW v_output_audit AS
SELECT w.job_id,
       w.bucket,
       w.object_name,
       w.md5 AS reported_md5,
       CASE
           WHEN w.writer_rank > 1 THEN 'superseded'
           WHEN c.object_name IS NULL OR c.writer_job_id <> w.job_id THEN 'not_checked'
           ELSE output_check_verdict(w.md5, c.http_status, c.etag, c.meta_md5, c.filehash_md5)
       END AS verdict,
       c.checked_at
FROM v_output_writers w
LEFT JOIN output_checks c ON c.bucket = w.bucket AND c.object_name = w.object_name;
