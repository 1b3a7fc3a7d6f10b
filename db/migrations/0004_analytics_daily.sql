-- Daily rollup of comments and their 👍/👎 per repository, by the comment's posting day (UTC), kept exact by
-- set-based triggers. Analytics reads whole days from here and only the partial days at a period's edges
-- from review_comments, so a 90-day overview reads ~90 rows per repository instead of every comment.
create table analytics_daily (
    day           date    not null,
    repository_id bigint  not null references repositories (id),
    comments      integer not null default 0,
    reacted       integer not null default 0,
    up            integer not null default 0,
    down          integer not null default 0,
    primary key (day, repository_id)
);

insert into analytics_daily (day, repository_id, comments, reacted, up, down)
select (created_at at time zone 'UTC')::date, repository_id, count(*), count(*) filter (where up + down > 0), sum(up), sum(down)
from review_comments where repository_id is not null
group by 1, 2;

-- Kept set-based, one grouped upsert per statement (a reconcile batch), never one per row.

-- New comments count in their day.
create function review_comments_rollup_added() returns trigger language plpgsql as $$
begin
    insert into analytics_daily (day, repository_id, comments, reacted, up, down)
    select (created_at at time zone 'UTC')::date, repository_id, count(*), count(*) filter (where up + down > 0), sum(up), sum(down)
    from added where repository_id is not null
    group by 1, 2
    on conflict (day, repository_id) do update
        set comments = analytics_daily.comments + excluded.comments, reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down;
    return null;
end $$;
create trigger review_comments_rollup_added after insert on review_comments
    referencing new table as added for each statement execute function review_comments_rollup_added();

-- Deleted comments (a run's cascade) leave their day.
create function review_comments_rollup_removed() returns trigger language plpgsql as $$
begin
    update analytics_daily a set comments = a.comments - x.comments, reacted = a.reacted - x.reacted, up = a.up - x.up, down = a.down - x.down
    from (select (created_at at time zone 'UTC')::date as day, repository_id, count(*) as comments,
                 count(*) filter (where up + down > 0) as reacted, sum(up) as up, sum(down) as down
          from removed where repository_id is not null group by 1, 2) x
    where a.day = x.day and a.repository_id = x.repository_id;
    return null;
end $$;
create trigger review_comments_rollup_removed after delete on review_comments
    referencing old table as removed for each statement execute function review_comments_rollup_removed();

-- Reactions: the per-comment counts (0003) and the day's figures move together, from the same transition table.
create or replace function review_feedback_added() returns trigger language plpgsql as $$
begin
    with d as (
        select kind, github_comment_id,
               count(*) filter (where content = '+1') as up, count(*) filter (where content = '-1') as down
        from added group by kind, github_comment_id
    ), changed as (
        update review_comments c set up = c.up + d.up, down = c.down + d.down
        from d where c.kind = d.kind and c.github_comment_id = d.github_comment_id
        returning c.created_at, c.repository_id, d.up, d.down, (c.up + c.down = d.up + d.down) as first_reaction
    )
    insert into analytics_daily (day, repository_id, comments, reacted, up, down)
    select (created_at at time zone 'UTC')::date, repository_id, 0, count(*) filter (where first_reaction), sum(up), sum(down)
    from changed where repository_id is not null
    group by 1, 2
    on conflict (day, repository_id) do update
        set reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down;
    return null;
end $$;

create or replace function review_feedback_removed() returns trigger language plpgsql as $$
begin
    with d as (
        select kind, github_comment_id,
               count(*) filter (where content = '+1') as up, count(*) filter (where content = '-1') as down
        from removed group by kind, github_comment_id
    ), changed as (
        update review_comments c set up = c.up - d.up, down = c.down - d.down
        from d where c.kind = d.kind and c.github_comment_id = d.github_comment_id
        returning c.created_at, c.repository_id, d.up, d.down, (c.up + c.down = 0) as last_reaction
    )
    update analytics_daily a set reacted = a.reacted - x.reacted, up = a.up - x.up, down = a.down - x.down
    from (select (created_at at time zone 'UTC')::date as day, repository_id,
                 count(*) filter (where last_reaction) as reacted, sum(up) as up, sum(down) as down
          from changed where repository_id is not null group by 1, 2) x
    where a.day = x.day and a.repository_id = x.repository_id;
    return null;
end $$;

-- A run re-registered under another repository moves its comments' figures too.
create or replace function tasks_repository_moved() returns trigger language plpgsql as $$
begin
    update analytics_daily a set comments = a.comments - x.comments, reacted = a.reacted - x.reacted, up = a.up - x.up, down = a.down - x.down
    from (select (created_at at time zone 'UTC')::date as day, count(*) as comments, count(*) filter (where up + down > 0) as reacted,
                 sum(up) as up, sum(down) as down
          from review_comments where task_id = new.id group by 1) x
    where a.day = x.day and a.repository_id = old.repository_id;
    insert into analytics_daily (day, repository_id, comments, reacted, up, down)
    select (created_at at time zone 'UTC')::date, new.repository_id, count(*), count(*) filter (where up + down > 0), sum(up), sum(down)
    from review_comments where task_id = new.id group by 1
    on conflict (day, repository_id) do update
        set comments = analytics_daily.comments + excluded.comments, reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down;
    update review_comments set repository_id = new.repository_id where task_id = new.id;
    return null;
end $$;

-- The most-👎'd files of a period: only comments that drew a 👎.
create index review_comments_downvoted on review_comments (created_at) include (repository_id, file, up, down) where down > 0;
