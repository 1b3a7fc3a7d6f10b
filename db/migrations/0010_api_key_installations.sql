-- Optional per-key reach: a key with installations set may touch only runs of those GitHub App installations.
-- null keeps today's reach (every installation).
alter table api_keys add column installations bigint[] null;
