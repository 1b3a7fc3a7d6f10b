-- Replicas remember verified API keys for a few seconds; a revocation (or any change of a key) tells them all at
-- once, so a revoked key is refused everywhere well within the 5 s the README promises.
create function notify_api_keys() returns trigger language plpgsql as $$
begin
    perform pg_notify('api_keys', new.id::text);
    return new;
end $$;
create trigger api_keys_notify after update of revoked_at, scopes, installations, key_hash on api_keys
    for each row execute function notify_api_keys();
