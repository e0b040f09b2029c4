"""supabase-js against the devstack's Realtime: scripts run by Node off the event loop.

The devstack serves from the test's own event loop, so a script runs in a worker thread
(`asyncio.to_thread`) while the loop keeps answering it. Scripts get the stack's URL and keys
from the environment and print one JSON line; PRELUDE gives them a client with the `ws`
transport and default options (so protocol vsn 2.0.0) and a deadline that prints the state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from devstack.stack import DevStack
from tests.jsclient import run_js

PRELUDE = """
import {createClient} from '@supabase/supabase-js';
import WebSocket from 'ws';
const env = process.env;
const client = (key) => createClient(env.SB_URL, key ?? env.SB_KEY, {
  realtime: {transport: WebSocket},
  auth: {persistSession: false, autoRefreshToken: false},
});
// A signed-in user's realtime: the user's JWT goes in every join (as after a sign-in).
const userClient = async (key, token) => {
  const sb = client(key);
  await sb.realtime.setAuth(token);
  return sb;
};
const seen = [];
const deadline = setTimeout(() => {
  console.log(JSON.stringify({timeout: true, seen}));
  process.exit(0);
}, Number(env.SB_DEADLINE_MS ?? 20000));
const done = (result) => {
  clearTimeout(deadline);
  console.log(JSON.stringify(result));
  process.exit(0);
};
const subscribed = (channel) => new Promise((resolve, reject) => {
  channel.subscribe((status, err) => {
    if (status === 'SUBSCRIBED') resolve(status);
    else reject(new Error(`${status}: ${err?.message ?? ''}`));
  });
});
const until = async (check) => {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
};
"""


async def run_realtime_js(
    devstack: DevStack, body: str, *, key: str | None = None, **env: str
) -> Any:
    variables = {
        "SB_URL": devstack.info.supabase_url,
        "SB_KEY": key or devstack.info.anon_key,
        **env,
    }
    return await asyncio.to_thread(run_js, PRELUDE + body, env=variables)
