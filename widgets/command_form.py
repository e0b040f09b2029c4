"""The composer of bot commands: its fields follow the command type; errors sit on the field.

The form only collects and shows: validation and sending belong to the screen that hosts it
(widgets import no services). Limits arrive from the screen, which reads them from the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static, TextArea

from core.actions import key_for
from core.context import context_of
from core.i18n import number, t
from widgets.literal import literal
from widgets.message_area import MessageArea
from widgets.presence_line import PresenceLine
from widgets.text_field import TextField

COMMAND_TYPES = ("send_message", "handoff_to_human", "pause_bot", "resume_bot")
# The payload fields each command type asks for, in the order they are shown.
FIELDS: dict[str, tuple[str, ...]] = {
    "send_message": ("client_id", "session_id", "message"),
    "handoff_to_human": ("session_id", "note"),
    "pause_bot": ("session_id",),
    "resume_bot": ("session_id",),
}
ALL_FIELDS = ("client_id", "session_id", "message", "note")
SESSION_ID_MAX_CHARS = 64
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_literal(template: str, **values: Text) -> Text:
    """A translated template with `{name}` slots filled by Text pieces, none parsed as markup."""
    out = Text()
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(template[position : match.start()])
        out.append_text(values[match.group(1)])
        position = match.end()
    out.append(template[position:])
    return out


@dataclass(frozen=True)
class Draft:
    """What the form holds: the command type and every field as typed."""

    command_type: str
    client_id: str = ""
    session_id: str = ""
    message: str = ""
    note: str = ""

    def value(self, field: str) -> str:
        return str(getattr(self, field, ""))

    def payload(self) -> dict[str, str]:
        """The payload to validate and send: only the type's fields, optional ones when given."""
        fields = FIELDS.get(self.command_type, ())
        payload: dict[str, str] = {}
        if "client_id" in fields:
            payload["client_id"] = self.client_id
        if "message" in fields:
            payload["message"] = self.message
        # An id never carries meaningful spaces; a blank optional one means "not given".
        session = self.session_id.strip()
        if "session_id" in fields and session:
            payload["session_id"] = session
        if "note" in fields and self.note.strip():
            payload["note"] = self.note
        return payload


def explain(field: str, reason: str, value: str, limits: Mapping[str, int]) -> str:
    """A validation error in the user's language; `reason` is the registry's English words."""
    if not value.strip():
        return (
            t("commands.error.text_empty") if field == "message" else t("commands.error.required")
        )
    if "control character" in reason:
        detail = reason[reason.find("(") + 1 : reason.rfind(")")] or reason
        return t("commands.error.control", detail=detail)
    limit = limits.get(field)
    if limit is not None and len(value) > limit:
        return t("commands.error.too_long", count=len(value), limit=number(limit))
    if field == "session_id":
        return t("commands.error.uuid")
    if field == "client_id":
        return t("commands.error.client_id")
    return t("commands.error.invalid", reason=reason)


class CommandForm(Vertical):
    DEFAULT_CSS = """
    CommandForm { height: 1fr; }
    CommandForm #composer-title { text-style: bold; height: 1; margin-bottom: 1; }
    CommandForm #composer-reason {
        color: $warning; text-style: bold; height: auto; margin-bottom: 1;
    }
    CommandForm #composer-fields { height: 1fr; }
    CommandForm #composer-head, CommandForm #composer-choice { height: auto; }
    CommandForm .label { height: 1; color: $text-muted; }
    CommandForm .label-row { height: 1; }
    CommandForm .label-row > .label { width: auto; }
    CommandForm TextField, CommandForm Select { width: 1fr; margin-left: 1; }
    CommandForm .error { color: $error; height: auto; padding-left: 1; }
    CommandForm #client-name { height: auto; color: $accent; padding-left: 1; }
    CommandForm #message-counter {
        width: 1fr; height: 1; text-align: right; color: $text-muted;
    }
    CommandForm #message-counter.-over { color: $error; text-style: bold; }
    CommandForm #group-message { height: 1fr; }
    CommandForm MessageArea { height: 1fr; min-height: 3; margin-left: 1; }
    CommandForm #composer-hint { height: auto; color: $text-muted; }
    """

    def __init__(self, limits: Mapping[str, int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limits = dict(limits)
        self.text_limit = self.limits.get("message", 4096)
        self.busy = False
        self._counter_label = ""
        # Client id -> name, shared with the history; the prefill adds to it.
        self.client_names: dict[str, str] = {}
        self._errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        # Textual redraws every child of each container on the way to a changed widget: a key
        # in the message text redrew the title and every field above it too, about a third of
        # the key's frame. In containers of their own, they sit outside the region it draws.
        with Vertical(id="composer-head"):
            yield Static(t("commands.composer.title"), id="composer-title", markup=False)
            yield Static("", id="composer-reason", markup=False)
            # Who else has the prefilled conversation open, seen before a word is typed.
            yield PresenceLine(composer=True, id="composer-presence")
        with Vertical(id="composer-fields"):
            with Vertical(id="composer-choice"):
                yield Static(t("commands.field.command_type"), classes="label", markup=False)
                yield Select(
                    [(t(f"commands.type.{name}"), name) for name in COMMAND_TYPES],
                    value="send_message",
                    allow_blank=False,
                    compact=True,
                    id="command-type",
                )
                yield Static("", id="error-command_type", classes="error", markup=False)
                yield from self._field("client_id")
                yield Static("", id="client-name", markup=False)
                yield from self._field("session_id")
            with Vertical(id="group-message", classes="group"):
                with Horizontal(classes="label-row"):
                    yield Static(t("commands.field.text"), classes="label", markup=False)
                    yield Static("", id="message-counter", markup=False)
                yield MessageArea(self.text_limit, id="field-message", on_edit=self._update_counter)
                yield Static("", id="error-message", classes="error", markup=False)
            yield from self._field("note")
            yield Static("", id="error-form", classes="error", markup=False)
            yield Static(self._hint(), id="composer-hint", markup=False)

    def _field(self, name: str) -> ComposeResult:
        with Vertical(id=f"group-{name}", classes="group"):
            yield Static(t(f"commands.field.{name}"), classes="label", markup=False)
            yield TextField(
                placeholder=t(f"commands.placeholder.{name}"),
                compact=True,
                id=f"field-{name}",
                # A UUID in its longest spelling (urn:uuid:…) is 45 characters.
                max_length=self.limits.get(name, SESSION_ID_MAX_CHARS),
            )
            yield Static("", id=f"error-{name}", classes="error", markup=False)

    def on_mount(self) -> None:
        for group in self.query(".group"):
            group.styles.height = "1fr" if group.id == "group-message" else "auto"
        self._show_type("send_message")
        self._update_counter()
        for error in self.query(".error"):
            error.display = False
        self.query_one("#client-name").display = False

    # -- reading and filling ---------------------------------------------------------------
    @property
    def command_type(self) -> str:
        value = self.query_one("#command-type", Select).value
        return value if isinstance(value, str) else "send_message"

    def draft(self) -> Draft:
        return Draft(
            command_type=self.command_type,
            client_id=self.query_one("#field-client_id", TextField).value,
            session_id=self.query_one("#field-session_id", TextField).value,
            message=self.query_one("#field-message", MessageArea).text,
            note=self.query_one("#field-note", TextField).value,
        )

    def prefill(self, client_id: str, client_name: str | None, session_id: str | None) -> None:
        """Start a message to one client (from the wishlist or a conversation)."""
        if client_name:
            self.client_names[client_id] = client_name
        self.query_one("#command-type", Select).value = "send_message"
        self._show_type("send_message")
        self.query_one("#field-client_id", TextField).value = client_id
        self.query_one("#field-session_id", TextField).value = session_id or ""
        self._show_client_name(client_id)
        self.clear_errors()

    def show_viewers(self, names: list[str]) -> None:
        self.query_one(PresenceLine).show(names)

    def clear(self) -> None:
        """After a send: empty every field, keep the command type."""
        for name in ("client_id", "session_id", "note"):
            self.query_one(f"#field-{name}", TextField).value = ""
        self.query_one("#field-message", MessageArea).clear()
        self.clear_errors()

    def question(self, draft: Draft) -> Text:
        """The confirmation's question: what will be sent, with names and text shown literally."""
        conversation = draft.session_id.strip()
        conv_text = Text(conversation, no_wrap=True)
        if draft.command_type != "send_message":
            question = fill_literal(
                t(f"commands.confirm.{draft.command_type}"), conversation=conv_text
            )
            if draft.note.strip():
                note = literal(draft.note, limit=500)
                question.append_text(fill_literal(t("commands.confirm.note"), note=note))
            return question
        name = self.client_names.get(draft.client_id)
        client = literal(name or draft.client_id, single_line=True, style="bold")
        if name:
            client.append(" (")
            client.append_text(literal(draft.client_id, single_line=True))
            client.append(")")
        text = literal(draft.message, limit=600)
        question = fill_literal(t("commands.confirm.send_message"), client=client, text=text)
        if conversation:
            question.append_text(
                fill_literal(t("commands.confirm.in_conversation"), conversation=conv_text)
            )
        return question

    def focus_first(self) -> None:
        fields = FIELDS[self.command_type]
        draft = self.draft()
        # The first required field still empty, so a prefilled client goes straight to the text
        # (a message's conversation is optional: the client's latest one is used).
        required = [n for n in fields if not (n == "session_id" and "client_id" in fields)]
        target = next((name for name in required if not draft.value(name)), required[-1])
        self.query_one(f"#field-{target}").focus()

    def focus_type(self) -> None:
        self.query_one("#command-type", Select).focus()

    # -- state ------------------------------------------------------------------------------
    def set_enabled(self, reason: str | None) -> None:
        """Enabled, or disabled with the sentence that says why (role, read-only)."""
        banner = self.query_one("#composer-reason", Static)
        banner.update(reason or "")
        banner.display = reason is not None
        self.query_one("#composer-fields").disabled = reason is not None

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        hint = t("commands.composer.sending") if busy else self._hint()
        self.query_one("#composer-hint", Static).update(hint)

    def show_error(self, field: str, message: str) -> None:
        """Show `message` on `field`'s line (unknown fields: under the form) and focus it."""
        target = field if field in (*ALL_FIELDS, "command_type") else "form"
        error = self.query_one(f"#error-{target}", Static)
        error.update(message)
        error.display = True
        self._errors[target] = message
        if target in ALL_FIELDS:
            self.query_one(f"#field-{target}").focus()

    def clear_errors(self) -> None:
        self._errors.clear()
        for error in self.query(".error"):
            if isinstance(error, Static):
                error.update("")
                error.display = False

    def error_text(self, field: str) -> str:
        return self._errors.get(field, "")

    def _hide_error(self, field: str) -> None:
        if self._errors.pop(field, None) is None:
            return
        error = self.query_one(f"#error-{field}", Static)
        error.update("")
        error.display = False

    def _show_type(self, command_type: str) -> None:
        wanted = FIELDS.get(command_type, ())
        for name in ALL_FIELDS:
            self.query_one(f"#group-{name}").display = name in wanted
        optional = command_type == "send_message"
        self.query_one("#field-session_id", TextField).placeholder = t(
            "commands.placeholder.session_optional"
            if optional
            else "commands.placeholder.session_id"
        )
        self._show_client_name(self.query_one("#field-client_id", TextField).value)

    def _show_client_name(self, client_id: str) -> None:
        label = self.query_one("#client-name", Static)
        name = self.client_names.get(client_id) if client_id else None
        label.update(literal(name, single_line=True) if name else "")
        label.display = bool(name) and self.command_type == "send_message"

    def _hint(self) -> str:
        keymap = context_of(self.app).settings.keymap
        return t("commands.composer.hint", key=key_for("commands.send", keymap))

    def _update_counter(self) -> None:
        count = len(self.query_one("#field-message", MessageArea).text)
        label = t("commands.counter", used=number(count), limit=number(self.text_limit))
        # A typed key updates the counter twice: in the editor's own call (drawn with the
        # character) and from the Changed message after it. The second would only draw the
        # same line again, a whole frame of the screen for each key.
        if label == self._counter_label:
            return
        self._counter_label = label
        counter = self.query_one("#message-counter", Static)
        # One line of a fixed size: no layout pass of the whole screen on every key.
        counter.update(label, layout=False)
        counter.set_class(count > self.text_limit, "-over")

    # -- events ------------------------------------------------------------------------------
    @on(Select.Changed, "#command-type")
    def _type_changed(self, event: Select.Changed) -> None:
        self._show_type(self.command_type)
        self.clear_errors()

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        field = (event.input.id or "").removeprefix("field-")
        if field in ALL_FIELDS:
            self._hide_error(field)
            self._hide_error("form")
        if field == "client_id":
            self._show_client_name(event.value)

    @on(TextArea.Changed, "#field-message")
    def _text_changed(self, event: TextArea.Changed) -> None:
        self._update_counter()
        self._hide_error("message")

    @on(MessageArea.PasteRefused)
    def _paste_refused(self, event: MessageArea.PasteRefused) -> None:
        if event.bad_character is not None:
            self.show_error(
                "message", t("commands.error.paste_control", detail=event.bad_character)
            )
            return
        self.show_error(
            "message",
            t(
                "commands.error.paste_too_long",
                count=event.length,
                limit=number(self.text_limit),
            ),
        )
