-- Issue 33: what became of each comment. The comment's author (to tell a bot resolving its own thread, and to match a
-- "Commit suggestion" co-author), its suggested lines, the commit that applied them, who resolved its thread, and the
-- decided disposition and re-raise link.
alter table review_comments
    add column author_login     text        null,
    add column author_id        bigint      null,
    -- The lines of the comment's suggested-change blocks joined by newlines; null when the body holds none.
    add column suggested_lines  text        null,
    add column applied_commit   text        null check (applied_commit ~ '^[0-9a-f]{40}$'),
    add column applied_at       timestamptz null,
    add column resolved_by_kind text        null check (resolved_by_kind in ('person', 'this_bot', 'other_bot')),
    add column disposition      text        not null default 'open'
        check (disposition in ('applied', 'addressed', 'dismissed', 'open')),
    -- The github_comment_id of the earlier comment of the same kind this one raises again.
    add column reraise_of       bigint      null check (reraise_of > 0);
