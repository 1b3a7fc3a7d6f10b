-- Idempotency-Key on POST /api/tasks: the same key from the same API key within 24 h answers the first run again.
create table idempotency_keys (
    api_key_name    text        not null,
    key             text        not null,
    request_hash    bytea       not null,
    task_id         uuid        not null,
    response_status smallint    null,
    created_at      timestamptz not null,
    primary key (api_key_name, key)
);
