-- The bot-events triggers, re-installable and checkable.
--
-- The triggers of 20261206000300_bot_events.sql live on the bot's own tables: if the bot's
-- project drops and recreates `public.wishlist_v2` or `public.conversation_sessions_v2`, they
-- are gone, and with them the operator's hand-off alerts and the bot's funnel figures. A
-- migration is recorded as applied once, so applying it again is not what a runner does.
-- `dashboard.watch_bot_tables()` puts them back (idempotent; run it as the project's owner,
-- e.g. in the SQL editor, or through the service role), and `dashboard.bot_event_triggers()`
-- tells `agentp doctor` which of the two tables records its changes.

create or replace function dashboard.watch_bot_tables() returns jsonb
language plpgsql
security definer
set search_path = pg_catalog
as $$
declare
  installed jsonb := '[]'::jsonb;
begin
  if to_regclass('public.wishlist_v2') is not null then
    drop trigger if exists wishlist_v2_dashboard_events on public.wishlist_v2;
    -- A new entry is no event (see 20261206000300_bot_events.sql): status changes are.
    create trigger wishlist_v2_dashboard_events
      after update of status on public.wishlist_v2
      for each row execute function dashboard.record_bot_event('wishlist');
    installed := installed || '["public.wishlist_v2"]'::jsonb;
  end if;
  if to_regclass('public.conversation_sessions_v2') is not null then
    drop trigger if exists conversation_sessions_v2_dashboard_events
      on public.conversation_sessions_v2;
    create trigger conversation_sessions_v2_dashboard_events
      after insert or update of status on public.conversation_sessions_v2
      for each row execute function dashboard.record_bot_event('conversation');
    installed := installed || '["public.conversation_sessions_v2"]'::jsonb;
  end if;
  return installed;
end
$$;

create or replace function dashboard.bot_event_triggers() returns jsonb
language sql
stable
security definer
set search_path = pg_catalog
as $$
  select jsonb_build_object(
    'public.wishlist_v2', exists (
      select 1 from pg_trigger
      where tgrelid = to_regclass('public.wishlist_v2')
        and tgname = 'wishlist_v2_dashboard_events' and tgenabled <> 'D'),
    'public.conversation_sessions_v2', exists (
      select 1 from pg_trigger
      where tgrelid = to_regclass('public.conversation_sessions_v2')
        and tgname = 'conversation_sessions_v2_dashboard_events' and tgenabled <> 'D'))
$$;

revoke all on function dashboard.watch_bot_tables() from public, anon, authenticated;
revoke all on function dashboard.bot_event_triggers() from public, anon, authenticated;
grant execute on function dashboard.watch_bot_tables() to service_role;
grant execute on function dashboard.bot_event_triggers() to service_role;
