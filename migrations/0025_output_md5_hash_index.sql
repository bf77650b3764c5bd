-- output_files_md5_idx answers one question: which files carry this MD5
-- (equality only: one object's md5_shared and objects_with_same_md5). A hash
-- index answers it with a 4-byte code per file instead of the 32-character
-- key a btree stores, so a first sync writes fewer and smaller index pages
-- for keys that land on random pages (docs/performance.md).
DROP INDEX output_files_md5_idx;
CREATE INDEX output_files_md5_idx ON output_files USING hash (lower(nullif(md5, '')));
