-- Who uploaded the video, for fair turns in the job queue: 'user:<id>' when signed in, else 'key:<id>' for an
-- upload key, else 'ip:<address>' (an IPv6 client by its /64). Never shown by the API. Older rows have none and
-- share one turn.
ALTER TABLE videos ADD COLUMN uploader TEXT;
