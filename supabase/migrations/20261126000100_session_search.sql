-- Conversation list for the dashboard: filters, search over name / phone / message text, and
-- keyset pagination, in one call. PostgREST filters cannot reach inside the `messages` array,
-- so this lives in the database. The tenant is a parameter the service layer always binds.
-- plpgsql (not sql) so the function can be created before the bot's table exists.

create or replace function dashboard.search_sessions(
  p_tenant uuid,
  p_text text default null,
  p_phone_digits text default null,
  p_status text default null,
  p_channel text default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_before_at timestamptz default null,
  p_before_id text default null,
  p_limit integer default 50
) returns setof jsonb
language plpgsql stable
set search_path = pg_catalog, public
as $$
declare
  pattern text;
begin
  if p_tenant is null then
    raise exception 'p_tenant is required' using errcode = '22023';
  end if;
  if nullif(btrim(p_text), '') is not null then
    -- The search text is data: LIKE's own wildcards in it are escaped.
    pattern := '%' || replace(replace(replace(btrim(p_text), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  end if;
  return query
  select (to_jsonb(s) - 'messages')
         || jsonb_build_object(
              'activity_at', coalesce(s.last_message_at, s.started_at),
              'message_count', case when jsonb_typeof(s.messages) = 'array'
                                    then jsonb_array_length(s.messages) else 0 end,
              'last_message', case when jsonb_typeof(s.messages) = 'array'
                                        and jsonb_array_length(s.messages) > 0
                                   then s.messages -> (jsonb_array_length(s.messages) - 1) end)
  from public.conversation_sessions_v2 s
  where s.tenant_id = p_tenant
    and (p_status is null or s.status = p_status)
    and (p_channel is null or s.channel = p_channel)
    and (p_from is null or coalesce(s.last_message_at, s.started_at) >= p_from)
    and (p_to is null or coalesce(s.last_message_at, s.started_at) < p_to)
    and (p_before_at is null
         or (coalesce(s.last_message_at, s.started_at), s.id::text) < (p_before_at, p_before_id))
    and (
      (pattern is null and nullif(p_phone_digits, '') is null)
      or (pattern is not null and s.client_name ilike pattern)
      or (nullif(p_phone_digits, '') is not null
          and regexp_replace(regexp_replace(coalesce(s.client_phone, ''), '\D', '', 'g'),
                             '^[78]([0-9]{10})$', '\1')
              like '%' || p_phone_digits || '%')
      or (pattern is not null and jsonb_typeof(s.messages) = 'array' and exists (
            select 1 from jsonb_array_elements(s.messages) m
            where jsonb_typeof(m) = 'object' and m ->> 'text' ilike pattern))
    )
  order by coalesce(s.last_message_at, s.started_at) desc nulls last, s.id::text desc
  limit least(greatest(coalesce(p_limit, 50), 1), 500);
end
$$;

revoke all on function dashboard.search_sessions(uuid, text, text, text, text, timestamptz,
  timestamptz, timestamptz, text, integer) from public, anon, authenticated;
grant execute on function dashboard.search_sessions(uuid, text, text, text, text, timestamptz,
  timestamptz, timestamptz, text, integer) to service_role;
