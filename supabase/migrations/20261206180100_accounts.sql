-- Accounts managed in the app: own password change, the Staff screen, the Audit view.

-- When an account's password was last set. Every open session of the user remembers the value
-- it logged in with and watches the row (the account feed, the same one that signs a
-- deactivated user out): a new value means the password changed elsewhere, so the session
-- ends within seconds. NULL: never changed since the account was created.
alter table dashboard.users add column if not exists password_changed_at timestamptz;

-- A role or active change made through the dashboard (the Staff screen, `agentp user`), with
-- the rule that a salon keeps an active admin. The tenant row is locked first, so two admins
-- demoting each other at the same moment are serialised and the second one is refused.
create or replace function dashboard.set_user_access(
  p_tenant uuid, p_user uuid, p_role text, p_active boolean
) returns jsonb
language plpgsql volatile
set search_path = pg_catalog
as $$
declare
  target dashboard.users;
begin
  perform 1 from dashboard.tenants where id = p_tenant for update;
  select * into target from dashboard.users where id = p_user and tenant_id = p_tenant for update;
  if not found then
    raise exception 'no such user in this salon' using errcode = 'P0002';
  end if;
  if target.role = 'admin' and target.active
     and not (coalesce(p_role, target.role) = 'admin' and coalesce(p_active, target.active))
     and not exists (
       select 1 from dashboard.users u
       where u.tenant_id = p_tenant and u.id <> p_user and u.role = 'admin' and u.active)
  then
    raise exception 'the last active admin of a salon cannot be deactivated or demoted'
      using errcode = 'P0001', hint = 'make another user of the salon an admin first';
  end if;
  update dashboard.users
  set role = coalesce(p_role, role), active = coalesce(p_active, active)
  where id = p_user and tenant_id = p_tenant
  returning * into target;
  return jsonb_build_object('id', target.id, 'role', target.role, 'active', target.active);
end
$$;

revoke all on function dashboard.set_user_access(uuid, uuid, text, boolean)
  from public, anon, authenticated;
grant execute on function dashboard.set_user_access(uuid, uuid, text, boolean) to service_role;

-- Every command queued for the bot is an audit row too ("commands sent", "pauses and
-- resumes" in the Audit view), written once per command: a repeated insert with the same
-- idempotency key is skipped by ON CONFLICT and fires no row trigger.
create or replace function dashboard.audit_bot_command() returns trigger
language plpgsql
set search_path = pg_catalog
as $$
begin
  insert into dashboard.audit_log (tenant_id, user_id, email, action, detail)
  select new.tenant_id, new.created_by, u.email, left('command.' || new.command_type, 64),
         jsonb_build_object('command_id', new.id::text, 'command_type', new.command_type)
  from (select 1) one
  left join dashboard.users u on u.id = new.created_by;
  return new;
end
$$;

create trigger bot_commands_audit after insert on dashboard.bot_commands
  for each row execute function dashboard.audit_bot_command();

-- The Audit view: a salon's rows of some kinds, newest first, paged by (created_at, id).
create index if not exists audit_log_tenant_action_created
  on dashboard.audit_log (tenant_id, action, created_at desc, id desc);
