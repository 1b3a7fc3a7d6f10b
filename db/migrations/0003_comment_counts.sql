-- Analytics reads one table: each comment carries its repository and its 👍/👎 counts, kept exact by triggers
-- (statement-level, with transition tables: one grouped update per reconcile statement, not one per row).

alter table review_comments
    add column repository_id bigint  null references repositories (id),
    add column up            integer not null default 0,
    add column down          integer not null default 0;

update review_comments c set repository_id = t.repository_id from tasks t where t.id = c.task_id;

update review_comments c set up = x.up, down = x.down
from (select kind, github_comment_id,
             count(*) filter (where content = '+1') as up, count(*) filter (where content = '-1') as down
      from review_feedback group by kind, github_comment_id) x
where c.kind = x.kind and c.github_comment_id = x.github_comment_id;

-- The period scan of every analytics query: by posting date, with what the aggregates need.
create index review_comments_period on review_comments (created_at) include (repository_id, up, down);
create index review_comments_repository_period on review_comments (repository_id, created_at) include (up, down);
drop index review_comments_created;

create function review_comments_repository() returns trigger language plpgsql as $$
begin
    if new.repository_id is null then
        select repository_id into new.repository_id from tasks where id = new.task_id;
    end if;
    return new;
end $$;
create trigger review_comments_repository before insert on review_comments
    for each row execute function review_comments_repository();

-- A run re-registered under another repository takes its comments along.
create function tasks_repository_moved() returns trigger language plpgsql as $$
begin
    update review_comments set repository_id = new.repository_id where task_id = new.id;
    return null;
end $$;
create trigger tasks_repository_moved after update of repository_id on tasks
    for each row when (old.repository_id is distinct from new.repository_id) execute function tasks_repository_moved();

create function review_feedback_added() returns trigger language plpgsql as $$
begin
    update review_comments c set up = c.up + d.up, down = c.down + d.down
    from (select kind, github_comment_id,
                 count(*) filter (where content = '+1') as up, count(*) filter (where content = '-1') as down
          from added group by kind, github_comment_id) d
    where c.kind = d.kind and c.github_comment_id = d.github_comment_id;
    return null;
end $$;
create trigger review_feedback_added after insert on review_feedback
    referencing new table as added for each statement execute function review_feedback_added();

create function review_feedback_removed() returns trigger language plpgsql as $$
begin
    update review_comments c set up = c.up - d.up, down = c.down - d.down
    from (select kind, github_comment_id,
                 count(*) filter (where content = '+1') as up, count(*) filter (where content = '-1') as down
          from removed group by kind, github_comment_id) d
    where c.kind = d.kind and c.github_comment_id = d.github_comment_id;
    return null;
end $$;
create trigger review_feedback_removed after delete on review_feedback
    referencing old table as removed for each statement execute function review_feedback_removed();
