-- FeedbackDashboard schema: the whole model. Later migrations only add to it.

-- A repository the review bot works on, registered by the capture API.
create table repositories (
    id                       bigserial primary key,
    owner                    text        not null,
    name                     text        not null,
    -- lowercased "owner/name": the one key every join and lookup uses.
    full_name                text        not null unique check (full_name = lower(full_name)),
    installation_id          bigint      not null check (installation_id > 0),
    installed                boolean     not null default true,
    owner_type               text        null check (owner_type in ('User', 'Organization')),
    created_at               timestamptz not null default now(),
    -- Outcome of the last maintainers refresh (ok | failed | skipped_empty | guarded).
    maintainers_refreshed_at timestamptz null,
    maintainers_outcome      text        null,
    maintainers_error        text        null,
    -- A mass removal seen once is parked here; the same answer on the next run is applied.
    maintainers_guard_hash   text        null
);
create index repositories_installation on repositories (installation_id) where installed;

-- A review run of the bot; id is the bot's own run id.
create table tasks (
    id                    uuid        primary key,
    repository_id         bigint      not null references repositories (id),
    installation_id       bigint      not null check (installation_id > 0),
    pr_number             integer     not null check (pr_number > 0),
    pr_author_id          bigint      not null,
    pr_author_login       text        not null,
    -- Snapshot at ingest; never rewritten. Reads prefer the live maintainers row.
    pr_author_association text        not null,
    created_at            timestamptz not null,
    updated_at            timestamptz not null default now()
);
create index tasks_created on tasks (created_at desc, id desc);
create index tasks_repository_created on tasks (repository_id, created_at desc, id desc);

-- A comment the bot posted: inline = pull-request review comment, reply = issue comment.
create table review_comments (
    kind              text        not null check (kind in ('inline', 'reply')),
    github_comment_id bigint      not null check (github_comment_id > 0),
    task_id           uuid        not null references tasks (id) on delete cascade,
    node_id           text        null,
    file              text        null,
    line              integer     null,
    finding_id        text        null,
    created_at        timestamptz not null default now(),
    -- Poller state: the REST ETag of the reactions list, when it was last known, and deletion on GitHub.
    etag              text        null,
    polled_at         timestamptz null,
    gone_at           timestamptz null,
    primary key (kind, github_comment_id)
);
create index review_comments_task on review_comments (task_id);
create index review_comments_created on review_comments (created_at);

-- One reaction (👍 or 👎) of one person on one comment, as last seen on GitHub.
create table review_feedback (
    id                  bigserial   primary key,
    kind                text        not null,
    github_comment_id   bigint      not null,
    reactor_id          bigint      not null,
    reactor_login       text        not null,
    -- Snapshot at ingest (GitHub's reactions carry none, so usually NONE); reads prefer maintainers.
    reactor_association text        not null default 'NONE',
    content             text        not null check (content in ('+1', '-1')),
    reacted_at          timestamptz not null,
    first_seen_at       timestamptz not null default now(),
    unique (kind, github_comment_id, reactor_id, content),
    foreign key (kind, github_comment_id) references review_comments (kind, github_comment_id) on delete cascade
);
create index review_feedback_reacted on review_feedback (reacted_at);

-- Capture by review id: GitHub's create-review answer omits inline comment ids, the poller reads them later.
create table review_captures (
    task_id            uuid        not null references tasks (id) on delete cascade,
    github_review_id   bigint      not null check (github_review_id > 0),
    findings           jsonb       not null,
    status             text        not null default 'pending' check (status in ('pending', 'done', 'failed')),
    reason             text        null,
    comments_recorded  integer     null,
    unmatched_findings jsonb       null,
    attempts           integer     not null default 0,
    created_at         timestamptz not null default now(),
    completed_at       timestamptz null,
    primary key (task_id, github_review_id)
);
create index review_captures_pending on review_captures (created_at) where status = 'pending';

-- Live maintainers per repository, refreshed from GitHub. Primary key serves the role-resolution join.
create table maintainers (
    repo_full_name text        not null check (repo_full_name = lower(repo_full_name)),
    github_id      bigint      not null,
    login          text        not null,
    association    text        not null check (association in ('OWNER', 'MEMBER', 'COLLABORATOR')),
    refreshed_at   timestamptz not null,
    primary key (repo_full_name, github_id)
);

-- One row per scheduled job run (reactions poll or maintainers refresh): what the health page reads.
create table poll_cycles (
    id                   bigserial   primary key,
    job                  text        not null check (job in ('reactions', 'maintainers')),
    instance             text        not null,
    started_at           timestamptz not null,
    finished_at          timestamptz null,
    status               text        not null check (status in ('running', 'ok', 'partial', 'failed', 'cancelled')),
    comments_selected    integer     not null default 0,
    comments_checked     integer     not null default 0,
    comments_unchanged   integer     not null default 0,
    comments_failed      integer     not null default 0,
    comments_gone        integer     not null default 0,
    reactions_inserted   integer     not null default 0,
    reactions_deleted    integer     not null default 0,
    captures_processed   integer     not null default 0,
    repos_ok             integer     not null default 0,
    repos_failed         integer     not null default 0,
    repos_skipped_empty  integer     not null default 0,
    repos_guarded        integer     not null default 0,
    rows_changed         integer     not null default 0,
    requests_made        integer     not null default 0,
    not_modified         integer     not null default 0,
    rate_limit_remaining jsonb       not null default '{}',
    errors               jsonb       not null default '[]'
);
create index poll_cycles_job_started on poll_cycles (job, started_at desc);

-- API keys: only the SHA-256 of the key is kept.
create table api_keys (
    id           bigserial   primary key,
    name         text        not null,
    prefix       text        not null,
    key_hash     bytea       not null unique,
    scopes       text[]      not null,
    created_at   timestamptz not null default now(),
    revoked_at   timestamptz null,
    last_used_at timestamptz null
);
create unique index api_keys_active_name on api_keys (name) where revoked_at is null;

-- ASP.NET Core data protection keys, shared by every replica so cookies survive a change of pod.
create table data_protection_keys (
    id            serial primary key,
    friendly_name text null,
    xml           text null
);

-- Pages refresh when a poll cycle lands.
create function notify_poll_cycle() returns trigger language plpgsql as $$
begin
    perform pg_notify('poll_cycles', new.job);
    return new;
end $$;
create trigger poll_cycles_notify after insert or update of finished_at on poll_cycles
    for each row when (new.finished_at is not null) execute function notify_poll_cycle();
