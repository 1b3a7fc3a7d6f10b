-- Issue 33's figures: suggestions, applied suggestions, re-raises and the four dispositions counted per day in both
-- analytics rollups, kept exact by their own statement-level triggers (the 0004/0008/0011/0014 functions stay as
-- they are and never touch these columns). A disposition decided later, an applied commit found later, a re-raise
-- link set later, a run moved or relabelled: each reaches the rollups as an update of review_comments.

-- The period index carries what the edge rows sum (INCLUDE takes columns, not expressions: hence has_suggestion,
-- so the suggested lines themselves never enter the index).
alter table review_comments add column has_suggestion boolean generated always as (suggested_lines is not null) stored;

drop index review_comments_period;
create index review_comments_period on review_comments (created_at)
    include (repository_id, up, down, outdated, resolved, resolved_by_bot, has_suggestion, applied_commit, reraise_of, disposition);

alter table analytics_daily
    add column suggestions           integer not null default 0,
    add column applied               integer not null default 0,
    add column reraised              integer not null default 0,
    add column disposition_applied   integer not null default 0,
    add column disposition_addressed integer not null default 0,
    add column disposition_dismissed integer not null default 0;

alter table analytics_daily_groups
    add column suggestions           integer not null default 0,
    add column applied               integer not null default 0,
    add column reraised              integer not null default 0,
    add column disposition_applied   integer not null default 0,
    add column disposition_addressed integer not null default 0,
    add column disposition_dismissed integer not null default 0;

-- Backfill from the comments as they are.
insert into analytics_daily (day, repository_id, suggestions, applied, reraised, disposition_applied, disposition_addressed, disposition_dismissed)
select (created_at at time zone 'UTC')::date, repository_id,
       count(*) filter (where has_suggestion), count(*) filter (where has_suggestion and applied_commit is not null),
       count(*) filter (where reraise_of is not null), count(*) filter (where disposition = 'applied'),
       count(*) filter (where disposition = 'addressed'), count(*) filter (where disposition = 'dismissed')
from review_comments where repository_id is not null
group by 1, 2
on conflict (day, repository_id) do update
    set suggestions = excluded.suggestions, applied = excluded.applied, reraised = excluded.reraised,
        disposition_applied = excluded.disposition_applied, disposition_addressed = excluded.disposition_addressed,
        disposition_dismissed = excluded.disposition_dismissed;

insert into analytics_daily_groups (dim, value, day, repository_id, suggestions, applied, reraised, disposition_applied,
                                    disposition_addressed, disposition_dismissed)
select g.dim, g.value, (c.created_at at time zone 'UTC')::date, c.repository_id,
       count(*) filter (where c.has_suggestion), count(*) filter (where c.has_suggestion and c.applied_commit is not null),
       count(*) filter (where c.reraise_of is not null), count(*) filter (where c.disposition = 'applied'),
       count(*) filter (where c.disposition = 'addressed'), count(*) filter (where c.disposition = 'dismissed')
from review_comments c cross join lateral review_comment_dims(c.labels, c.rule, c.category, c.severity) g
where c.repository_id is not null
group by 1, 2, 3, 4
on conflict (dim, value, day, repository_id) do update
    set suggestions = excluded.suggestions, applied = excluded.applied, reraised = excluded.reraised,
        disposition_applied = excluded.disposition_applied, disposition_addressed = excluded.disposition_addressed,
        disposition_dismissed = excluded.disposition_dismissed;

-- A comment's contribution, signed: +1 entering the rollups, -1 leaving them.
create type review_comment_outcome as (
    s int, created_at timestamptz, repository_id bigint, labels jsonb, rule text, category text, severity text,
    has_suggestion boolean, applied boolean, reraised boolean, disposition text
);

-- Adds the signed rows into both rollups, one grouped upsert each; the three triggers below pass their transition
-- table's rows here (a trigger's transition table can't be handed to another function itself).
create function review_comments_outcomes_apply(delta review_comment_outcome[]) returns void language sql as $$
    with d as (select * from unnest(delta) where repository_id is not null), per_day as (
        insert into analytics_daily (day, repository_id, suggestions, applied, reraised, disposition_applied, disposition_addressed, disposition_dismissed)
        select (created_at at time zone 'UTC')::date, repository_id, sum(s * has_suggestion::int), sum(s * applied::int), sum(s * reraised::int),
               sum(s * (disposition = 'applied')::int), sum(s * (disposition = 'addressed')::int), sum(s * (disposition = 'dismissed')::int)
        from d group by 1, 2
        on conflict (day, repository_id) do update
            set suggestions = analytics_daily.suggestions + excluded.suggestions, applied = analytics_daily.applied + excluded.applied,
                reraised = analytics_daily.reraised + excluded.reraised,
                disposition_applied = analytics_daily.disposition_applied + excluded.disposition_applied,
                disposition_addressed = analytics_daily.disposition_addressed + excluded.disposition_addressed,
                disposition_dismissed = analytics_daily.disposition_dismissed + excluded.disposition_dismissed
    )
    insert into analytics_daily_groups (dim, value, day, repository_id, suggestions, applied, reraised, disposition_applied,
                                        disposition_addressed, disposition_dismissed)
    select g.dim, g.value, (d.created_at at time zone 'UTC')::date, d.repository_id, sum(d.s * d.has_suggestion::int),
           sum(d.s * d.applied::int), sum(d.s * d.reraised::int), sum(d.s * (d.disposition = 'applied')::int),
           sum(d.s * (d.disposition = 'addressed')::int), sum(d.s * (d.disposition = 'dismissed')::int)
    from d cross join lateral review_comment_dims(d.labels, d.rule, d.category, d.severity) g
    group by 1, 2, 3, 4
    on conflict (dim, value, day, repository_id) do update
        set suggestions = analytics_daily_groups.suggestions + excluded.suggestions, applied = analytics_daily_groups.applied + excluded.applied,
            reraised = analytics_daily_groups.reraised + excluded.reraised,
            disposition_applied = analytics_daily_groups.disposition_applied + excluded.disposition_applied,
            disposition_addressed = analytics_daily_groups.disposition_addressed + excluded.disposition_addressed,
            disposition_dismissed = analytics_daily_groups.disposition_dismissed + excluded.disposition_dismissed;
$$;

create function review_comments_outcomes_added() returns trigger language plpgsql as $$
begin
    perform review_comments_outcomes_apply(array(
        select row(1, t.created_at, t.repository_id, t.labels, t.rule, t.category, t.severity, t.suggested_lines is not null,
                   t.suggested_lines is not null and t.applied_commit is not null, t.reraise_of is not null, t.disposition)::review_comment_outcome
        from added t where t.repository_id is not null));
    return null;
end $$;
create trigger review_comments_outcomes_added after insert on review_comments
    referencing new table as added for each statement execute function review_comments_outcomes_added();

create function review_comments_outcomes_removed() returns trigger language plpgsql as $$
begin
    perform review_comments_outcomes_apply(array(
        select row(-1, t.created_at, t.repository_id, t.labels, t.rule, t.category, t.severity, t.suggested_lines is not null,
                   t.suggested_lines is not null and t.applied_commit is not null, t.reraise_of is not null, t.disposition)::review_comment_outcome
        from removed t where t.repository_id is not null));
    return null;
end $$;
create trigger review_comments_outcomes_removed after delete on review_comments
    referencing old table as removed for each statement execute function review_comments_outcomes_removed();

-- An update moves a comment's contribution only when something counted (or where it is counted) changed: the old row
-- leaves, the new one enters; a poll's bookkeeping updates change nothing here.
create function review_comments_outcomes_changed() returns trigger language plpgsql as $$
begin
    perform review_comments_outcomes_apply(array(
        with x as (
            select row(-1, o.created_at, o.repository_id, o.labels, o.rule, o.category, o.severity, o.suggested_lines is not null,
                       o.suggested_lines is not null and o.applied_commit is not null, o.reraise_of is not null, o.disposition)::review_comment_outcome as was,
                   row(1, n.created_at, n.repository_id, n.labels, n.rule, n.category, n.severity, n.suggested_lines is not null,
                       n.suggested_lines is not null and n.applied_commit is not null, n.reraise_of is not null, n.disposition)::review_comment_outcome as now
            from old_rows o join new_rows n on n.kind = o.kind and n.github_comment_id = o.github_comment_id
        )
        select r from x cross join lateral (values (x.was), (x.now)) v(r)
        where (x.was).created_at is distinct from (x.now).created_at or (x.was).repository_id is distinct from (x.now).repository_id
           or (x.was).labels is distinct from (x.now).labels or (x.was).rule is distinct from (x.now).rule
           or (x.was).category is distinct from (x.now).category or (x.was).severity is distinct from (x.now).severity
           or (x.was).has_suggestion is distinct from (x.now).has_suggestion or (x.was).applied is distinct from (x.now).applied
           or (x.was).reraised is distinct from (x.now).reraised or (x.was).disposition is distinct from (x.now).disposition));
    return null;
end $$;
create trigger review_comments_outcomes_changed after update on review_comments
    referencing old table as old_rows new table as new_rows for each statement execute function review_comments_outcomes_changed();
