-- Faithful to the real GitHub: repositories known by their numeric id (renames, transfers), lost access as a
-- condition instead of deletions, ETags bound to the token that got them, points per rate-limit bucket.

-- GitHub's numeric id of the repository (from GET /installation/repositories): names change, ids don't.
alter table repositories add column github_id bigint null;
create unique index repositories_github_id on repositories (github_id) where github_id is not null;
-- Set while the installation can no longer reach the repository: its comments pause, nothing is retired.
alter table repositories add column access_lost_at timestamptz null;

-- An ETag belongs to the installation token it was answered to (a short hash of it).
alter table review_comments add column etag_token text null;

alter table poll_cycles add column points_core integer not null default 0;
alter table poll_cycles add column points_graphql integer not null default 0;
alter table poll_cycles add column skipped_non_human integer not null default 0;
-- {installation: {core|graphql: {limit, remaining, reset_at}}} as GitHub last reported them in the cycle.
alter table poll_cycles add column rate_limits jsonb not null default '{}';

-- What keeps the poller from doing its work right now, per installation (and repository): shown on the health page
-- and in /api/poller/health until it clears by itself.
create table poller_conditions (
    installation_id bigint      not null,
    repository_id   bigint      null references repositories (id) on delete cascade,
    kind            text        not null check (kind in ('access_lost', 'rate_limited', 'token_failed', 'renamed', 'budget_limited')),
    since           timestamptz not null,
    detail          text        not null,
    updated_at      timestamptz not null
);
create unique index poller_conditions_key on poller_conditions (installation_id, coalesce(repository_id, 0), kind);
