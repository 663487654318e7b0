-- The columns of sqlite/0005_fenced_leases.sql: the claim's fencing token and the count of interrupted runs.
ALTER TABLE jobs ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
