"""`./dev conformance` against the devstack on both sides: the harness reports no difference
where there is none, and a real difference when one side changes."""

from __future__ import annotations

import dataclasses

from devstack.conformance.cases import CASES
from devstack.conformance.runner import Endpoint, compare, differences, run_cases
from devstack.stack import DevStack


async def test_devstack_against_itself_has_no_differences(devstack: DevStack) -> None:
    info = devstack.info
    side = Endpoint("devstack", info.supabase_url, info.service_key, info.database_url)
    # The other side on the secret key (sb_secret_…), as a current project hands it out.
    other = dataclasses.replace(side, label="again", key=info.secret_key)
    found, total = await compare(side, other)
    assert total == len(CASES)
    assert found == []


async def test_a_changed_answer_is_reported(devstack: DevStack) -> None:
    info = devstack.info
    side = Endpoint("devstack", info.supabase_url, info.service_key, info.database_url)
    cases = [c for c in CASES if c.name in ("char(2) eq keeps both letters", "explain")]
    left = await run_cases(side, cases)
    right = dict(left)
    right["explain"] = dataclasses.replace(left["explain"], status=200, body=[{"Plan": {}}])
    found = differences(left, right, ("devstack", "other"))
    assert len(found) == 1
    assert found[0].startswith("explain:\n  status: devstack 406, other 200")
    # The answers themselves are what PostgREST gives.
    assert left["char(2) eq keeps both letters"].body == [{"id": 1}]
    assert left["explain"].body["code"] == "PGRST107"
