"""UI text of the analytics area (the YClients tab)."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "analytics.action.period": "Period",
        "analytics.action.sync": "Sync",
        "analytics.action.cancel": "Cancel sync",
        "analytics.action.export": "Export CSV",
        "analytics.period.label": "Period:",
        "analytics.period.today": "Today",
        "analytics.period.week": "7 days",
        "analytics.period.days30": "30 days",
        "analytics.period.month": "This month",
        "analytics.period.custom": "Custom",
        "analytics.period.range": "{start} – {end}",
        "analytics.period.hint": "{key}: next period",
        "analytics.custom.from": "From",
        "analytics.custom.to": "To",
        "analytics.custom.placeholder": "DD.MM.YYYY",
        "analytics.custom.apply": "Enter applies",
        "analytics.custom.bad_date": "The date in “{field}” is wrong: type it as DD.MM.YYYY.",
        "analytics.custom.reversed": "The period ends before it starts.",
        "analytics.custom.too_long": {
            "one": "A period is at most {count} day.",
            "other": "A period is at most {count} days.",
        },
        "analytics.custom.future": "The date in “{field}” is in the future.",
        "analytics.not_configured.title": "YClients is not connected for this salon.",
        "analytics.not_configured.partner_token": (
            "• Set YCLIENTS_PARTNER_TOKEN (the app's YClients partner token) in the environment "
            "or the config file, then restart the app."
        ),
        "analytics.not_configured.company_id": (
            "• Set yclients_company_id (the salon's YClients company id) in this salon's row "
            "of dashboard.tenants."
        ),
        "analytics.not_configured.user_token": (
            "• Set yclients_user_token (a YClients user token with access to the company) in "
            "this salon's row of dashboard.tenants."
        ),
        "analytics.not_configured.retry": "Press {key} to check again.",
        "analytics.state.idle": "The figures load when this tab is opened.",
        "analytics.state.checking": "Reading the salon's YClients settings…",
        "analytics.state.loading": "Loading from YClients… {key} cancels",
        "analytics.state.syncing": "Syncing with YClients: page {done} of {total} · {key} cancels",
        "analytics.state.cached": "Saved figures shown; syncing with YClients… {key} cancels",
        "analytics.state.cached_progress": (
            "Saved figures shown; syncing page {done} of {total} · {key} cancels"
        ),
        "analytics.state.synced": "Synced with YClients at {time} · company {company}",
        "analytics.state.cancelled": (
            "Sync cancelled: the figures may be out of date. {key} syncs."
        ),
        "analytics.state.yclients_error": "YClients: {reason} ({key} retries)",
        "analytics.state.backend_error": (
            "Cannot read the salon's settings: {reason} ({key} retries)"
        ),
        "analytics.state.cache_error": "The local cache failed: {reason} ({key} retries)",
        "analytics.empty": "No figures for this period yet.",
        "analytics.fig.records": "Records",
        "analytics.fig.visits": "Visits",
        "analytics.fig.no_shows": "No-shows",
        "analytics.fig.no_show_rate": "No-show rate",
        "analytics.fig.revenue": "Revenue",
        "analytics.fig.average_check": "Average check",
        "analytics.fig.unique_clients": "Unique clients",
        "analytics.fig.returning_clients": "Returning clients",
        "analytics.chart.by_day": "Revenue by day",
        "analytics.chart.by_staff": "Revenue by staff",
        "analytics.chart.max": "max {value}",
        "analytics.chart.empty": "No visits in this period.",
        "analytics.chart.more": {"one": "… and {count} more", "other": "… and {count} more"},
        "analytics.table.by_staff": "By staff",
        "analytics.table.by_service": "By service",
        "analytics.col.staff": "Staff",
        "analytics.col.service": "Service",
        "analytics.col.visits": "Visits",
        "analytics.col.lines": "Sold",
        "analytics.col.revenue": "Revenue",
        "analytics.unnamed": "#{id}",
        "analytics.export.done": "Figures exported to {path}",
        "analytics.export.nothing": "Nothing to export yet: the figures are not loaded.",
        "analytics.export.failed": "Could not write the CSV file: {reason}",
    },
    "ru": {
        "analytics.action.period": "Период",
        "analytics.action.sync": "Обновить",
        "analytics.action.cancel": "Отменить",
        "analytics.action.export": "Экспорт CSV",
        "analytics.period.label": "Период:",
        "analytics.period.today": "Сегодня",
        "analytics.period.week": "7 дней",
        "analytics.period.days30": "30 дней",
        "analytics.period.month": "Этот месяц",
        "analytics.period.custom": "Даты",
        "analytics.period.range": "{start} – {end}",
        "analytics.period.hint": "{key} — следующий период",
        "analytics.custom.from": "С",
        "analytics.custom.to": "По",
        "analytics.custom.placeholder": "ДД.ММ.ГГГГ",
        "analytics.custom.apply": "Enter — применить",
        "analytics.custom.bad_date": "Неверная дата в поле «{field}»: введите её как ДД.ММ.ГГГГ.",
        "analytics.custom.reversed": "Конец периода раньше начала.",
        "analytics.custom.too_long": {
            "one": "Период — не больше {count} дня.",
            "few": "Период — не больше {count} дней.",
            "many": "Период — не больше {count} дней.",
            "other": "Период — не больше {count} дня.",
        },
        "analytics.custom.future": "Дата в поле «{field}» ещё не наступила.",
        "analytics.not_configured.title": "YClients не подключён для этого салона.",
        "analytics.not_configured.partner_token": (
            "• Задайте YCLIENTS_PARTNER_TOKEN (партнёрский токен приложения в YClients) в "
            "окружении или в файле настроек и перезапустите приложение."
        ),
        "analytics.not_configured.company_id": (
            "• Задайте yclients_company_id (ID компании салона в YClients) в строке этого салона "
            "в dashboard.tenants."
        ),
        "analytics.not_configured.user_token": (
            "• Задайте yclients_user_token (пользовательский токен YClients с доступом к "
            "компании) в строке этого салона в dashboard.tenants."
        ),
        "analytics.not_configured.retry": "Нажмите {key}, чтобы проверить снова.",
        "analytics.state.idle": "Данные загрузятся, когда откроете эту вкладку.",
        "analytics.state.checking": "Проверка настроек YClients салона…",
        "analytics.state.loading": "Загрузка из YClients… {key} — отменить",
        "analytics.state.syncing": "Синхронизация с YClients: страница {done} из {total} · "
        "{key} — отменить",
        "analytics.state.cached": "Показаны сохранённые данные; синхронизация… {key} — отменить",
        "analytics.state.cached_progress": (
            "Показаны сохранённые данные; страница {done} из {total} · {key} — отменить"
        ),
        "analytics.state.synced": "Синхронизировано с YClients в {time} · компания {company}",
        "analytics.state.cancelled": "Синхронизация отменена: данные могут быть неактуальны. "
        "{key} — обновить.",
        "analytics.state.yclients_error": "YClients: {reason} ({key} — повторить)",
        "analytics.state.backend_error": "Не удалось прочитать настройки салона: {reason} "
        "({key} — повторить)",
        "analytics.state.cache_error": "Сбой локального кэша: {reason} ({key} — повторить)",
        "analytics.empty": "Данных за этот период пока нет.",
        "analytics.fig.records": "Записи",
        "analytics.fig.visits": "Визиты",
        "analytics.fig.no_shows": "Неявки",
        "analytics.fig.no_show_rate": "Доля неявок",
        "analytics.fig.revenue": "Выручка",
        "analytics.fig.average_check": "Средний чек",
        "analytics.fig.unique_clients": "Клиенты",
        "analytics.fig.returning_clients": "Повторные",
        "analytics.chart.by_day": "Выручка по дням",
        "analytics.chart.by_staff": "Выручка по мастерам",
        "analytics.chart.max": "макс. {value}",
        "analytics.chart.empty": "За этот период визитов нет.",
        "analytics.chart.more": {
            "one": "… и ещё {count}",
            "few": "… и ещё {count}",
            "many": "… и ещё {count}",
            "other": "… и ещё {count}",
        },
        "analytics.table.by_staff": "По мастерам",
        "analytics.table.by_service": "По услугам",
        "analytics.col.staff": "Мастер",
        "analytics.col.service": "Услуга",
        "analytics.col.visits": "Визиты",
        "analytics.col.lines": "Оказано",
        "analytics.col.revenue": "Выручка",
        "analytics.unnamed": "№\u00a0{id}",
        "analytics.export.done": "Данные выгружены в {path}",
        "analytics.export.nothing": "Выгружать пока нечего: данные не загружены.",
        "analytics.export.failed": "Не удалось записать CSV: {reason}",
    },
}
