"""Login timing: an unknown email against a wrong password, over many trials.

The two must be indistinguishable (goal: medians within 20% of each other); a correct login is
shown for scale. Run: `python -m bench.bench_auth [--trials N]`. Starts its own devstack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from devstack.stack import DevStack, StackOptions
from services.auth import AuthService, LoginFailed
from services.backend import Backend
from services.passwords import hash_password

PASSWORD = "correct horse battery"


async def timed(auth: AuthService, email: str, password: str) -> float:
    start = time.perf_counter()
    with contextlib.suppress(LoginFailed):
        await auth.authenticate(email, password)
    return time.perf_counter() - start


async def run(trials: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = DevStack(StackOptions(data_dir=Path(tmp), yclients=False))
        info = await stack.start()
        try:
            db = await stack.connect()
            tenant = await db.fetchval(
                "insert into dashboard.tenants (name) values ('bench') returning id"
            )
            await db.execute(
                "insert into dashboard.users (tenant_id, email, encrypted_password, role) "
                "values ($1, 'known@bench.test', $2, 'operator')",
                tenant,
                await hash_password(PASSWORD),
            )
            backend = await Backend.open(info.supabase_url, SecretStr(info.service_key))
            auth = AuthService(backend)
            unknown: list[float] = []
            wrong: list[float] = []
            right: list[float] = []
            for i in range(trials):
                # Interleaved, and each email only 3 failures deep, so no lockout kicks in.
                await db.execute("delete from dashboard.login_attempts")
                unknown.append(await timed(auth, f"nobody{i}@bench.test", PASSWORD))
                wrong.append(await timed(auth, "known@bench.test", "wrong horse battery"))
                right.append(await timed(auth, "known@bench.test", PASSWORD))
            await backend.close()
            await db.close()
        finally:
            await stack.stop()
    med_unknown, med_wrong = statistics.median(unknown), statistics.median(wrong)
    ratio = max(med_unknown, med_wrong) / min(med_unknown, med_wrong)
    print(f"login timing over {trials} interleaved trials (bcrypt cost 12, devstack)")
    for name, samples in (
        ("unknown email", unknown),
        ("wrong password", wrong),
        ("correct", right),
    ):
        print(
            f"  {name:<15} median {statistics.median(samples) * 1000:7.1f} ms  "
            f"stdev {statistics.pstdev(samples) * 1000:6.1f} ms"
        )
    verdict = "ok" if ratio <= 1.2 else "OVER GOAL"
    print(f"  unknown/wrong ratio {ratio:.3f} (goal <= 1.20: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=30)
    asyncio.run(run(parser.parse_args().trials))


if __name__ == "__main__":
    main()
