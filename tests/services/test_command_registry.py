from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from services.commands.registry import (
    REGISTRY,
    CommandValidationError,
    upgrade_payload,
    validate_command,
)
from widgets.command_form import Draft


def test_send_message_is_normalised_to_json() -> None:
    session = uuid.uuid4()
    payload = validate_command(
        "send_message",
        {"client_id": "tg:42", "message": "Добрый день!\nЖдём вас.", "session_id": str(session)},
    )
    assert payload == {
        "client_id": "tg:42",
        "message": "Добрый день!\nЖдём вас.",
        "session_id": str(session),
    }


@pytest.mark.parametrize(
    ("command", "payload", "field"),
    [
        ("send_message", {"client_id": "c1", "message": ""}, "message"),
        ("send_message", {"client_id": "c1", "message": "   \n  "}, "message"),
        ("send_message", {"client_id": "c1", "message": "x" * 4097}, "message"),
        ("send_message", {"client_id": "c1", "message": "red \x1b[31m alert"}, "message"),
        ("send_message", {"client_id": "c1", "message": "bidi \u202e trick"}, "message"),
        ("send_message", {"client_id": "", "message": "hi"}, "client_id"),
        ("send_message", {"client_id": " c1", "message": "hi"}, "client_id"),
        ("send_message", {"message": "hi"}, "client_id"),
        ("send_message", {"client_id": "c1", "message": "hi", "tenant_id": "x"}, "tenant_id"),
        ("send_message", {"client_id": "c1", "message": 5}, "message"),
        ("send_message", {"client_id": "c1", "message": "hi", "session_id": "nope"}, "session_id"),
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
    assert validate_command("send_message", {"client_id": "c1", "message": text})["message"] == text


def test_registry_lists_the_contract_types() -> None:
    assert set(REGISTRY) == {"send_message", "handoff_to_human", "pause_bot", "resume_bot"}


def seed_example() -> tuple[str, str]:
    """The reference example of docs/bot-commands.md: its command type and payload as written."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bot-commands.md").read_text("utf-8")
    block = re.search(r"```python\n(.*?)```", doc, re.S)
    assert block is not None, "docs/bot-commands.md lost its reference example"
    command_type = re.search(r'"command_type": "(\w+)"', block.group(1))
    payload = re.search(r'"payload": (\{.*?\}),\n', block.group(1))
    assert command_type is not None and payload is not None
    return command_type.group(1), payload.group(1)


def test_the_seed_example_is_built_byte_for_byte() -> None:
    command_type, written = seed_example()
    assert (command_type, written) == (
        "send_message",
        '{"client_id": "123", "message": "Привет!"}',
    )
    # The same input as the composer holds it: client 123, the text «Привет!».
    draft = Draft(command_type, client_id="123", message="Привет!")
    built = validate_command(command_type, draft.payload())
    assert json.dumps(built, ensure_ascii=False).encode("utf-8") == written.encode("utf-8")


def test_text_is_refused_with_a_message_that_names_message() -> None:
    with pytest.raises(CommandValidationError) as caught:
        validate_command("send_message", {"client_id": "123", "text": "Привет!"})
    assert caught.value.field == "text"
    assert "'message'" in caught.value.message
    # Even beside a `message`: a payload with both is not the seed's shape.
    with pytest.raises(CommandValidationError, match="'message'"):
        validate_command("send_message", {"client_id": "1", "message": "a", "text": "b"})


def test_an_old_payload_is_upgraded_only_where_the_dashboard_wrote_it() -> None:
    old = {"client_id": "123", "text": "Привет!", "session_id": "s"}
    assert upgrade_payload("send_message", old) == {
        "client_id": "123",
        "message": "Привет!",
        "session_id": "s",
    }
    assert old["text"] == "Привет!", "the caller's dict is left alone"
    assert upgrade_payload("pause_bot", {"text": "x"}) == {"text": "x"}
    current = {"client_id": "1", "message": "a"}
    assert upgrade_payload("send_message", current) is current
