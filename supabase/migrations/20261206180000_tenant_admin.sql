-- `agentp tenant list` and `agentp doctor`: the tenant ids the bot's own rows carry, with how
-- many rows of each table, and whether the dashboard has a `dashboard.tenants` row for them.
-- The bot owns `tenant_id`: a salon it serves exists in its tables before the dashboard knows
-- it. PostgREST cannot group or take distinct values, so this lives in the database.
-- plpgsql (not sql) so the function can be created before the bot's tables exist.

create or replace function dashboard.bot_tenant_rows() returns setof jsonb
language plpgsql stable
set search_path = pg_catalog, public
as $$
begin
  return query
  with seen as (
    select w.tenant_id, count(*) as wishlist_rows, 0::bigint as session_rows
    from public.wishlist_v2 w group by w.tenant_id
    union all
    select s.tenant_id, 0::bigint, count(*)
    from public.conversation_sessions_v2 s group by s.tenant_id
  )
  select jsonb_build_object(
           'tenant_id', seen.tenant_id,
           'wishlist_rows', sum(seen.wishlist_rows),
           'session_rows', sum(seen.session_rows),
           'known', exists (select 1 from dashboard.tenants t where t.id = seen.tenant_id))
  from seen
  group by seen.tenant_id
  order by seen.tenant_id;
end
$$;

revoke all on function dashboard.bot_tenant_rows() from public, anon, authenticated;
grant execute on function dashboard.bot_tenant_rows() to service_role;
