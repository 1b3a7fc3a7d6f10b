-- Issue 32: the sweep reads each installed repository's two comment lists (pull request review comments, issue
-- comments) from where it last stopped, so comments no webhook brought are still captured.
create table observe_cursors (
    repository_id bigint      not null references repositories (id) on delete cascade,
    list          text        not null check (list in ('pulls', 'issues')),
    -- The newest updated_at whose page was stored: the next sweep asks from the second after it.
    cursor_at     timestamptz not null,
    -- The ETag of the list's last empty first page and the token it belongs to: a quiet list answers 304 to it.
    etag          text        null,
    etag_token    text        null,
    swept_at      timestamptz not null,
    primary key (repository_id, list)
);

-- Core points each sweep spent per installation: the sweep's share of the hourly budget is what the last hour left.
create table observe_spend (
    installation_id bigint      not null,
    spent_at        timestamptz not null,
    points          integer     not null,
    primary key (installation_id, spent_at)
);

-- The sweep is a job of its own on the health page.
alter table poll_cycles drop constraint poll_cycles_job_check;
alter table poll_cycles add constraint poll_cycles_job_check check (job in ('reactions', 'maintainers', 'observe'));

-- What GitHub last said of each installation's core bucket after a sweep: the next sweep plans with it.
create table observe_budgets (
    installation_id bigint      primary key,
    rate_limit      integer     not null,
    remaining       integer     not null,
    reset_at        timestamptz not null
);
