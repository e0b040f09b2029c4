"""UI text of the operator's alerts: hand-offs, failed commands, the bot's health."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "alert.handoff.title": "A client is waiting for staff",
        "alert.handoff": "{name}: {text}",
        "alert.command_failed.title": "Your command failed",
        "alert.command_failed": "To {client}: {error}",
        "bot.health.ok": "bot ✓",
        "bot.health.slow": "bot slow: {seconds} s",
        "bot.health.stalled": "bot not taking commands since {time}",
        "bot.health.silent": "no sign of the bot since {time}",
        "tab.sessions.badge": "{name} ●{count}",
        "sessions.needs_staff.shown": {
            "one": "Needs staff: {count} conversation, longest waiting first · n shows all",
            "other": "Needs staff: {count} conversations, longest waiting first · n shows all",
        },
        "sessions.needs_staff.empty": "Nobody is waiting for staff · n shows all",
        "sessions.needs_staff.waiting": "waits {minutes} min",
        "sessions.needs_staff.waiting_hours": "waits {hours} h {minutes} min",
        "commands.confirm.bot_stalled": (
            "The bot has not taken commands since {time}: this one will wait in the queue "
            "until it does. Send anyway?"
        ),
    },
    "ru": {
        "alert.handoff.title": "Клиент ждёт сотрудника",
        "alert.handoff": "{name}: {text}",
        "alert.command_failed.title": "Команда не выполнена",
        "alert.command_failed": "Клиент: {client}. Ошибка бота: {error}",
        "bot.health.ok": "бот ✓",
        "bot.health.slow": "бот медлит: {seconds} с",
        "bot.health.stalled": "бот не берёт команды с {time}",
        "bot.health.silent": "бот молчит с {time}",
        "tab.sessions.badge": "{name} ●{count}",
        "sessions.needs_staff.shown": {
            "one": "Ждут сотрудника: {count} диалог, дольше всех ждущие сверху · n — все",
            "few": "Ждут сотрудника: {count} диалога, дольше всех ждущие сверху · n — все",
            "many": "Ждут сотрудника: {count} диалогов, дольше всех ждущие сверху · n — все",
            "other": "Ждут сотрудника: {count} диалога, дольше всех ждущие сверху · n — все",
        },
        "sessions.needs_staff.empty": "Сотрудника никто не ждёт · n — все диалоги",
        "sessions.needs_staff.waiting": "ждёт {minutes} мин",
        "sessions.needs_staff.waiting_hours": "ждёт {hours} ч {minutes} мин",
        "commands.confirm.bot_stalled": (
            "Бот не берёт команды с {time}: эта команда будет ждать в очереди, пока он не "
            "возьмёт её. Всё равно отправить?"
        ),
    },
}
