"""UI text of presence: who else has a conversation open (thread screen and composer)."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "presence.one": "{name} is viewing",
        "presence.several": "{names} are viewing",
        "presence.more": {"one": "{count} more", "other": "{count} more"},
        "presence.and": "{names} and {more}",
        "presence.composer": "Not only you have this conversation open: {who}",
    },
    "ru": {
        "presence.one": "{name} смотрит",
        "presence.several": "{names} смотрят",
        "presence.more": {
            "one": "ещё {count} человек",
            "few": "ещё {count} человека",
            "many": "ещё {count} человек",
            "other": "ещё {count} человека",
        },
        "presence.and": "{names} и {more}",
        "presence.composer": "Разговор открыт не только у вас: {who}",
    },
}
