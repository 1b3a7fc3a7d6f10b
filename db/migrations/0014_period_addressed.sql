-- The analytics edges (the partial days a period starts and ends in) sum each comment's addressed state too since
-- 0008: the period index carries those columns, so the edge rows are read from the index alone, not the table.
drop index review_comments_period;
create index review_comments_period on review_comments (created_at)
    include (repository_id, up, down, outdated, resolved, resolved_by_bot);
