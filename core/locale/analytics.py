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
        "analytics.period.hint": "p: next period",
        "analytics.custom.from": "From",
        "analytics.custom.to": "To",
        "analytics.custom.placeholder": "YYYY-MM-DD",
        "analytics.custom.apply": "Enter applies",
        "analytics.custom.bad_date": "“{field}” is not a date: type it as YYYY-MM-DD.",
        "analytics.custom.reversed": "“To” is before “From”.",
        "analytics.custom.too_long": "A period is at most {days} days.",
        "analytics.custom.future": "“{field}” is in the future.",
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
        "analytics.not_configured.retry": "Press r to check again.",
        "analytics.state.idle": "The figures load when this tab is opened.",
        "analytics.state.checking": "Reading the salon's YClients settings…",
        "analytics.state.loading": "Loading from YClients… x cancels",
        "analytics.state.syncing": "Syncing with YClients: page {done} of {total} · x cancels",
        "analytics.state.cached": "Saved figures shown; syncing with YClients… x cancels",
        "analytics.state.cached_progress": (
            "Saved figures shown; syncing page {done} of {total} · x cancels"
        ),
        "analytics.state.synced": "Synced with YClients at {time} · company {company}",
        "analytics.state.cancelled": "Sync cancelled: the figures may be out of date. r syncs.",
        "analytics.state.yclients_error": "YClients: {reason} (r retries)",
        "analytics.state.backend_error": "Cannot read the salon's settings: {reason} (r retries)",
        "analytics.state.cache_error": "The local cache failed: {reason} (r retries)",
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
        "analytics.chart.more": "… and {count} more",
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
        "analytics.period.custom": "Свой",
        "analytics.period.range": "{start} – {end}",
        "analytics.period.hint": "p: следующий период",
        "analytics.custom.from": "С",
        "analytics.custom.to": "По",
        "analytics.custom.placeholder": "ГГГГ-ММ-ДД",
        "analytics.custom.apply": "Enter применяет",
        "analytics.custom.bad_date": "«{field}» — не дата: введите её как ГГГГ-ММ-ДД.",
        "analytics.custom.reversed": "«По» раньше, чем «С».",
        "analytics.custom.too_long": "Период — не больше {days} дней.",
        "analytics.custom.future": "«{field}» — дата в будущем.",
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
        "analytics.not_configured.retry": "Нажмите r, чтобы проверить снова.",
        "analytics.state.idle": "Цифры загрузятся, когда откроете эту вкладку.",
        "analytics.state.checking": "Читаю настройки YClients салона…",
        "analytics.state.loading": "Загрузка из YClients… x — отменить",
        "analytics.state.syncing": "Синхронизация с YClients: страница {done} из {total} · "
        "x — отменить",
        "analytics.state.cached": "Показаны сохранённые цифры; синхронизация… x — отменить",
        "analytics.state.cached_progress": (
            "Показаны сохранённые цифры; страница {done} из {total} · x — отменить"
        ),
        "analytics.state.synced": "Синхронизировано с YClients в {time} · компания {company}",
        "analytics.state.cancelled": "Синхронизация отменена: цифры могут быть неактуальны. "
        "r — обновить.",
        "analytics.state.yclients_error": "YClients: {reason} (r — повторить)",
        "analytics.state.backend_error": "Не удалось прочитать настройки салона: {reason} "
        "(r — повторить)",
        "analytics.state.cache_error": "Сбой локального кэша: {reason} (r — повторить)",
        "analytics.empty": "Цифр за этот период пока нет.",
        "analytics.fig.records": "Записи",
        "analytics.fig.visits": "Визиты",
        "analytics.fig.no_shows": "Неявки",
        "analytics.fig.no_show_rate": "Доля неявок",
        "analytics.fig.revenue": "Выручка",
        "analytics.fig.average_check": "Средний чек",
        "analytics.fig.unique_clients": "Клиенты",
        "analytics.fig.returning_clients": "Вернувшиеся",
        "analytics.chart.by_day": "Выручка по дням",
        "analytics.chart.by_staff": "Выручка по мастерам",
        "analytics.chart.max": "макс. {value}",
        "analytics.chart.empty": "За этот период визитов нет.",
        "analytics.chart.more": "… и ещё {count}",
        "analytics.table.by_staff": "По мастерам",
        "analytics.table.by_service": "По услугам",
        "analytics.col.staff": "Мастер",
        "analytics.col.service": "Услуга",
        "analytics.col.visits": "Визиты",
        "analytics.col.lines": "Продано",
        "analytics.col.revenue": "Выручка",
        "analytics.unnamed": "№{id}",
        "analytics.export.done": "Цифры выгружены в {path}",
        "analytics.export.nothing": "Выгружать пока нечего: цифры не загружены.",
        "analytics.export.failed": "Не удалось записать CSV: {reason}",
    },
}
