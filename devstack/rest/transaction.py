"""One request's transaction in three round trips instead of five.

The statements are those PostgREST sends (BEGIN; set_config of role, claims, method and path,
all local; the request's statement; COMMIT), followed by asyncpg's session reset when the pool
takes the connection back. Each round trip to Postgres is a wake-up of two processes, which on
a busy machine costs more than anything the REST layer computes, so the BEGIN travels with the
set_config call and the reset with the COMMIT, each as one simple-protocol message.

A read-only request's answer is final once its statement has run: nothing it did can be
undone or made visible by the COMMIT. So the REST service answers first and commits after
(`commit_now=False`), and the client waits two round trips, not three. The connection goes
back to the pool only after its COMMIT and reset, so the next request never sees it mid-way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

# The parameterised form, kept for values a simple-protocol message cannot carry (NUL).
SET_REQUEST_SQL = (
    "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), "
    "set_config('request.method', $3, true), set_config('request.path', $4, true)"
)


class RequestConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg has no stubs
    """A pooled connection that can skip the pool's reset round trip when the request already
    ran the same reset right after its COMMIT."""

    __slots__ = ("_reset_sent",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reset_sent = False

    def session_reset_sql(self) -> str:
        return str(super().get_reset_query())

    def get_reset_query(self) -> str:
        # Called by Connection.reset() as the pool takes the connection back.
        if self._reset_sent:
            self._reset_sent = False
            return ""
        return self.session_reset_sql()

    def mark_reset_sent(self) -> None:
        # A method, not an attribute write: the pool hands out a proxy that forwards calls.
        self._reset_sent = True


def sql_literal(value: str) -> str:
    """Postgres's quote_literal: right whatever standard_conforming_strings says."""
    quoted = value.replace("'", "''")
    if "\\" in quoted:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def begin_sql(readonly: bool, role: str, claims: str, method: str, path: str) -> str | None:
    """BEGIN and the request's settings as one message; None if a value holds a NUL, where the
    message would end: such a request keeps the bound parameters (and their refusal)."""
    if any("\x00" in v for v in (role, claims, method, path)):
        return None
    values = ", ".join(
        f"set_config('{name}', {sql_literal(value)}, true)"
        for name, value in (
            ("role", role),
            ("request.jwt.claims", claims),
            ("request.method", method),
            ("request.path", path),
        )
    )
    return f"BEGIN{' READ ONLY' if readonly else ''};\nselect {values}"


async def in_transaction(
    conn: RequestConnection,
    settings: tuple[str, str, str, str],
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    *,
    readonly: bool,
    began: Callable[[], None],
    commit_now: bool = True,
) -> T:
    """`work` between BEGIN + settings and COMMIT + session reset; ROLLBACK on any error.
    `began` is called once the transaction is open (a retry is safe only before that). With
    `commit_now` false the transaction is left open on success, for `commit` to end."""
    sql = begin_sql(readonly, *settings)
    try:
        if sql is None:
            await conn.execute(f"BEGIN{' READ ONLY' if readonly else ''};")
            began()
            await conn.fetchrow(SET_REQUEST_SQL, *settings)
        else:
            await conn.execute(sql)
            began()
        result = await work(conn)
    except BaseException:
        if not conn.is_closed() and conn.is_in_transaction():
            await conn.execute("ROLLBACK;")
        raise
    if commit_now:
        await commit(conn)
    return result


async def commit(conn: RequestConnection) -> None:
    """COMMIT and the session reset in one message; the pool then skips its own reset."""
    await conn.execute("COMMIT;\n" + conn.session_reset_sql())
    conn.mark_reset_sent()
