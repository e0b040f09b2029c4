"""UI text of the login screen."""

from core.i18n import Message

STRINGS: dict[str, dict[str, Message]] = {
    "en": {
        "login.title": "Agent P — salon dashboard",
        "login.email": "Email",
        "login.password": "Password",
        "login.submit": "Enter logs in, Tab moves between fields",
        "login.connecting": "Connecting to the backend…",
        "login.checking": "Checking…",
        "login.invalid": "Wrong email or password.",
        "login.locked": "Too many failed attempts. Try again after {time}.",
        "login.unavailable": "The backend is unreachable: {reason}",
        "login.unexpected": "the login could not be checked (the details are in the log file)",
        "login.email_missing": "Enter your email.",
        "login.password_missing": "Enter your password.",
        "login.email_too_long": "That email is too long (at most 320 characters).",
        "login.password_too_long": "That password is too long to be anyone's.",
        "login.demo": "Demo logins (local devstack only):",
        "login.retry": "Trying again in {seconds} s; {key} tries now.",
        "login.action.retry": "Reconnect",
    },
    "ru": {
        "login.title": "Agent P — панель салона",
        "login.email": "Эл. почта",
        "login.password": "Пароль",
        "login.submit": "Enter — войти, Tab — следующее поле",
        "login.connecting": "Подключение к серверу…",
        "login.checking": "Проверка…",
        "login.invalid": "Неверная почта или пароль.",
        "login.locked": "Слишком много неудачных попыток. Повторите после {time}.",
        "login.unavailable": "Сервер недоступен: {reason}",
        "login.unexpected": "вход не удалось проверить (подробности в журнале)",
        "login.email_missing": "Введите почту.",
        "login.password_missing": "Введите пароль.",
        "login.email_too_long": "Слишком длинный адрес (не больше 320 символов).",
        "login.password_too_long": "Слишком длинный пароль.",
        "login.demo": "Демо-входы (только локальный devstack):",
        "login.retry": "Новая попытка через {seconds}\u00a0с; {key} — сейчас.",
        "login.action.retry": "Переподключить",
    },
}
