-- Which poll cycle each installation was last polled in, and by which instance. Together with the advisory
-- try-lock per installation this makes every (installation, cycle) polled exactly once, however many pollers run.
create table poller_installations (
    installation_id bigint      primary key,
    last_cycle      bigint      not null,
    claimed_at      timestamptz not null,
    instance        text        not null
);
