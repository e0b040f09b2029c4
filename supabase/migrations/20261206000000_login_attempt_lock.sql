-- Lockout that holds under concurrency (issue 17 §3). The app used to read the attempts, run
-- bcrypt (~250 ms) and only then record a failure, so N concurrent guesses all passed the
-- check: the guesses per window grew with the number of sessions. Here the check and the
-- record are one step under a per-email advisory lock, taken BEFORE bcrypt runs: every guess
-- is counted (as a failure, until the app marks it a success) before its password is checked,
-- so at most p_failures guesses are checked per window, whatever the concurrency.
--
-- The rule is services/auth.py's `lock_end`: any p_failures consecutive failures (no success
-- between them) spanning at most p_window_s lock the email for p_duration_s after the last.

create or replace function dashboard.begin_login_attempt(
  p_email text,
  p_now timestamptz,
  p_failures integer,
  p_window_s integer,
  p_duration_s integer
) returns jsonb
language plpgsql volatile
set search_path = pg_catalog, dashboard
as $$
declare
  v_window interval := make_interval(secs => p_window_s);
  v_duration interval := make_interval(secs => p_duration_s);
  v_last_success timestamptz;
  v_failures timestamptz[];
  v_end timestamptz;
  v_id bigint;
begin
  if p_email is null or length(p_email) = 0 or length(p_email) > 320 then
    raise exception 'p_email must be 1 to 320 characters' using errcode = '22023';
  end if;
  if p_now is null or coalesce(p_failures, 0) < 1 or coalesce(p_window_s, 0) < 1
     or coalesce(p_duration_s, 0) < 1 then
    raise exception 'p_now, p_failures, p_window_s and p_duration_s are required'
      using errcode = '22023';
  end if;
  -- One login per email at a time between the check and the record; released at commit.
  perform pg_advisory_xact_lock(hashtextextended('dashboard.login_attempts:' || p_email, 0));

  select max(created_at) into v_last_success
  from login_attempts
  where email = p_email and succeeded and created_at >= p_now - v_window - v_duration;

  select array_agg(created_at order by created_at) into v_failures
  from login_attempts
  where email = p_email and not succeeded
    and created_at >= p_now - v_window - v_duration
    and (v_last_success is null or created_at > v_last_success);

  for i in 1 .. coalesce(array_length(v_failures, 1), 0) - p_failures + 1 loop
    if v_failures[i + p_failures - 1] - v_failures[i] <= v_window then
      v_end := greatest(v_end, v_failures[i + p_failures - 1] + v_duration);
    end if;
  end loop;
  if v_end is not null and v_end > p_now then
    return jsonb_build_object('locked_until', v_end);
  end if;

  insert into login_attempts (email, succeeded, created_at)
  values (p_email, false, p_now)
  returning id into v_id;
  return jsonb_build_object('attempt_id', v_id);
end
$$;

revoke all on function dashboard.begin_login_attempt(text, timestamptz, integer, integer, integer)
  from public, anon, authenticated;
grant execute on function dashboard.begin_login_attempt(text, timestamptz, integer, integer, integer)
  to service_role;
