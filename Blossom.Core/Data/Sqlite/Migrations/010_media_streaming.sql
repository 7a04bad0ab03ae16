-- The master playlist of a media result's HLS ladder (Media:Video:Hls), beside the MP4: on the
-- task, so GET /media/<id> names it, and on the stored result, so a repeated upload reuses the set.
ALTER TABLE media_tasks ADD COLUMN streaming_sha256 TEXT;
ALTER TABLE media_results ADD COLUMN streaming_sha256 TEXT;
