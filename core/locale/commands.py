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
        "commands.placeholder.client_id": "client id, e.g. tg:100",
        "commands.placeholder.session_id": "conversation id (UUID)",
        "commands.placeholder.session_optional": "optional: the latest one",
        "commands.placeholder.note": "optional, for staff only",
        "commands.placeholder.text": "the message the client receives",
        "commands.counter": "{count} / {limit}",
        "commands.composer.title": "New command",
        "commands.composer.hint": "Ctrl+S sends (you confirm first)",
        "commands.composer.sending": "Sending…",
        "commands.disabled.viewer": (
            "Your role ({role}) lets you read the history but not send commands to the bot."
        ),
        "commands.disabled.read_only": (
            "The app runs read-only (--read-only): nothing can be sent to the bot."
        ),
        "commands.error.required": "Required.",
        "commands.error.text_empty": "Write the message first: it is empty.",
        "commands.error.too_long": "{count} characters; at most {limit} are allowed.",
        "commands.error.paste_too_long": (
            "The pasted text has {count} characters; a message holds at most {limit}. "
            "Nothing was pasted."
        ),
        "commands.error.control": "Contains a control character ({detail}).",
        "commands.error.paste_control": (
            "The pasted text holds a control character ({detail}), which a message cannot "
            "carry. Nothing was pasted."
        ),
        "commands.error.uuid": "Not a conversation id: expected a UUID such as 1b9d6bcd-bbfd-…",
        "commands.error.client_id": (
            "Not a client id: no spaces at the ends, no control characters."
        ),
        "commands.error.invalid": "Not accepted: {reason}",
        "commands.refused.client": "No conversation with this client in your salon.",
        "commands.refused.session": "No such conversation in your salon.",
        "commands.refused.permission": "Not allowed: {reason}",
        "commands.refused": "Not sent: {reason}",
        "commands.failed_to_send": "Could not send: {reason}. Your text is kept; try again.",
        "commands.sent": "Command #{id} queued for the bot.",
        "commands.queued_locally": (
            "The backend is unreachable: the command waits on this computer and will be sent "
            "automatically when the connection is back."
        ),
        "commands.resent": "Sent again as command #{id}.",
        "commands.confirm.send_message": "Send this message to {client}?\n\n{text}",
        "commands.confirm.in_conversation": "\n\nIn conversation {conversation}.",
        "commands.confirm.handoff_to_human": "Hand conversation {conversation} over to staff?",
        "commands.confirm.note": "\n\nNote: {note}",
        "commands.confirm.pause_bot": "Pause the bot in conversation {conversation}?",
        "commands.confirm.resume_bot": "Resume the bot in conversation {conversation}?",
        "commands.confirm.resend": (
            "Send command #{id} ({type}) for {target} again, as a new command?"
        ),
        "commands.status.pending": "pending",
        "commands.status.processing": "processing",
        "commands.status.done": "done",
        "commands.status.failed": "failed",
        "commands.column.time": "Time",
        "commands.column.command": "Command",
        "commands.column.error": "Error",
        "commands.column.status": "Status",
        "commands.history.title": "History",
        "commands.history.count": "{count} shown",
        "commands.history.empty": "No commands yet.",
        "commands.history.more": "older ones load at the last row",
        "commands.history.loading": "loading older commands…",
        "commands.history.total": "{count} in all",
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
        "commands.type.pause_bot": "Приостановить бота",
        "commands.type.resume_bot": "Возобновить бота",
        "commands.short.send_message": "сообщение",
        "commands.short.handoff_to_human": "передача",
        "commands.short.pause_bot": "пауза бота",
        "commands.short.resume_bot": "запуск бота",
        "commands.field.command_type": "Команда",
        "commands.field.client_id": "Клиент",
        "commands.field.session_id": "Диалог",
        "commands.field.text": "Текст",
        "commands.field.note": "Заметка",
        "commands.placeholder.client_id": "id клиента, напр. tg:100",
        "commands.placeholder.session_id": "id диалога (UUID)",
        "commands.placeholder.session_optional": "необязательно: последний",
        "commands.placeholder.note": "необязательно, только для сотрудников",
        "commands.placeholder.text": "сообщение, которое получит клиент",
        "commands.counter": "{count} / {limit}",
        "commands.composer.title": "Новая команда",
        "commands.composer.hint": "Ctrl+S — отправить (после подтверждения)",
        "commands.composer.sending": "Отправка…",
        "commands.disabled.viewer": (
            "Ваша роль ({role}) позволяет смотреть историю, но не отправлять команды боту."
        ),
        "commands.disabled.read_only": (
            "Приложение запущено только для чтения (--read-only): боту ничего не отправить."
        ),
        "commands.error.required": "Обязательное поле.",
        "commands.error.text_empty": "Сначала напишите сообщение: оно пустое.",
        "commands.error.too_long": "Символов: {count}; можно не больше {limit}.",
        "commands.error.paste_too_long": (
            "Во вставленном тексте {count} символов; в сообщении можно не больше {limit}. "
            "Ничего не вставлено."
        ),
        "commands.error.control": "Содержит управляющий символ ({detail}).",
        "commands.error.paste_control": (
            "Во вставленном тексте управляющий символ ({detail}): в сообщении его быть не "
            "может. Ничего не вставлено."
        ),
        "commands.error.uuid": "Это не id диалога: нужен UUID вида 1b9d6bcd-bbfd-…",
        "commands.error.client_id": (
            "Это не id клиента: без пробелов по краям и управляющих символов."
        ),
        "commands.error.invalid": "Не принято: {reason}",
        "commands.refused.client": "В вашем салоне нет диалога с этим клиентом.",
        "commands.refused.session": "В вашем салоне нет такого диалога.",
        "commands.refused.permission": "Нет прав: {reason}",
        "commands.refused": "Не отправлено: {reason}",
        "commands.failed_to_send": (
            "Не удалось отправить: {reason}. Текст сохранён, попробуйте ещё раз."
        ),
        "commands.sent": "Команда №{id} поставлена боту.",
        "commands.queued_locally": (
            "Сервер недоступен: команда ждёт на этом компьютере и уйдёт автоматически, "
            "когда связь вернётся."
        ),
        "commands.resent": "Отправлено снова как команда №{id}.",
        "commands.confirm.send_message": "Отправить это сообщение клиенту {client}?\n\n{text}",
        "commands.confirm.in_conversation": "\n\nВ диалоге {conversation}.",
        "commands.confirm.handoff_to_human": "Передать диалог {conversation} сотруднику?",
        "commands.confirm.note": "\n\nЗаметка: {note}",
        "commands.confirm.pause_bot": "Приостановить бота в диалоге {conversation}?",
        "commands.confirm.resume_bot": "Возобновить бота в диалоге {conversation}?",
        "commands.confirm.resend": (
            "Отправить команду №{id} ({type}) для {target} снова, новой командой?"
        ),
        "commands.status.pending": "в очереди",
        "commands.status.processing": "выполняется",
        "commands.status.done": "выполнена",
        "commands.status.failed": "ошибка",
        "commands.column.time": "Время",
        "commands.column.command": "Команда",
        "commands.column.error": "Ошибка",
        "commands.column.status": "Статус",
        "commands.history.title": "История",
        "commands.history.count": "показано: {count}",
        "commands.history.empty": "Команд пока нет.",
        "commands.history.more": "старые подгружаются на последней строке",
        "commands.history.loading": "загрузка более старых команд…",
        "commands.history.total": "всего: {count}",
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
