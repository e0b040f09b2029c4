from __future__ import annotations

import uuid

import pytest

from services.commands.registry import REGISTRY, CommandValidationError, validate_command


def test_send_message_is_normalised_to_json() -> None:
    session = uuid.uuid4()
    payload = validate_command(
        "send_message",
        {"client_id": "tg:42", "text": "Добрый день!\nЖдём вас.", "session_id": str(session)},
    )
    assert payload == {
        "client_id": "tg:42",
        "text": "Добрый день!\nЖдём вас.",
        "session_id": str(session),
    }


@pytest.mark.parametrize(
    ("command", "payload", "field"),
    [
        ("send_message", {"client_id": "c1", "text": ""}, "text"),
        ("send_message", {"client_id": "c1", "text": "   \n  "}, "text"),
        ("send_message", {"client_id": "c1", "text": "x" * 4097}, "text"),
        ("send_message", {"client_id": "c1", "text": "red \x1b[31m alert"}, "text"),
        ("send_message", {"client_id": "c1", "text": "bidi \u202e trick"}, "text"),
        ("send_message", {"client_id": "", "text": "hi"}, "client_id"),
        ("send_message", {"client_id": " c1", "text": "hi"}, "client_id"),
        ("send_message", {"text": "hi"}, "client_id"),
        ("send_message", {"client_id": "c1", "text": "hi", "tenant_id": "x"}, "tenant_id"),
        ("send_message", {"client_id": "c1", "text": 5}, "text"),
        ("send_message", {"client_id": "c1", "text": "hi", "session_id": "nope"}, "session_id"),
        ("handoff_to_human", {}, "session_id"),
        ("handoff_to_human", {"session_id": str(uuid.uuid4()), "note": "n" * 501}, "note"),
        ("pause_bot", {"session_id": "1 or 1=1"}, "session_id"),
        ("drop_tables", {}, "command_type"),
    ],
)
def test_invalid_payloads_name_the_field(
    command: str, payload: dict[str, object], field: str
) -> None:
    with pytest.raises(CommandValidationError) as caught:
        validate_command(command, payload)
    assert caught.value.field == field
    assert caught.value.message


def test_4096_characters_and_tabs_are_allowed() -> None:
    text = "\t" + "я" * 4095
    assert validate_command("send_message", {"client_id": "c1", "text": text})["text"] == text


def test_registry_lists_the_contract_types() -> None:
    assert set(REGISTRY) == {"send_message", "handoff_to_human", "pause_bot", "resume_bot"}
