-- A maintainers row keeps one association, the strongest (OWNER > MEMBER > COLLABORATOR). Whether the person is also a
-- direct collaborator is kept beside it, so an org member_removed webhook can leave a collaborator's row (as
-- COLLABORATOR) instead of dropping it until the next refresh.
alter table maintainers add column if not exists collaborator boolean not null default false;
update maintainers set collaborator = true where association = 'COLLABORATOR';
