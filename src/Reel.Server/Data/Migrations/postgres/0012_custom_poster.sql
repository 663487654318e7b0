-- A poster of the owner's choice (issue 16): the name of its file among the video's files; null: the generated one.
ALTER TABLE videos ADD COLUMN poster_file TEXT;
