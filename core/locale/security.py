"""UI text of the security fixes (issue 17): the damaged outbox, the CSV export's delivery."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "notice.outbox_recovered": {
            "one": "The outbox file was damaged: moved aside to {name}; "
            "{count} waiting command recovered, sending works.",
            "other": "The outbox file was damaged: moved aside to {name}; "
            "{count} waiting commands recovered, sending works.",
        },
        "commands.failed.unexpected": "The command could not be queued: {reason}",
        "analytics.export.copied": (
            "Figures copied to the clipboard (CSV, {size} KB) and saved to {path}"
        ),
        "analytics.export.too_big": (
            "The CSV ({size} KB) is too big for the terminal's clipboard: it is saved on the "
            "server at {path}; ask the administrator for the file."
        ),
    },
    "ru": {
        "notice.outbox_recovered": {
            "one": "Файл очереди был повреждён и перенесён в {name}; "
            "восстановлена {count} команда, отправка работает.",
            "few": "Файл очереди был повреждён и перенесён в {name}; "
            "восстановлены {count} команды, отправка работает.",
            "many": "Файл очереди был повреждён и перенесён в {name}; "
            "восстановлено {count} команд, отправка работает.",
            "other": "Файл очереди был повреждён и перенесён в {name}; "
            "восстановлено {count} команды, отправка работает.",
        },
        "commands.failed.unexpected": "Команду не удалось поставить в очередь: {reason}",
        "analytics.export.copied": (
            "Цифры скопированы в буфер обмена (CSV, {size} КБ) и сохранены в {path}"
        ),
        "analytics.export.too_big": (
            "CSV ({size} КБ) слишком велик для буфера обмена терминала: он сохранён на сервере "
            "в {path}; попросите файл у администратора."
        ),
    },
}
