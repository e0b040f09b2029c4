"""The command composer's validation with hostile input: a rejected payload names its field and
writes nothing (not to dashboard.bot_commands, not to the local outbox); an accepted one is
stored byte-for-byte."""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.backend import Backend
from services.commands.outbox import Outbox
from services.commands.registry import (
    MAX_MESSAGE_CHARS,
    REGISTRY,
    CommandValidationError,
    validate_command,
)
from services.commands.service import CommandService
from services.errors import NotFound
from tests.hostile.conftest import check_each, count, fresh_tenant
from tests.hostile.corpus import CORPUS, Hostile, huge, storable
from tests.services.conftest import MakeUser, add_session, session_for

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
BIDI_OVERRIDES = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def shows_nothing(text: str) -> bool:
    return all(c.isspace() or unicodedata.category(c) in {"Cf", "Mn", "Me"} for c in text)


def must_refuse(text: str, limit: int) -> bool:
    """What the contract (docs/bot-commands.md) refuses in a text a client will read."""
    controls = any(
        (unicodedata.category(c) in {"Cc", "Cs"} and c not in "\n\t") or c in BIDI_OVERRIDES
        for c in text
    )
    return controls or shows_nothing(text) or len(text) > limit


def bad_client_id(text: str) -> bool:
    """An id is opaque, so only what cannot be an id at all is refused."""
    controls = any(unicodedata.category(c) in {"Cc", "Cs"} or c in BIDI_OVERRIDES for c in text)
    return controls or not text or text != text.strip() or len(text) > 128


@dataclass
class Desk:
    """An operator of one salon, a conversation there, and a neighbouring salon."""

    service: CommandService
    db: asyncpg.Connection
    tenant: uuid.UUID
    other: uuid.UUID
    client_id: str
    session_id: str
    foreign_session_id: str

    async def written(self) -> int:
        value: int = await self.db.fetchval(
            "select count(*) from dashboard.bot_commands where tenant_id = any($1::uuid[])",
            [self.tenant, self.other],
        )
        return value

    async def refused(
        self,
        command_type: Any,
        payload: Any,
        *,
        error: type[Exception] | tuple[type[Exception], ...],
    ) -> str:
        """Enqueue, expect `error`, check nothing was written anywhere; the field at fault."""
        before = await self.written()
        with pytest.raises(error) as caught:
            await self.service.enqueue(command_type, payload)
        assert await self.written() == before, "a refused command was written"
        assert await self.service.waiting() == 0, "a refused command waits in the outbox"
        return str(getattr(caught.value, "field", ""))

    async def stored(self, command_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Enqueue, expect it accepted; the payload as the database holds it."""
        result = await self.service.enqueue(command_type, payload)
        assert result.command is not None, "accepted but not delivered"
        raw = await self.db.fetchval(
            "select payload::text from dashboard.bot_commands where id = $1", result.command.id
        )
        stored: dict[str, Any] = json.loads(raw)
        return stored


@pytest.fixture
async def desk(
    backend: Backend, db: asyncpg.Connection, make_user: MakeUser, tmp_path: Path
) -> Desk:
    tenant = await fresh_tenant(db, "hostile-composer")
    other = await fresh_tenant(db, "hostile-composer-other")
    mine = await add_session(db, tenant, client_id="tg:desk")
    foreign = await add_session(db, other, client_id="tg:desk")
    operator = session_for(await make_user(tenant, "operator"))
    return Desk(
        CommandService(backend, operator, Outbox(tmp_path / "outbox.sqlite")),
        db,
        tenant,
        other,
        mine["client_id"],
        str(mine["id"]),
        str(foreign["id"]),
    )


async def test_message_text_is_refused_on_its_field_or_stored_byte_for_byte(desk: Desk) -> None:
    async def check(entry: Hostile) -> None:
        payload = {"client_id": desk.client_id, "message": entry.text}
        if must_refuse(entry.text, MAX_MESSAGE_CHARS):
            assert await desk.refused("send_message", payload, error=CommandValidationError) == (
                "message"
            )
            return
        stored = await desk.stored("send_message", payload)
        assert stored["message"].encode("utf-8") == entry.text.encode("utf-8")
        assert stored["client_id"] == desk.client_id

    await check_each("composer.text", [*CORPUS, *huge()], check)


async def test_a_handoff_note_is_refused_on_its_field_or_stored_byte_for_byte(desk: Desk) -> None:
    async def check(entry: Hostile) -> None:
        payload = {"session_id": desk.session_id, "note": entry.text}
        if must_refuse(entry.text, 500):
            field = await desk.refused("handoff_to_human", payload, error=CommandValidationError)
            assert field == "note"
            return
        stored = await desk.stored("handoff_to_human", payload)
        assert stored["note"].encode("utf-8") == entry.text.encode("utf-8")

    await check_each("composer.note", [*CORPUS, *huge()], check)


async def test_hostile_client_ids_reach_only_this_salons_clients(desk: Desk) -> None:
    """The bot's client ids are data too: one that is valid and this salon's is used as is;
    the same id known only to the neighbouring salon is not found; nothing else is written."""
    valid = [e for e in CORPUS if storable(e.text) and not bad_client_id(e.text)]
    for i, entry in enumerate(valid):
        await add_session(desk.db, desk.other, client_id=entry.text)
        if i % 2 == 0:
            await add_session(desk.db, desk.tenant, client_id=entry.text)
    ours = {entry.text for i, entry in enumerate(valid) if i % 2 == 0}

    async def check(entry: Hostile) -> None:
        payload = {"client_id": entry.text, "message": "Ждём вас в 15:00"}
        if entry.text in ours:
            stored = await desk.stored("send_message", payload)
            assert stored["client_id"].encode("utf-8") == entry.text.encode("utf-8")
        elif entry in valid:
            await desk.refused("send_message", payload, error=NotFound)
        else:
            field = await desk.refused("send_message", payload, error=CommandValidationError)
            assert field == "client_id"

    await check_each("composer.client_id", CORPUS, check)


async def test_hostile_session_ids_are_refused_and_another_salons_is_not_found(
    desk: Desk,
) -> None:
    async def check(entry: Hostile) -> None:
        for command_type in ("pause_bot", "resume_bot", "handoff_to_human"):
            # Malformed: refused on the field. Well-formed (the nil UUID, another salon's):
            # not found. Either way nothing is written.
            field = await desk.refused(
                command_type, {"session_id": entry.text}, error=(CommandValidationError, NotFound)
            )
            assert field in ("session_id", "")

    foreign = Hostile("uuid-foreign", "uuid", desk.foreign_session_id)
    await check_each("composer.session_id", [*CORPUS, foreign], check)


async def test_this_salons_session_id_in_any_uuid_spelling_is_stored_canonical(
    desk: Desk,
) -> None:
    canonical = desk.session_id
    spellings = [
        canonical.upper(),
        canonical.replace("-", ""),
        "{" + canonical + "}",
        "urn:uuid:" + canonical,
    ]
    for spelling in spellings:
        count("composer.session_id")
        stored = await desk.stored("pause_bot", {"session_id": spelling})
        assert stored == {"session_id": canonical}


async def test_hostile_command_types_and_wrong_json_types_write_nothing(desk: Desk) -> None:
    async def check(entry: Hostile) -> None:
        field = await desk.refused(
            entry.text, {"session_id": desk.session_id}, error=CommandValidationError
        )
        assert field == "command_type"

    await check_each("composer.command_type", CORPUS, check)

    wrong: list[tuple[str, Any, str]] = [
        ("send_message", {"client_id": desk.client_id, "message": 5}, "message"),
        ("send_message", {"client_id": desk.client_id, "message": None}, "message"),
        ("send_message", {"client_id": desk.client_id, "message": ["hi"]}, "message"),
        ("send_message", {"client_id": desk.client_id, "message": {"hi": 1}}, "message"),
        ("send_message", {"client_id": desk.client_id, "message": True}, "message"),
        ("send_message", {"client_id": 42, "message": "hi"}, "client_id"),
        ("send_message", {"client_id": None, "message": "hi"}, "client_id"),
        (
            "send_message",
            {"client_id": desk.client_id, "message": "hi", "session_id": 7},
            "session_id",
        ),
        (
            "send_message",
            {"client_id": desk.client_id, "message": "hi", "tenant_id": "x"},
            "tenant_id",
        ),
        ("send_message", {"client_id": desk.client_id, "message": "hi", "author": 5}, "author"),
        ("pause_bot", {"session_id": [desk.session_id]}, "session_id"),
        ("pause_bot", {"session_id": {"id": desk.session_id}}, "session_id"),
        ("pause_bot", {"session_id": desk.session_id, "status": "done"}, "status"),
        ("pause_bot", {}, "session_id"),
        ("handoff_to_human", {"session_id": desk.session_id, "note": 1.5}, "note"),
        ("pause_bot", [desk.session_id], "payload"),
        ("pause_bot", desk.session_id, "payload"),
        ("pause_bot", None, "payload"),
    ]
    for command_type, payload, expected in wrong:
        count("composer.json-types")
        field = await desk.refused(command_type, payload, error=CommandValidationError)
        assert field == expected, (command_type, payload, field)


async def test_a_staff_name_that_cannot_be_sent_does_not_block_sending(
    backend: Backend, db: asyncpg.Connection, make_user: MakeUser, tmp_path: Path
) -> None:
    """The author is the logged-in user's name; a name holding control characters (set by
    whoever manages the accounts) falls back to the email instead of refusing every message."""
    tenant = await fresh_tenant(db, "hostile-author")
    conversation = await add_session(db, tenant)
    user = await make_user(tenant, "operator")
    for entry in CORPUS:
        count("composer.author")
        session = session_for({**user, "name": entry.text})
        service = CommandService(backend, session, Outbox(tmp_path / "author.sqlite"))
        result = await service.enqueue(
            "send_message", {"client_id": conversation["client_id"], "message": "Добрый день"}
        )
        assert result.command is not None
        author = result.command.payload["author"]
        assert author in (entry.text, user["email"]), entry.name
        assert not must_refuse(author, 200)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=5000))
def test_any_message_text_is_refused_on_its_field_or_kept_exactly(text: str) -> None:
    count("composer.validate.hypothesis")
    try:
        clean = validate_command("send_message", {"client_id": "tg:1", "message": text})
    except CommandValidationError as exc:
        assert exc.field == "message" and exc.message
        assert must_refuse(text, MAX_MESSAGE_CHARS)
    else:
        assert clean["message"] == text
        assert not must_refuse(text, MAX_MESSAGE_CHARS)


@settings(max_examples=300, deadline=None)
@given(command_type=st.sampled_from(sorted(REGISTRY)) | st.text(), payload=JSON)
def test_any_json_payload_is_validated_or_refused_with_a_field(
    command_type: str, payload: Any
) -> None:
    count("composer.payload.hypothesis")
    try:
        clean = validate_command(command_type, payload)
    except CommandValidationError as exc:
        assert exc.field and exc.message
    else:
        assert isinstance(clean, dict)
        json.dumps(clean)  # what the bot receives is JSON


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=300))
async def test_any_enqueued_text_is_refused_without_a_write_or_stored_exactly(
    desk: Desk, text: str
) -> None:
    count("composer.enqueue.hypothesis")
    payload = {"client_id": desk.client_id, "message": text}
    if must_refuse(text, MAX_MESSAGE_CHARS):
        assert (
            await desk.refused("send_message", payload, error=CommandValidationError) == "message"
        )
    else:
        stored = await desk.stored("send_message", payload)
        assert stored["message"] == text
