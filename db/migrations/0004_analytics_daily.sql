-- Daily rollup of comments and their 👍/👎 per repository, by the comment's posting day (UTC), kept exact by a
-- trigger on review_comments. Analytics reads whole days from here and only the partial days at a period's edges
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

create function analytics_daily_apply(p_day date, p_repository bigint, p_comments integer, p_reacted integer, p_up integer, p_down integer)
returns void language sql as $$
    insert into analytics_daily (day, repository_id, comments, reacted, up, down)
    values (p_day, p_repository, p_comments, p_reacted, p_up, p_down)
    on conflict (day, repository_id) do update
        set comments = analytics_daily.comments + excluded.comments, reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down
$$;

create function review_comments_rollup() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.repository_id is not null then
        perform analytics_daily_apply((old.created_at at time zone 'UTC')::date, old.repository_id,
            -1, -((old.up + old.down > 0)::int), -old.up, -old.down);
    end if;
    if tg_op in ('UPDATE', 'INSERT') and new.repository_id is not null then
        perform analytics_daily_apply((new.created_at at time zone 'UTC')::date, new.repository_id,
            1, (new.up + new.down > 0)::int, new.up, new.down);
    end if;
    return null;
end $$;

create trigger review_comments_rollup_insert after insert on review_comments
    for each row execute function review_comments_rollup();
create trigger review_comments_rollup_delete after delete on review_comments
    for each row execute function review_comments_rollup();
-- Only when a figure moves: polling touches polled_at/etag on every comment it reads.
create trigger review_comments_rollup_update after update of up, down, repository_id, created_at on review_comments
    for each row when ((old.up, old.down, old.repository_id, old.created_at) is distinct from (new.up, new.down, new.repository_id, new.created_at))
    execute function review_comments_rollup();

-- The most-👎'd files of a period: only comments that drew a 👎.
create index review_comments_downvoted on review_comments (created_at) include (repository_id, file, up, down) where down > 0;
