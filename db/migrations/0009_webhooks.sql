-- GitHub App webhooks (issue 18): what GitHub tells us between polls, applied once per delivery.

-- Comment text and thread signals. The signals migration (0008) adds the same columns with the same types; whichever
-- runs first creates them, the other finds them there.
alter table review_comments
    add column if not exists body text null,
    add column if not exists resolved boolean null,
    add column if not exists resolved_by text null,
    add column if not exists resolved_by_bot boolean null,
    add column if not exists thread_node_id text null;

-- Each X-GitHub-Delivery once: the insert of its row and its effect commit together, so a replay (GitHub's own
-- redelivery, a retry, a duplicate) finds the row and changes nothing. outcome: applied | ignored | failed.
create table webhook_deliveries (
    guid            text        primary key,
    event           text        not null,
    action          text        null,
    installation_id bigint      null,
    received_at     timestamptz not null,
    outcome         text        not null check (outcome in ('applied', 'ignored', 'failed')),
    detail          text        null
);
create index webhook_deliveries_received on webhook_deliveries (received_at);

-- Deliveries refused for a missing or bad signature, counted per minute: bounded however many arrive (no row per
-- request for whoever sends them).
create table webhook_rejections (
    minute   timestamptz primary key,
    rejected integer     not null
);

