-- ci-jobsync initial schema. Applied with search_path set to the configured
-- schema (database.schema, default "ci"), so names here are unqualified.

-- One row per job. detail keeps the whole JobsDetail element as received, so
-- nothing the service sends is ever lost, whatever the columns cover.
CREATE TABLE jobs (
    job_id            text PRIMARY KEY,
    bucket            text NOT NULL,
    tag               text NOT NULL,
    sub_tag           text,
    state             text,
    progress          int,
    code              text,
    message           text,
    creation_time     timestamptz NOT NULL,
    start_time        timestamptz,
    end_time          timestamptz,
    queue_id          text,
    queue_type        text,
    input_bucket      text,
    input_region      text,
    input_object      text,
    input_url         text,
    template_id       text,
    template_name     text,
    user_data         text,
    job_level         int,
    workflow_id       text,
    workflow_name     text,
    workflow_run_id   text,
    detail            xml NOT NULL,
    -- SHA-1 of the JobsDetail bytes and the normaliser version: a job whose
    -- content is unchanged is not sent to the server again.
    detail_hash       bytea NOT NULL,
    first_synced_at   timestamptz NOT NULL DEFAULT now(),
    last_synced_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_partition_creation_idx ON jobs (bucket, tag, queue_id, creation_time);
CREATE INDEX jobs_unfinished_idx ON jobs (bucket, tag, queue_id, creation_time)
    WHERE state IN ('Submitted', 'Running', 'Pause');

-- Operation/Output and its variants: one row per object the job writes.
CREATE TABLE job_outputs (
    job_id        text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    ordinal       int NOT NULL,
    kind          text NOT NULL DEFAULT 'main',
    bucket        text,
    region        text,
    object        text,
    stream_index  int,
    PRIMARY KEY (job_id, ordinal)
);

CREATE TABLE job_watermark_templates (
    job_id       text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    ordinal      int NOT NULL,
    template_id  text NOT NULL,
    PRIMARY KEY (job_id, ordinal)
);

-- Operation/MediaInfo/Format.
CREATE TABLE media_info (
    job_id            text PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
    format_name       text,
    format_long_name  text,
    duration          numeric,
    bitrate           numeric,
    size              bigint,
    num_stream        int,
    num_program       int,
    start_time        numeric
);

-- Operation/MediaInfo/Stream/{Video,Audio,Subtitle}: one row per element.
CREATE TABLE media_streams (
    job_id            text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('video', 'audio', 'subtitle')),
    ordinal           int NOT NULL,
    stream_index      int,
    codec_name        text,
    codec_long_name   text,
    codec_tag         text,
    codec_tag_string  text,
    codec_time_base   text,
    timebase          text,
    bitrate           numeric,
    duration          numeric,
    start_time        numeric,
    language          text,
    width             int,
    height            int,
    fps               numeric,
    avg_fps           numeric,
    pix_format        text,
    profile           text,
    level             int,
    num_frames        bigint,
    rotation          numeric,
    has_b_frame       int,
    ref_frames        int,
    color_primaries   text,
    color_range       text,
    color_transfer    text,
    dar               text,
    sar               text,
    field_order       text,
    channel           int,
    channel_layout    text,
    sample_rate       int,
    sample_fmt        text,
    creation_time     text,
    PRIMARY KEY (job_id, kind, ordinal)
);

-- MediaResult/OutputFile/ObjectName (kind 'main') and
-- MediaResult/OutputFile/SpriteOutputFile/ObjectName (kind 'sprite'), each
-- with the MD5 of the Md5Info naming the same object.
CREATE TABLE output_files (
    job_id         text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    ordinal        int NOT NULL,
    kind           text NOT NULL DEFAULT 'main',
    bucket         text,
    region         text,
    object_prefix  text,
    object_name    text,
    md5            text,
    PRIMARY KEY (job_id, ordinal)
);
CREATE INDEX output_files_object_idx ON output_files (bucket, object_name);

-- Input/CosHeaders of workflow-triggered jobs.
CREATE TABLE job_input_cos_headers (
    job_id   text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    ordinal  int NOT NULL,
    key      text NOT NULL,
    value    text,
    PRIMARY KEY (job_id, ordinal)
);

-- One row per partition (bucket x tag x queue; queue_id '' = all queues).
-- cursor: everything created before it has been walked. walk_*: the walk in
-- progress, committed with each page, so a killed run resumes where it was.
CREATE TABLE sync_checkpoints (
    bucket                   text NOT NULL,
    tag                      text NOT NULL,
    queue_id                 text NOT NULL DEFAULT '',
    cursor                   timestamptz,
    walk_window_start        timestamptz,
    walk_window_end          timestamptz,
    walk_next_token          text,
    walk_token_issued_at     timestamptz,
    walk_last_creation_time  timestamptz,
    walk_pages               int NOT NULL DEFAULT 0,
    walk_jobs                bigint NOT NULL DEFAULT 0,
    walk_started_at          timestamptz,
    last_run_at              timestamptz,
    last_success_at          timestamptz,
    last_status              text,
    last_error               text,
    PRIMARY KEY (bucket, tag, queue_id)
);

-- One row per sync invocation.
CREATE TABLE sync_runs (
    run_id               bigserial PRIMARY KEY,
    started_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    status               text NOT NULL DEFAULT 'running',
    host                 text,
    pid                  int,
    partitions           int NOT NULL DEFAULT 0,
    partitions_failed    int NOT NULL DEFAULT 0,
    partitions_skipped   int NOT NULL DEFAULT 0,
    pages                bigint NOT NULL DEFAULT 0,
    requests             bigint NOT NULL DEFAULT 0,
    jobs                 bigint NOT NULL DEFAULT 0,
    jobs_inserted        bigint NOT NULL DEFAULT 0,
    jobs_updated         bigint NOT NULL DEFAULT 0,
    jobs_unchanged       bigint NOT NULL DEFAULT 0,
    refusals             bigint NOT NULL DEFAULT 0,
    warnings             bigint NOT NULL DEFAULT 0,
    errors               text
);
