-- Pollers scale out: each live poller keeps a row here fresh; installations are split over the live ones.
create table poller_instances (
    instance    text        primary key,
    started_at  timestamptz not null,
    beat_at     timestamptz not null,
    -- Set by the poller itself (a few of its ticks ahead), so pollers with different intervals judge each other right.
    alive_until timestamptz not null
);

-- Claims expire by time, not by cycle number: a changed interval or a restart never strands an installation.
-- A claim is held while released_at is null and lease_until is ahead; completed_at is the last poll that finished
-- its work (one cut short by the deadline leaves it, so the installation goes first next cycle).
alter table poller_installations drop column last_cycle;
alter table poller_installations add column lease_until timestamptz null;
alter table poller_installations add column released_at timestamptz null;
alter table poller_installations add column completed_at timestamptz null;
update poller_installations set lease_until = claimed_at, released_at = claimed_at, completed_at = claimed_at;
alter table poller_installations alter column lease_until set not null;

-- A cycle whose poller died (a kill, a lost database) is closed as interrupted by the next poller start or heartbeat.
alter table poll_cycles drop constraint poll_cycles_status_check;
alter table poll_cycles add constraint poll_cycles_status_check
    check (status in ('running', 'ok', 'partial', 'failed', 'cancelled', 'interrupted'));
alter table poll_cycles add column installations_polled integer not null default 0;
alter table poll_cycles add column installations_skipped integer not null default 0;
create index poll_cycles_running on poll_cycles (instance) where status = 'running';
