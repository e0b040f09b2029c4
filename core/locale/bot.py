"""UI text of the bot's part in the figures (Analytics tab, "Bot" section)."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "bot.title": "The bot in this period",
        "bot.loading": "Reading the bot's figures…",
        "bot.failed": "The bot's figures could not be read: {reason}",
        "bot.funnel": "Wishlist: {created} created · {offered} offered · {booked} booked · "
        "{cancelled} cancelled",
        "bot.conversion": "Conversion (booked of created): {rate} · to booked, median: {time}",
        "bot.handoffs": {
            "one": "Handed to staff: {count} time · first answer, median: {time}",
            "other": "Handed to staff: {count} times · first answer, median: {time}",
        },
        "bot.unanswered": {
            "one": "{count} hand-off has no staff answer yet",
            "other": "{count} hand-offs have no staff answer yet",
        },
        "bot.bookings": {
            "one": "YClients bookings by wishlist clients: {count} booking · {revenue}",
            "other": "YClients bookings by wishlist clients: {count} bookings · {revenue}",
        },
        "bot.bookings_unknown": "YClients bookings by wishlist clients: YClients is not set up",
        "bot.no_phone": {
            "one": "{count} entry has no phone and cannot be matched",
            "other": "{count} entries have no phone and cannot be matched",
        },
        "bot.none": "—",
        "bot.chart": "By day: created ▇ booked ▇ hand-offs ▇",
        "bot.duration.minutes": "{minutes} min",
        "bot.duration.hours": "{hours} h {minutes} min",
        "bot.duration.days": "{days} d {hours} h",
    },
    "ru": {
        "bot.title": "Бот за период",
        "bot.loading": "Читаю данные бота…",
        "bot.failed": "Данные бота не прочитаны: {reason}",
        "bot.funnel": "Лист ожидания: создано {created} · предложено {offered} · "
        "записано {booked} · отменено {cancelled}",
        "bot.conversion": "Конверсия в запись: {rate} · до записи, медиана: {time}",
        "bot.handoffs": {
            "one": "Передано сотрудникам: {count} раз · первый ответ, медиана: {time}",
            "few": "Передано сотрудникам: {count} раза · первый ответ, медиана: {time}",
            "many": "Передано сотрудникам: {count} раз · первый ответ, медиана: {time}",
            "other": "Передано сотрудникам: {count} раза · первый ответ, медиана: {time}",
        },
        "bot.unanswered": {
            "one": "Без ответа сотрудника: {count} обращение",
            "few": "Без ответа сотрудника: {count} обращения",
            "many": "Без ответа сотрудника: {count} обращений",
            "other": "Без ответа сотрудника: {count} обращения",
        },
        "bot.bookings": {
            "one": "Записи в YClients от клиентов листа: {count} запись · {revenue}",
            "few": "Записи в YClients от клиентов листа: {count} записи · {revenue}",
            "many": "Записи в YClients от клиентов листа: {count} записей · {revenue}",
            "other": "Записи в YClients от клиентов листа: {count} записи · {revenue}",
        },
        "bot.bookings_unknown": "Записи в YClients от клиентов листа: YClients не подключён",
        "bot.no_phone": {
            "one": "{count} запись листа без телефона: её не с чем сопоставить",
            "few": "{count} записи листа без телефона: их не с чем сопоставить",
            "many": "{count} записей листа без телефона: их не с чем сопоставить",
            "other": "{count} записи листа без телефона: их не с чем сопоставить",
        },
        "bot.none": "—",
        "bot.chart": "По дням: создано ▇ записано ▇ передано ▇",
        "bot.duration.minutes": "{minutes} мин",
        "bot.duration.hours": "{hours} ч {minutes} мин",
        "bot.duration.days": "{days} д {hours} ч",
    },
}
