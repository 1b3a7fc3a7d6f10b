-- What happened to each comment besides 👍/👎 (issue 15): its text and link, read once from GitHub; the per-poll
-- signals of its GraphQL node (outdated, hidden and why); its review thread's state (resolved, by whom, human
-- replies). The webhooks migration (0009) adds the same columns the same way, so either may run first.
alter table review_comments add column if not exists body text null;
alter table review_comments add column if not exists html_url text null;
alter table review_comments add column if not exists outdated boolean null;
alter table review_comments add column if not exists minimized boolean null;
alter table review_comments add column if not exists minimized_reason text null;
alter table review_comments add column if not exists thread_node_id text null;
alter table review_comments add column if not exists resolved boolean null;
alter table review_comments add column if not exists resolved_by text null;
alter table review_comments add column if not exists resolved_by_bot boolean null;
alter table review_comments add column if not exists human_replies integer null;
alter table review_comments add column if not exists signals_read_at timestamptz null;
alter table review_comments add column if not exists thread_read_at timestamptz null;

-- The pull request's GraphQL node id (learned from a comment node's pullRequest { id }): thread state is read from
-- nodes(ids: [pull requests]), several pull requests a request. threads_read_at paces it (PollThreads).
alter table tasks add column if not exists pr_node_id text null;
alter table tasks add column if not exists threads_read_at timestamptz null;
create index if not exists tasks_threads_due on tasks (created_at) where pr_node_id is not null;

-- addressed = outdated, or its thread resolved by a person: counted per day in the analytics rollup, kept exact by
-- a statement-level trigger on review_comments (the signals change by set-based updates, from the poller and from
-- webhooks alike).
alter table analytics_daily add column if not exists addressed integer not null default 0;

create or replace function review_comments_is_addressed(outdated boolean, resolved boolean, resolved_by_bot boolean)
    returns boolean language sql immutable as $$
    select coalesce(outdated, false) or (coalesce(resolved, false) and not coalesce(resolved_by_bot, false))
$$;

update analytics_daily a set addressed = x.addressed
from (select (created_at at time zone 'UTC')::date as day, repository_id, count(*)::int as addressed
      from review_comments where repository_id is not null and review_comments_is_addressed(outdated, resolved, resolved_by_bot)
      group by 1, 2) x
where a.day = x.day and a.repository_id = x.repository_id;

create or replace function review_comments_addressed_changed() returns trigger language plpgsql as $$
begin
    insert into analytics_daily (day, repository_id, addressed)
    select (n.created_at at time zone 'UTC')::date, n.repository_id,
           sum(case when review_comments_is_addressed(n.outdated, n.resolved, n.resolved_by_bot) then 1 else -1 end)::int
    from new_rows n join old_rows o on o.kind = n.kind and o.github_comment_id = n.github_comment_id
    where n.repository_id is not null and o.repository_id is not distinct from n.repository_id
      and o.created_at = n.created_at
      and review_comments_is_addressed(n.outdated, n.resolved, n.resolved_by_bot)
          <> review_comments_is_addressed(o.outdated, o.resolved, o.resolved_by_bot)
    group by 1, 2
    on conflict (day, repository_id) do update set addressed = analytics_daily.addressed + excluded.addressed;
    return null;
end $$;
drop trigger if exists review_comments_addressed_changed on review_comments;
create trigger review_comments_addressed_changed after update on review_comments
    referencing old table as old_rows new table as new_rows for each statement execute function review_comments_addressed_changed();

-- Comments added, deleted or moved to another repository take their addressed count along (0004's functions, with
-- addressed beside comments/reacted/up/down).
create or replace function review_comments_rollup_added() returns trigger language plpgsql as $$
begin
    insert into analytics_daily (day, repository_id, comments, reacted, up, down, addressed)
    select (created_at at time zone 'UTC')::date, repository_id, count(*), count(*) filter (where up + down > 0), sum(up), sum(down),
           count(*) filter (where review_comments_is_addressed(outdated, resolved, resolved_by_bot))
    from added where repository_id is not null
    group by 1, 2
    on conflict (day, repository_id) do update
        set comments = analytics_daily.comments + excluded.comments, reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down,
            addressed = analytics_daily.addressed + excluded.addressed;
    return null;
end $$;

create or replace function review_comments_rollup_removed() returns trigger language plpgsql as $$
begin
    update analytics_daily a set comments = a.comments - x.comments, reacted = a.reacted - x.reacted, up = a.up - x.up,
                                 down = a.down - x.down, addressed = a.addressed - x.addressed
    from (select (created_at at time zone 'UTC')::date as day, repository_id, count(*) as comments,
                 count(*) filter (where up + down > 0) as reacted, sum(up) as up, sum(down) as down,
                 count(*) filter (where review_comments_is_addressed(outdated, resolved, resolved_by_bot)) as addressed
          from removed where repository_id is not null group by 1, 2) x
    where a.day = x.day and a.repository_id = x.repository_id;
    return null;
end $$;

create or replace function tasks_repository_moved() returns trigger language plpgsql as $$
begin
    update analytics_daily a set comments = a.comments - x.comments, reacted = a.reacted - x.reacted, up = a.up - x.up,
                                 down = a.down - x.down, addressed = a.addressed - x.addressed
    from (select (created_at at time zone 'UTC')::date as day, count(*) as comments, count(*) filter (where up + down > 0) as reacted,
                 sum(up) as up, sum(down) as down,
                 count(*) filter (where review_comments_is_addressed(outdated, resolved, resolved_by_bot)) as addressed
          from review_comments where task_id = new.id group by 1) x
    where a.day = x.day and a.repository_id = old.repository_id;
    insert into analytics_daily (day, repository_id, comments, reacted, up, down, addressed)
    select (created_at at time zone 'UTC')::date, new.repository_id, count(*), count(*) filter (where up + down > 0), sum(up), sum(down),
           count(*) filter (where review_comments_is_addressed(outdated, resolved, resolved_by_bot))
    from review_comments where task_id = new.id group by 1
    on conflict (day, repository_id) do update
        set comments = analytics_daily.comments + excluded.comments, reacted = analytics_daily.reacted + excluded.reacted,
            up = analytics_daily.up + excluded.up, down = analytics_daily.down + excluded.down,
            addressed = analytics_daily.addressed + excluded.addressed;
    update review_comments set repository_id = new.repository_id where task_id = new.id;
    return null;
end $$;
