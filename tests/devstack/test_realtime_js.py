"""supabase-js (pinned in tests/js) as a Realtime client: protocol vsn 2.0.0, its default."""

from __future__ import annotations

import asyncpg

from devstack.stack import DevStack
from tests.devstack.js_realtime import run_realtime_js
from tests.devstack.realtime_helpers import make_table


async def test_supabase_js_default_options_receive_insert_update_delete(
    devstack: DevStack, db: asyncpg.Connection
) -> None:
    table = await make_table(db, "id bigint primary key, title text")
    await devstack.rest.reload_schema()
    result = await run_realtime_js(
        devstack,
        """
const sb = client();
const channel = sb.channel('js-changes')
  .on('postgres_changes', {event: '*', schema: 'public', table: env.TABLE},
      (p) => seen.push({eventType: p.eventType, new: p.new, old: p.old,
                        table: p.table, schema: p.schema, errors: p.errors}));
await subscribed(channel);
const vsn = sb.realtime.vsn;
const t = sb.from(env.TABLE);
await t.insert({id: 1, title: 'a'});
await until(() => seen.length >= 1);
await t.update({title: 'b'}).eq('id', 1);
await until(() => seen.length >= 2);
await t.delete().eq('id', 1);
await until(() => seen.length >= 3);
done({vsn, seen});
""",
        TABLE=table,
    )
    assert result["vsn"] == "2.0.0"
    common = {"table": table, "schema": "public", "errors": None}
    assert result["seen"] == [
        {"eventType": "INSERT", "new": {"id": 1, "title": "a"}, "old": {}, **common},
        {"eventType": "UPDATE", "new": {"id": 1, "title": "b"}, "old": {"id": 1}, **common},
        {"eventType": "DELETE", "new": {}, "old": {"id": 1}, **common},
    ]
