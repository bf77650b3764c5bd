-- Job types: schema drift, and views over detail for the type-specific
-- results users query (see docs/job-types.md). Shared data (outputs of every
-- kind, sprite files, input COS headers, workflow, queue type) is already in
-- the 0001 tables; what only one tag reports stays in detail and is read here
-- with XMLTABLE, which decodes entities (xpath()::text would not).

-- Element paths the parser did not know, per tag. sightings counts the jobs
-- that carried the path each time a page was parsed (re-read jobs count again).
CREATE TABLE schema_drift (
    tag          text NOT NULL,
    path         text NOT NULL,
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    sightings    bigint NOT NULL DEFAULT 0,
    last_bucket  text,
    last_job_id  text,
    PRIMARY KEY (tag, path)
);

CREATE VIEW v_quality_estimate_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.score, x.no_audio, x.no_video
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/QualityEstimate' PASSING j.detail
              COLUMNS score numeric PATH 'Score',
                      no_audio boolean PATH 'VqaPlusResult/NoAudio',
                      no_video boolean PATH 'VqaPlusResult/NoVideo') x
WHERE j.tag = 'QualityEstimate';

CREATE VIEW v_speech_recognition_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.audio_time, x.result_text
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/SpeechRecognitionResult' PASSING j.detail
              COLUMNS audio_time numeric PATH 'AudioTime',
                      result_text text PATH 'Result') x
WHERE j.tag = 'SpeechRecognition';

-- Translation writes its text to an object: the target language and the object.
CREATE VIEW v_translation_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.lang, x.type, x.output_object
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation' PASSING j.detail
              COLUMNS lang text PATH 'Translation/Lang',
                      type text PATH 'Translation/Type',
                      output_object text PATH 'Output/Object') x
WHERE j.tag = 'Translation' AND j.state = 'Success';

CREATE VIEW v_extract_digital_watermark_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.type, x.version, x.message
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/ExtractDigitalWatermark' PASSING j.detail
              COLUMNS type text PATH 'Type',
                      version text PATH 'Version',
                      message text PATH 'Message') x
WHERE j.tag = 'ExtractDigitalWatermark' AND j.state = 'Success';

-- One row per recognised tag.
CREATE VIEW v_video_tag_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.ordinal, x.tag, x.tag_cls, x.confidence
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/VideoTagResult/StreamData/Data/Tags' PASSING j.detail
              COLUMNS ordinal FOR ORDINALITY,
                      tag text PATH 'Tag',
                      tag_cls text PATH 'TagCls',
                      confidence numeric PATH 'Confidence') x
WHERE j.tag = 'VideoTag';

-- One row per labelled word.
CREATE VIEW v_words_generalize_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.ordinal, x.category, x.word
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/WordsGeneralizeResult/WordsGeneralizeLable'
              PASSING j.detail
              COLUMNS ordinal FOR ORDINALITY,
                      category text PATH 'Category',
                      word text PATH 'Word') x
WHERE j.tag = 'WordsGeneralize';

-- One row per recognised target (body, pet, car).
CREATE VIEW v_video_target_rec_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.ordinal, x.target, x.time_offset,
       x.name, x.score
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/VideoTargetRecResult/*/*[Name]' PASSING j.detail
              COLUMNS ordinal FOR ORDINALITY,
                      target text PATH 'local-name(..)',
                      time_offset numeric PATH '../Time',
                      name text PATH 'Name',
                      score numeric PATH 'Score') x
WHERE j.tag = 'VideoTargetRec';

-- One row per detected shot.
CREATE VIEW v_split_video_parts_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.ordinal, x.start_time, x.end_time
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/SplitVideoInfoResult/ShotInfo' PASSING j.detail
              COLUMNS ordinal FOR ORDINALITY,
                      start_time numeric PATH 'StartTime',
                      end_time numeric PATH 'EndTime') x
WHERE j.tag = 'SplitVideoParts';

CREATE VIEW v_pic_process_results AS
SELECT j.job_id, j.bucket, j.state, j.creation_time, x.object_key, x.format, x.width, x.height,
       x.size, x.etag
FROM jobs j,
     XMLTABLE('/JobsDetail/Operation/PicProcessResult/UploadResult/ProcessResults/Object'
              PASSING j.detail
              COLUMNS object_key text PATH 'Key',
                      format text PATH 'Format',
                      width int PATH 'Width',
                      height int PATH 'Height',
                      size bigint PATH 'Size',
                      etag text PATH 'Etag') x
WHERE j.tag = 'PicProcess';
