-- Issue 33, applied suggestions and re-raises. Per pull request: the head GitHub last showed us, the head whose commits
-- were last looked at, and whether a look is wanted (a push arrived); per repository and commit: what the commit adds and
-- deletes per path, fetched once and never again.
create table pull_request_looks (
    repository_id  bigint      not null references repositories (id) on delete cascade,
    pr_number      integer     not null check (pr_number > 0),
    head_sha       text        null check (head_sha ~ '^[0-9a-f]{40}$'),
    looked_head    text        null check (looked_head ~ '^[0-9a-f]{40}$'),
    look_wanted_at timestamptz null,
    looked_at      timestamptz null,
    -- Every commit the pull request listed at the last look (fetched or not): the next look fetches only new ones.
    checked_shas   text[]      not null default '{}',
    primary key (repository_id, pr_number)
);
create index pull_request_looks_wanted on pull_request_looks (look_wanted_at) where look_wanted_at is not null;

create table commit_changes (
    repository_id bigint      not null references repositories (id) on delete cascade,
    sha           text        not null check (sha ~ '^[0-9a-f]{40}$'),
    committed_at  timestamptz not null,
    -- Lower-cased logins (or names) of the Co-authored-by trailers in the message.
    co_authors    text[]      not null default '{}',
    -- {path: {"added": [line, …] (line ends trimmed), "deleted": n}}; a path without a patch (binary, too large) is absent.
    files         jsonb       not null,
    fetched_at    timestamptz not null,
    primary key (repository_id, sha)
);

-- When a thread was first seen resolved: a re-raise counts only a resolution that came before the new comment.
alter table review_comments add column resolved_at timestamptz null;

-- Who resolved a comment's thread, from what GitHub said about it: the comment's own author (a bot resolving its thread),
-- another Bot, or a person. GraphQL's resolvedBy is a User, so a bot shows there as no resolver at all: a kind learned
-- from the webhook's sender is kept then.
create function review_comment_resolver_kind(resolved boolean, resolved_by text, resolved_by_bot boolean, author_login text,
                                             previous text)
    returns text language sql immutable as $$
    select case
        when not coalesce(resolved, false) then null
        when resolved_by is not null and author_login is not null
             and lower(regexp_replace(resolved_by, '\[bot\]$', '')) = lower(regexp_replace(author_login, '\[bot\]$', '')) then 'this_bot'
        when coalesce(resolved_by_bot, false) and resolved_by is null and previous in ('this_bot', 'other_bot') then previous
        when coalesce(resolved_by_bot, false) then 'other_bot'
        else 'person'
    end
$$;

-- The fingerprint a re-raise is matched on: the captured one, else the path and the body's first line, lower-cased,
-- digit runs and whitespace runs each collapsed (line numbers and spacing differ between runs of the same finding).
create function review_comment_fingerprint(fingerprint text, file text, body text)
    returns text language sql immutable as $$
    select coalesce(fingerprint,
        case when body is null then null else
            coalesce(file, '') || ':' || btrim(regexp_replace(regexp_replace(lower(split_part(replace(body, E'\r', ''), E'\n', 1)),
                                                                             '[0-9]+', '0', 'g'), '\s+', ' ', 'g'))
        end)
$$;
