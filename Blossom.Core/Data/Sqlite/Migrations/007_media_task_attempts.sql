-- How many times a task's job was started without ending: a job that takes the server down (a
-- crash, an out-of-memory kill) is resumed after each restart, and given up after a few.
ALTER TABLE media_tasks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
