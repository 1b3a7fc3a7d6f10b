-- Budget-aware poll scheduling: each comment carries when it is next due and when its reactions last changed, both
-- written by the reconcile statement; selection walks an index on next_due_at instead of scanning the window.

-- Never polled: due since the beginning of time, so first in line.
alter table review_comments add column next_due_at timestamptz not null default '-infinity';
alter table review_comments add column changed_at timestamptz null;
update review_comments set next_due_at = coalesce(polled_at, '-infinity');

-- The installation that polls the comment (its repository's current one), kept here so the scheduler walks one
-- installation's comments in due order on one index. Set at insert, followed when a repository changes installation
-- or a run changes repository (a rename merged into an existing row).
alter table review_comments add column installation_id bigint null;
update review_comments c set installation_id = r.installation_id
from tasks t join repositories r on r.id = t.repository_id where t.id = c.task_id;
create index review_comments_due on review_comments (installation_id, next_due_at);

create function review_comments_installation() returns trigger language plpgsql as $$
begin
    select r.installation_id into new.installation_id
    from tasks t join repositories r on r.id = t.repository_id where t.id = new.task_id;
    return new;
end $$;
create trigger review_comments_installation before insert on review_comments
    for each row execute function review_comments_installation();

create function repositories_follow_installation() returns trigger language plpgsql as $$
begin
    update review_comments c set installation_id = new.installation_id
    from tasks t where t.id = c.task_id and t.repository_id = new.id;
    return null;
end $$;
create trigger repositories_follow_installation after update of installation_id on repositories
    for each row when (old.installation_id is distinct from new.installation_id)
    execute function repositories_follow_installation();

create function tasks_follow_repository() returns trigger language plpgsql as $$
begin
    update review_comments c set installation_id = r.installation_id
    from repositories r where r.id = new.repository_id and c.task_id = new.id;
    return null;
end $$;
create trigger tasks_follow_repository after update of repository_id on tasks
    for each row when (old.repository_id is distinct from new.repository_id)
    execute function tasks_follow_repository();

-- What GitHub last said of each installation's budget, and what the scheduler made of it (the health page reads it).
create table installation_budgets (
    installation_id    bigint      primary key,
    bucket             text        not null check (bucket in ('core', 'graphql')),
    rate_limit         integer     not null,
    remaining          integer     not null,
    reset_at           timestamptz not null,
    read_at            timestamptz not null,
    comments_in_window integer     not null default 0,
    capacity           integer     not null default 0,
    expected_lag       jsonb       not null default '{}',
    -- Points saved up from cycles whose share bought less than one request.
    credit             double precision not null default 0
);

-- Points each installation spent per cycle: points per hour is a sum over the last hour.
create table installation_spend (
    installation_id bigint      not null,
    cycle_at        timestamptz not null,
    points          integer     not null,
    primary key (installation_id, cycle_at)
);
