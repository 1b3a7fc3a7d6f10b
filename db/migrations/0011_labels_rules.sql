-- Issue 16: what produced each comment. A run carries the bot's labels (bot_version, model, prompt, …); a comment
-- carries the rule, category, severity and fingerprint of the finding behind it. Both are stored as given.
alter table tasks add column labels jsonb not null default '{}'::jsonb check (jsonb_typeof(labels) = 'object');
-- The Runs filter (label.KEY=VALUE → labels @> '{"KEY": "VALUE"}') walks this index.
create index tasks_labels on tasks using gin (labels jsonb_path_ops);

-- Each comment keeps a copy of its run's labels (kept in step by the triggers below), so analytics never joins runs.
alter table review_comments
    add column labels      jsonb not null default '{}'::jsonb,
    add column rule        text  null,
    add column category    text  null,
    add column severity    text  null,
    add column fingerprint text  null;

update review_comments c set labels = t.labels from tasks t where t.id = c.task_id and t.labels <> '{}'::jsonb;

create or replace function review_comments_repository() returns trigger language plpgsql as $$
begin
    if new.repository_id is null or new.labels = '{}'::jsonb then
        select coalesce(new.repository_id, t.repository_id), case when new.labels = '{}'::jsonb then t.labels else new.labels end
        into new.repository_id, new.labels
        from tasks t where t.id = new.task_id;
    end if;
    return new;
end $$;

-- A run re-registered with other labels takes its comments along (the rollup below follows through their update).
create function tasks_labels_changed() returns trigger language plpgsql as $$
begin
    update review_comments set labels = new.labels where task_id = new.id;
    return null;
end $$;
create trigger tasks_labels_changed after update of labels on tasks
    for each row when (old.labels is distinct from new.labels) execute function tasks_labels_changed();

-- The groups a comment counts in: one per label ('label:KEY'), and its rule, category and severity when set.
create function review_comment_dims(labels jsonb, rule text, category text, severity text)
    returns table (dim text, value text) language sql immutable as $$
    select 'label:' || l.key, l.value from jsonb_each_text(labels) l
    union all select 'rule', rule where rule is not null
    union all select 'category', category where category is not null
    union all select 'severity', severity where severity is not null
$$;

-- Daily rollup per group (dim, value), like analytics_daily per repository: group_by and compare read whole days
-- here and only the partial days at a period's edges from review_comments. Kept exact by statement-level triggers,
-- one grouped upsert per statement; reactions, signals, labels and moves all reach it as review_comments updates.
create table analytics_daily_groups (
    dim           text    not null,
    value         text    not null,
    day           date    not null,
    repository_id bigint  not null references repositories (id),
    comments      integer not null default 0,
    reacted       integer not null default 0,
    up            integer not null default 0,
    down          integer not null default 0,
    addressed     integer not null default 0,
    primary key (dim, value, day, repository_id)
);

insert into analytics_daily_groups (dim, value, day, repository_id, comments, reacted, up, down, addressed)
select g.dim, g.value, (c.created_at at time zone 'UTC')::date, c.repository_id, count(*), count(*) filter (where c.up + c.down > 0),
       sum(c.up), sum(c.down), count(*) filter (where review_comments_is_addressed(c.outdated, c.resolved, c.resolved_by_bot))
from review_comments c cross join lateral review_comment_dims(c.labels, c.rule, c.category, c.severity) g
where c.repository_id is not null
group by 1, 2, 3, 4;

create function review_comments_groups_added() returns trigger language plpgsql as $$
begin
    insert into analytics_daily_groups (dim, value, day, repository_id, comments, reacted, up, down, addressed)
    select g.dim, g.value, (a.created_at at time zone 'UTC')::date, a.repository_id, count(*), count(*) filter (where a.up + a.down > 0),
           sum(a.up), sum(a.down), count(*) filter (where review_comments_is_addressed(a.outdated, a.resolved, a.resolved_by_bot))
    from added a cross join lateral review_comment_dims(a.labels, a.rule, a.category, a.severity) g
    where a.repository_id is not null
    group by 1, 2, 3, 4
    on conflict (dim, value, day, repository_id) do update
        set comments = analytics_daily_groups.comments + excluded.comments, reacted = analytics_daily_groups.reacted + excluded.reacted,
            up = analytics_daily_groups.up + excluded.up, down = analytics_daily_groups.down + excluded.down,
            addressed = analytics_daily_groups.addressed + excluded.addressed;
    return null;
end $$;
create trigger review_comments_groups_added after insert on review_comments
    referencing new table as added for each statement execute function review_comments_groups_added();

create function review_comments_groups_removed() returns trigger language plpgsql as $$
begin
    update analytics_daily_groups a set comments = a.comments - x.comments, reacted = a.reacted - x.reacted, up = a.up - x.up,
                                        down = a.down - x.down, addressed = a.addressed - x.addressed
    from (select g.dim, g.value, (r.created_at at time zone 'UTC')::date as day, r.repository_id, count(*) as comments,
                 count(*) filter (where r.up + r.down > 0) as reacted, sum(r.up) as up, sum(r.down) as down,
                 count(*) filter (where review_comments_is_addressed(r.outdated, r.resolved, r.resolved_by_bot)) as addressed
          from removed r cross join lateral review_comment_dims(r.labels, r.rule, r.category, r.severity) g
          where r.repository_id is not null group by 1, 2, 3, 4) x
    where a.dim = x.dim and a.value = x.value and a.day = x.day and a.repository_id = x.repository_id;
    return null;
end $$;
create trigger review_comments_groups_removed after delete on review_comments
    referencing old table as removed for each statement execute function review_comments_groups_removed();

-- An update moves a comment's contribution only when something the rollup counts changed: the old row leaves,
-- the new one enters (most updates, a poll's bookkeeping, change nothing here).
create function review_comments_groups_changed() returns trigger language plpgsql as $$
begin
    with moved as (
        select o.kind, o.github_comment_id
        from old_rows o join new_rows n on n.kind = o.kind and n.github_comment_id = o.github_comment_id
        where (o.labels, o.rule, o.category, o.severity, o.created_at, o.repository_id, o.up, o.down,
               review_comments_is_addressed(o.outdated, o.resolved, o.resolved_by_bot))
              is distinct from
              (n.labels, n.rule, n.category, n.severity, n.created_at, n.repository_id, n.up, n.down,
               review_comments_is_addressed(n.outdated, n.resolved, n.resolved_by_bot))
    ), delta as (
        select -1 as s, o.labels, o.rule, o.category, o.severity, o.created_at, o.repository_id, o.up, o.down,
               review_comments_is_addressed(o.outdated, o.resolved, o.resolved_by_bot) as addressed
        from old_rows o join moved m on m.kind = o.kind and m.github_comment_id = o.github_comment_id
        union all
        select 1, n.labels, n.rule, n.category, n.severity, n.created_at, n.repository_id, n.up, n.down,
               review_comments_is_addressed(n.outdated, n.resolved, n.resolved_by_bot)
        from new_rows n join moved m on m.kind = n.kind and m.github_comment_id = n.github_comment_id
    )
    insert into analytics_daily_groups (dim, value, day, repository_id, comments, reacted, up, down, addressed)
    select g.dim, g.value, (d.created_at at time zone 'UTC')::date, d.repository_id, sum(d.s), sum(d.s * (d.up + d.down > 0)::int),
           sum(d.s * d.up), sum(d.s * d.down), sum(d.s * d.addressed::int)
    from delta d cross join lateral review_comment_dims(d.labels, d.rule, d.category, d.severity) g
    where d.repository_id is not null
    group by 1, 2, 3, 4
    on conflict (dim, value, day, repository_id) do update
        set comments = analytics_daily_groups.comments + excluded.comments, reacted = analytics_daily_groups.reacted + excluded.reacted,
            up = analytics_daily_groups.up + excluded.up, down = analytics_daily_groups.down + excluded.down,
            addressed = analytics_daily_groups.addressed + excluded.addressed;
    return null;
end $$;
create trigger review_comments_groups_changed after update on review_comments
    referencing old table as old_rows new table as new_rows for each statement execute function review_comments_groups_changed();

-- Rules ranked per repository read comments by rule.
create index review_comments_rule on review_comments (repository_id, rule) include (up, down) where rule is not null;
