-- When an account's password was last set. Every open session of the user remembers the value
-- it logged in with and watches the row (the account feed, the same one that signs a
-- deactivated user out): a new value means the password changed elsewhere, so the session
-- ends within seconds. NULL: never changed since the account was created.
alter table dashboard.users add column if not exists password_changed_at timestamptz;

-- The Audit view: a salon's rows of some kinds, newest first.
create index if not exists audit_log_tenant_action_created
  on dashboard.audit_log (tenant_id, action, created_at desc, id desc);
