"""No secret in any error line (issue 17 §6): a URL may carry a password (`user:pass@host`) or
a key in its query; the sentences the app shows and logs name the host, never those."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.backend import Backend
from services.doctor import check_realtime, check_supabase
from services.errors import ServiceError
from services.urls import shown_url
from services.yclients.client import YClientsClient
from services.yclients.errors import YClientsError

PASSWORD = "Db-Pa55word-never-shown"
URL = f"http://dashboard:{PASSWORD}@127.0.0.1:9/?apikey={PASSWORD}"


async def test_an_unreachable_backend_is_named_by_host_without_its_password() -> None:
    backend = await Backend.open(URL, SecretStr("service-key"))
    try:
        with pytest.raises(ServiceError) as caught:
            await backend.run(backend.table("dashboard", "users").select("id").limit(1))
        report = await check_supabase(backend)
    finally:
        await backend.close()
    assert "127.0.0.1:9" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    lines = [f"{r.check} {r.detail} {r.fix}" for r in report]
    lines += [f"{r.check} {r.detail} {r.fix}" for r in await check_realtime(URL, SecretStr("k"), 2)]
    assert lines and not [line for line in lines if PASSWORD in line]


async def test_an_unreachable_yclients_is_named_without_its_password() -> None:
    client = YClientsClient(
        base_url=f"http://api:{PASSWORD}@127.0.0.1:9/api/v1",
        partner_token=SecretStr("partner"),
        user_token=SecretStr("user"),
        company_id=1,
        max_attempts=1,
        timeout=2,
    )
    try:
        with pytest.raises(YClientsError) as caught:
            await client.get_company()
    finally:
        await client.aclose()
    assert "127.0.0.1:9" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(client)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "http://127.0.0.1:9/"),
        ("https://u:p@[::1]:8443/rest?x=1#f", "https://[::1]:8443/rest"),
        ("https://xyz.supabase.co", "https://xyz.supabase.co"),
        ("not a url at all", "(an unreadable URL)"),
        ("http://host:99999999/", "(an unreadable URL)"),
    ],
)
def test_shown_urls_keep_the_host_and_drop_credentials(url: str, shown: str) -> None:
    assert shown_url(url) == shown
