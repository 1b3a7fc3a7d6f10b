-- Issue 32: review bots measured without their cooperation. A profile names a bot's GitHub logins (and, for a shared
-- identity, a body pattern); its comments on installed repositories become runs and comments like captured ones.
create table bot_profiles (
    name         text        primary key check (name ~ '^[a-z0-9_.-]{1,40}$'),
    -- Lowercased: logins are matched exactly but case-insensitively.
    logins       text[]      not null check (cardinality(logins) > 0),
    body_pattern text        null,
    created_at   timestamptz not null,
    updated_at   timestamptz not null
);
create index bot_profiles_logins on bot_profiles using gin (logins);

-- Where a run came from: the bot's own API calls, or comments observed on GitHub for a bot profile.
alter table tasks add column source text not null default 'api' check (source in ('api', 'observed'));
-- The GitHub review an observed run stands for (null for the run of a bot's conversation comments on a pull request).
alter table tasks add column github_review_id bigint null check (github_review_id > 0);
-- One observed run per review, and one per (bot, repository, pull request) for conversation comments.
create unique index tasks_observed_review on tasks (github_review_id) where source = 'observed' and github_review_id is not null;
create unique index tasks_observed_conversation on tasks (repository_id, pr_number, (labels ->> 'bot'))
    where source = 'observed' and github_review_id is null;

-- Bot-type comment authors no profile matches, counted per repository so an operator sees them before adding a profile;
-- nothing else of theirs is kept.
create table bot_candidates (
    login           text        not null check (login = lower(login)),
    -- Lowercased owner/name as the delivery gave it: a candidate registers no repository.
    repository      text        not null check (repository = lower(repository)),
    installation_id bigint      not null,
    comments        integer     not null default 0,
    last_seen_at    timestamptz not null,
    primary key (login, repository)
);
