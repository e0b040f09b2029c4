-- What the bot did, and when: every status a conversation takes (from its first), and every
-- change of a wishlist entry's status.
--
-- The bot's tables keep only the current status. The operator's alerts (a hand-off to staff,
-- once per event) and the bot's figures (the wishlist funnel, time to a human's answer) need
-- the moments of change, so the dashboard records them itself, with a trigger on the bot's
-- tables that only ever writes here. The trigger never changes the bot's row and never fails
-- the bot's write: an error while recording is swallowed (the event is then missing, which
-- `agentp doctor` cannot see, but the bot keeps working).
--
-- If the bot's project recreates its tables, the triggers go with them: apply this migration
-- again by hand, or call `dashboard.watch_bot_tables()` (20261206220000_bot_events_watch.sql).
-- `agentp doctor` says when they are missing.

create table if not exists dashboard.bot_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  source text not null check (source in ('wishlist', 'conversation')),
  row_id text not null check (length(row_id) between 1 and 100),
  status text not null check (length(status) <= 64),
  previous_status text check (length(previous_status) <= 64),
  at timestamptz not null default now()
);

create index if not exists bot_events_tenant_at on dashboard.bot_events (tenant_id, at);
create index if not exists bot_events_tenant_row on dashboard.bot_events (tenant_id, source, row_id);

alter table dashboard.bot_events enable row level security;
revoke all on dashboard.bot_events from public, anon, authenticated;
grant select on dashboard.bot_events to service_role;

create or replace function dashboard.record_bot_event() returns trigger
language plpgsql
security definer
set search_path = pg_catalog
as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    begin
      insert into dashboard.bot_events (tenant_id, source, row_id, status, previous_status)
      values (
        new.tenant_id, tg_argv[0], new.id::text, left(new.status, 64),
        case when tg_op = 'UPDATE' then left(old.status, 64) end
      );
    exception when others then
      -- The bot's write matters more than our record of it.
      null;
    end;
  end if;
  return null;
end
$$;

revoke all on function dashboard.record_bot_event() from public, anon, authenticated;

do $$
begin
  if to_regclass('public.wishlist_v2') is not null then
    drop trigger if exists wishlist_v2_dashboard_events on public.wishlist_v2;
    -- A new entry is no event: its created_at says when, and a busy bot's inserts would
    -- otherwise flood every app's events feed. Its status changes are the funnel.
    create trigger wishlist_v2_dashboard_events
      after update of status on public.wishlist_v2
      for each row execute function dashboard.record_bot_event('wishlist');
  end if;
  if to_regclass('public.conversation_sessions_v2') is not null then
    drop trigger if exists conversation_sessions_v2_dashboard_events
      on public.conversation_sessions_v2;
    create trigger conversation_sessions_v2_dashboard_events
      after insert or update of status on public.conversation_sessions_v2
      for each row execute function dashboard.record_bot_event('conversation');
  end if;
  if not exists (
    select 1 from pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'dashboard' and tablename = 'bot_events'
  ) then
    alter publication supabase_realtime add table dashboard.bot_events;
  end if;
end
$$;

-- An optional heartbeat the bot may write (docs/bot-commands.md): one row per salon, its `at`
-- moved forward at every poll. Where a bot never writes it, the dashboard infers the bot's
-- health from the command queue alone.
create table if not exists dashboard.bot_heartbeat (
  tenant_id uuid primary key references dashboard.tenants (id) on delete cascade,
  at timestamptz not null default now(),
  version text check (version is null or length(version) <= 100)
);

alter table dashboard.bot_heartbeat enable row level security;
revoke all on dashboard.bot_heartbeat from public, anon, authenticated;
grant select, insert, update, delete on dashboard.bot_heartbeat to service_role;

-- Alerts come once per event and user: the app session that inserts the receipt alerts, every
-- other (a second terminal, the same app after a reconnect or a restart) finds it there.
create table if not exists dashboard.alert_receipts (
  user_id uuid not null references dashboard.users (id) on delete cascade,
  event_key text not null check (length(event_key) between 1 and 200),
  at timestamptz not null default now(),
  primary key (user_id, event_key)
);

alter table dashboard.alert_receipts enable row level security;
revoke all on dashboard.alert_receipts from public, anon, authenticated;
grant select, insert, delete on dashboard.alert_receipts to service_role;
