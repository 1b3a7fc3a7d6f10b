-- A reconcile statement writes ~1,000 reactions; a foreign key checks each row on its own (an index probe and a
-- row lock per reaction: a third of the statement's time). The reconciler instead writes reactions only for the
-- comments its own UPDATE … RETURNING has just locked (see ReactionsReconciler), and a comment's deletion removes
-- its reactions set-based, as the cascade did.
alter table review_feedback drop constraint review_feedback_kind_github_comment_id_fkey;

create function review_comments_feedback_removed() returns trigger language plpgsql as $$
begin
    delete from review_feedback f using removed r where f.kind = r.kind and f.github_comment_id = r.github_comment_id;
    return null;
end $$;
create trigger review_comments_feedback_removed after delete on review_comments
    referencing old table as removed for each statement execute function review_comments_feedback_removed();
