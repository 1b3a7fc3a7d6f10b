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

-- The one statement all three triggers run: it adds the signed rows of DELTA (s = +1 entering, -1 leaving) into both
-- rollups, one grouped upsert each. Built as text so each trigger runs it (EXECUTE) over its own transition table.
create function review_comments_outcomes_sql(delta text) returns text language sql immutable as $f$
    select format($q$
    with d as (%s), per_day as (
        insert into analytics_daily (day, repository_id, suggestions, applied, reraised, disposition_applied, disposition_addressed, disposition_dismissed)
        select (created_at at time zone 'UTC')::date, repository_id, sum(s * has_suggestion::int),
               sum(s * (has_suggestion and applied_commit is not null)::int), sum(s * (reraise_of is not null)::int),
               sum(s * (disposition = 'applied')::int), sum(s * (disposition = 'addressed')::int), sum(s * (disposition = 'dismissed')::int)
        from d where repository_id is not null group by 1, 2
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
           sum(d.s * (d.has_suggestion and d.applied_commit is not null)::int), sum(d.s * (d.reraise_of is not null)::int),
           sum(d.s * (d.disposition = 'applied')::int), sum(d.s * (d.disposition = 'addressed')::int),
           sum(d.s * (d.disposition = 'dismissed')::int)
    from d cross join lateral review_comment_dims(d.labels, d.rule, d.category, d.severity) g
    where d.repository_id is not null
    group by 1, 2, 3, 4
    on conflict (dim, value, day, repository_id) do update
        set suggestions = analytics_daily_groups.suggestions + excluded.suggestions, applied = analytics_daily_groups.applied + excluded.applied,
            reraised = analytics_daily_groups.reraised + excluded.reraised,
            disposition_applied = analytics_daily_groups.disposition_applied + excluded.disposition_applied,
            disposition_addressed = analytics_daily_groups.disposition_addressed + excluded.disposition_addressed,
            disposition_dismissed = analytics_daily_groups.disposition_dismissed + excluded.disposition_dismissed
    $q$, delta)
$f$;

-- What a comment contributes, read from a transition table (the suggested lines themselves, not the generated flag).
create function review_comments_outcome_row(sign int, source text) returns text language sql immutable as $f$
    select format('select %s as s, t.created_at, t.repository_id, t.labels, t.rule, t.category, t.severity, '
                  '(t.suggested_lines is not null) as has_suggestion, t.applied_commit, t.reraise_of, t.disposition from %s', sign, source)
$f$;

create function review_comments_outcomes_added() returns trigger language plpgsql as $$
begin
    execute review_comments_outcomes_sql(review_comments_outcome_row(1, 'added t'));
    return null;
end $$;
create trigger review_comments_outcomes_added after insert on review_comments
    referencing new table as added for each statement execute function review_comments_outcomes_added();

create function review_comments_outcomes_removed() returns trigger language plpgsql as $$
begin
    execute review_comments_outcomes_sql(review_comments_outcome_row(-1, 'removed t'));
    return null;
end $$;
create trigger review_comments_outcomes_removed after delete on review_comments
    referencing old table as removed for each statement execute function review_comments_outcomes_removed();

-- An update moves a comment's contribution only when something counted (or where it is counted) changed: the old row
-- leaves, the new one enters; a poll's bookkeeping updates change nothing here.
create function review_comments_outcomes_changed() returns trigger language plpgsql as $$
begin
    execute review_comments_outcomes_sql($d$
        with moved as (
            select o.kind, o.github_comment_id
            from old_rows o join new_rows n on n.kind = o.kind and n.github_comment_id = o.github_comment_id
            where (o.created_at, o.repository_id, o.labels, o.rule, o.category, o.severity, o.suggested_lines is not null,
                   o.applied_commit is not null, o.reraise_of is not null, o.disposition)
                  is distinct from
                  (n.created_at, n.repository_id, n.labels, n.rule, n.category, n.severity, n.suggested_lines is not null,
                   n.applied_commit is not null, n.reraise_of is not null, n.disposition)
        )
        $d$ || review_comments_outcome_row(-1, 'old_rows t join moved m on m.kind = t.kind and m.github_comment_id = t.github_comment_id')
            || ' union all '
            || review_comments_outcome_row(1, 'new_rows t join moved m on m.kind = t.kind and m.github_comment_id = t.github_comment_id'));
    return null;
end $$;
create trigger review_comments_outcomes_changed after update on review_comments
    referencing old table as old_rows new table as new_rows for each statement execute function review_comments_outcomes_changed();
