-- Budget-aware poll scheduling: each comment carries when it is next due and when its reactions last changed, both
-- written by the reconcile statement; selection walks an index on next_due_at instead of scanning the window.

-- Never polled: due since the beginning of time, so first in line.
alter table review_comments add column next_due_at timestamptz not null default '-infinity';
alter table review_comments add column changed_at timestamptz null;
update review_comments set next_due_at = coalesce(polled_at, '-infinity');
create index review_comments_due on review_comments (next_due_at) where gone_at is null;

-- What GitHub last said of each installation's budget, and what the scheduler made of it (the health page reads it).
create table installation_budgets (
    installation_id    bigint      primary key,
    bucket             text        not null check (bucket in ('core', 'graphql')),
    rate_limit         integer     not null,
    remaining          integer     not null,
    reset_at           timestamptz not null,
    read_at            timestamptz not null,
    comments_in_window integer     not null default 0,
    capacity           integer     not null default 0,
    expected_lag       jsonb       not null default '{}',
    -- Points saved up from cycles whose share bought less than one request.
    credit             double precision not null default 0
);

-- Points each installation spent per cycle: points per hour is a sum over the last hour.
create table installation_spend (
    installation_id bigint      not null,
    cycle_at        timestamptz not null,
    points          integer     not null,
    primary key (installation_id, cycle_at)
);
