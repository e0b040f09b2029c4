"""UI text of the commands area: the composer, the history, confirmations and notices."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "commands.action.new": "New command",
        "commands.action.send": "Send",
        "commands.action.resend": "Re-send",
        "commands.type.send_message": "Message to a client",
        "commands.type.handoff_to_human": "Hand over to staff",
        "commands.type.pause_bot": "Pause the bot",
        "commands.type.resume_bot": "Resume the bot",
        "commands.short.send_message": "message",
        "commands.short.handoff_to_human": "hand-off",
        "commands.short.pause_bot": "pause bot",
        "commands.short.resume_bot": "resume bot",
        "commands.field.command_type": "Command",
        "commands.field.client_id": "Client",
        "commands.field.session_id": "Conversation",
        "commands.field.text": "Text",
        "commands.field.note": "Note",
        "commands.placeholder.client_id": "client ID, e.g. tg:100",
        "commands.placeholder.session_id": "conversation ID (UUID)",
        "commands.placeholder.session_optional": "optional: the latest one",
        "commands.placeholder.note": "optional, for staff only",
        "commands.placeholder.text": "the message the client receives",
        "commands.counter": "{used} / {limit}",
        "commands.composer.title": "New command",
        "commands.composer.hint": "{key} sends (you confirm first)",
        "commands.composer.sending": "Sending…",
        "commands.disabled.viewer": (
            "Your role ({role}) lets you read the history but not send commands to the bot."
        ),
        "commands.disabled.read_only": (
            "The app runs read-only (--read-only): nothing can be sent to the bot."
        ),
        "commands.error.required": "Required.",
        "commands.error.text_empty": "Write the message first: it is empty.",
        "commands.error.too_long": {
            "one": "{count} character; at most {limit} are allowed.",
            "other": "{count} characters; at most {limit} are allowed.",
        },
        "commands.error.paste_too_long": {
            "one": "The pasted text has {count} character; a message holds at most {limit}. "
            "Nothing was pasted.",
            "other": "The pasted text has {count} characters; a message holds at most {limit}. "
            "Nothing was pasted.",
        },
        "commands.error.control": "Contains a control character ({detail}).",
        "commands.error.paste_control": (
            "The pasted text holds a control character ({detail}), which a message cannot "
            "carry. Nothing was pasted."
        ),
        "commands.error.uuid": "Not a conversation ID: expected a UUID such as 1b9d6bcd-bbfd-…",
        "commands.error.client_id": (
            "Not a client ID: no spaces at the ends, no control characters."
        ),
        "commands.error.invalid": "Not accepted: {reason}",
        "commands.refused.client": "No conversation with this client in your salon.",
        "commands.refused.session": "No such conversation in your salon.",
        "commands.refused.permission": "Not allowed: {reason}",
        "commands.refused": "Not sent: {reason}",
        "commands.failed_to_send": "Could not send: {reason}. Your text is kept; try again.",
        "commands.sent": "Command #{id} handed to the bot.",
        "commands.queued_locally": (
            "The backend is unreachable: the command waits on this computer and will be sent "
            "automatically when the connection is back."
        ),
        "commands.resent": "Sent again as command #{id}.",
        "commands.confirm.send_message": "Send this message? To: {client}\n\n{text}",
        "commands.confirm.in_conversation": "\n\nConversation: {conversation}.",
        "commands.confirm.handoff_to_human": (
            "Hand the conversation over to staff? Conversation: {conversation}."
        ),
        "commands.confirm.note": "\n\nNote: {note}",
        "commands.confirm.pause_bot": "Pause the bot? Conversation: {conversation}.",
        "commands.confirm.resume_bot": "Resume the bot? Conversation: {conversation}.",
        "commands.confirm.resend": (
            "Send command #{id} ({type}) again, as a new command? Recipient: {target}."
        ),
        "commands.status.pending": "queued",
        "commands.status.processing": "running",
        "commands.status.done": "done",
        "commands.status.failed": "failed",
        "commands.mark.pending": "…",
        "commands.mark.processing": "→",
        "commands.mark.done": "✓",
        "commands.mark.failed": "✗",
        "commands.column.time": "Time",
        "commands.column.command": "Command",
        "commands.column.error": "Error",
        "commands.column.status": "✓",
        "commands.detail.number": "#{id}",
        "commands.history.title": "History",
        "commands.history.count": {"one": "{count} shown", "other": "{count} shown"},
        "commands.history.empty": "No commands yet.",
        "commands.history.more": "more below",
        "commands.history.loading": "loading older…",
        "commands.history.total": {"one": "{count} in all", "other": "{count} in all"},
        "commands.history.load_failed": "Could not load older commands: {reason}",
        "commands.target.conversation": "conversation {id}",
        "commands.detail.none": "Select a command to see it in full.",
        "commands.detail.for": "For: ",
        "commands.detail.text": "Text: ",
        "commands.detail.note": "Note: ",
        "commands.detail.error": "Error: ",
        "commands.resend.none": "Select a failed command in the history first.",
        "commands.resend.not_failed": "Only a failed command can be sent again.",
    },
    "ru": {
        "commands.action.new": "Новая команда",
        "commands.action.send": "Отправить",
        "commands.action.resend": "Повторить",
        "commands.type.send_message": "Сообщение клиенту",
        "commands.type.handoff_to_human": "Передать сотруднику",
        "commands.type.pause_bot": "Поставить бота на паузу",
        "commands.type.resume_bot": "Снять бота с паузы",
        "commands.short.send_message": "сообщение",
        "commands.short.handoff_to_human": "передача",
        "commands.short.pause_bot": "на паузу",
        "commands.short.resume_bot": "с паузы",
        "commands.field.command_type": "Команда",
        "commands.field.client_id": "Клиент",
        "commands.field.session_id": "Диалог",
        "commands.field.text": "Текст",
        "commands.field.note": "Заметка",
        "commands.placeholder.client_id": "ID клиента, напр., tg:100",
        "commands.placeholder.session_id": "ID диалога (UUID)",
        "commands.placeholder.session_optional": "необязательно: последний",
        "commands.placeholder.note": "необязательно, только для сотрудников",
        "commands.placeholder.text": "сообщение, которое получит клиент",
        "commands.counter": "{used} / {limit}",
        "commands.composer.title": "Новая команда",
        "commands.composer.hint": "{key} — отправить (после подтверждения)",
        "commands.composer.sending": "Отправка…",
        "commands.disabled.viewer": (
            "Ваша роль ({role}) позволяет смотреть историю, но не отправлять команды боту."
        ),
        "commands.disabled.read_only": (
            "Приложение запущено только для чтения (--read-only): боту ничего не отправить."
        ),
        "commands.error.required": "Обязательное поле.",
        "commands.error.text_empty": "Сначала напишите сообщение: оно пустое.",
        "commands.error.too_long": {
            "one": "{count} символ, а можно не больше {limit}.",
            "few": "{count} символа, а можно не больше {limit}.",
            "many": "{count} символов, а можно не больше {limit}.",
            "other": "{count} символа, а можно не больше {limit}.",
        },
        "commands.error.paste_too_long": {
            "one": "Во вставленном тексте {count} символ, а в сообщении можно не больше "
            "{limit}. Ничего не вставлено.",
            "few": "Во вставленном тексте {count} символа, а в сообщении можно не больше "
            "{limit}. Ничего не вставлено.",
            "many": "Во вставленном тексте {count} символов, а в сообщении можно не больше "
            "{limit}. Ничего не вставлено.",
            "other": "Во вставленном тексте {count} символа, а в сообщении можно не больше "
            "{limit}. Ничего не вставлено.",
        },
        "commands.error.control": "Содержит управляющий символ ({detail}).",
        "commands.error.paste_control": (
            "Во вставленном тексте управляющий символ ({detail}): в сообщении его быть не "
            "может. Ничего не вставлено."
        ),
        "commands.error.uuid": "Это не ID диалога: нужен UUID вида 1b9d6bcd-bbfd-…",
        "commands.error.client_id": (
            "Это не ID клиента: без пробелов по краям и управляющих символов."
        ),
        "commands.error.invalid": "Не принято: {reason}",
        "commands.refused.client": "В вашем салоне нет диалога с этим клиентом.",
        "commands.refused.session": "В вашем салоне нет такого диалога.",
        "commands.refused.permission": "Нет прав: {reason}",
        "commands.refused": "Не отправлено: {reason}",
        "commands.failed_to_send": (
            "Не удалось отправить: {reason}. Текст сохранён, попробуйте ещё раз."
        ),
        "commands.sent": "Команда №\u00a0{id} передана боту.",
        "commands.queued_locally": (
            "Сервер недоступен: команда ждёт на этом компьютере и уйдёт автоматически, "
            "когда связь вернётся."
        ),
        "commands.resent": "Отправлено снова как команда №\u00a0{id}.",
        "commands.confirm.send_message": "Отправить сообщение? Кому: {client}\n\n{text}",
        "commands.confirm.in_conversation": "\n\nДиалог: {conversation}.",
        "commands.confirm.handoff_to_human": (
            "Передать диалог сотруднику? Диалог: {conversation}."
        ),
        "commands.confirm.note": "\n\nЗаметка: {note}",
        "commands.confirm.pause_bot": "Поставить бота на паузу? Диалог: {conversation}.",
        "commands.confirm.resume_bot": "Снять бота с паузы? Диалог: {conversation}.",
        "commands.confirm.resend": (
            "Отправить команду №\u00a0{id} ({type}) снова, новой командой? Получатель: {target}."
        ),
        "commands.status.pending": "в очереди",
        "commands.status.processing": "выполняется",
        "commands.status.done": "выполнена",
        "commands.status.failed": "ошибка",
        "commands.mark.pending": "…",
        "commands.mark.processing": "→",
        "commands.mark.done": "✓",
        "commands.mark.failed": "✗",
        "commands.column.time": "Время",
        "commands.column.command": "Команда",
        "commands.column.error": "Ошибка",
        "commands.column.status": "✓",
        "commands.detail.number": "№\u00a0{id}",
        "commands.history.title": "История",
        "commands.history.count": {
            "one": "показана {count}",
            "few": "показано {count}",
            "many": "показано {count}",
            "other": "показано {count}",
        },
        "commands.history.empty": "Команд пока нет.",
        "commands.history.more": "ниже — ещё",
        "commands.history.loading": "загрузка ранних…",
        "commands.history.total": {
            "one": "всего {count}",
            "few": "всего {count}",
            "many": "всего {count}",
            "other": "всего {count}",
        },
        "commands.history.load_failed": "Не удалось загрузить старые команды: {reason}",
        "commands.target.conversation": "диалог {id}",
        "commands.detail.none": "Выберите команду, чтобы увидеть её целиком.",
        "commands.detail.for": "Кому: ",
        "commands.detail.text": "Текст: ",
        "commands.detail.note": "Заметка: ",
        "commands.detail.error": "Ошибка: ",
        "commands.resend.none": "Сначала выберите в истории команду с ошибкой.",
        "commands.resend.not_failed": "Повторить можно только команду с ошибкой.",
    },
}
