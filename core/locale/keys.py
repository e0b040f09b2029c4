"""UI text of keyboard behaviour: leaving a text field, worker failures said in plain words."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "action.leave_field": "Leave field",
        "worker.failed": "{what} failed unexpectedly; details are in the log file.",
        "worker.what.backend": "Connecting to the backend",
        "worker.what.login": "Logging in",
        "worker.what.unlock": "Checking the password",
        "worker.what.logout": "Logging out",
        "worker.what.feeds": "Starting the live updates",
        "worker.what.outbox": "Sending the queued commands",
        "worker.what.wishlist": "Loading the wishlist",
        "worker.what.sessions": "Loading the conversations",
        "worker.what.commands": "The commands tab",
        "worker.what.thread": "The conversation",
        "worker.what.analytics": "Loading the analytics",
        "worker.what.staff": "The staff list",
        "worker.what.audit": "The audit log",
        "worker.what.own": "Changing your password",
        "worker.what.other": "A background task",
    },
    "ru": {
        "action.leave_field": "Выйти из поля",
        "worker.failed": "{what}: непредвиденная ошибка; подробности в журнале.",
        "worker.what.backend": "Подключение к серверу",
        "worker.what.login": "Вход",
        "worker.what.unlock": "Проверка пароля",
        "worker.what.logout": "Выход из учётной записи",
        "worker.what.feeds": "Запуск живых обновлений",
        "worker.what.outbox": "Отправка команд из очереди",
        "worker.what.wishlist": "Загрузка листа ожидания",
        "worker.what.sessions": "Загрузка диалогов",
        "worker.what.commands": "Вкладка команд",
        "worker.what.thread": "Диалог",
        "worker.what.analytics": "Загрузка аналитики",
        "worker.what.staff": "Список сотрудников",
        "worker.what.audit": "Журнал действий",
        "worker.what.own": "Смена пароля",
        "worker.what.other": "Фоновая задача",
    },
}
