"""Accounts in the app: own password, the Staff screen (admins), the Audit view (admins)."""

from __future__ import annotations

STRINGS = {
    "en": {
        "action.change_password": "Change my password",
        "action.staff": "Staff",
        "action.audit": "Audit log",
        "scope.staff": "Staff",
        "scope.audit": "Audit log",
        "scope.form": "form",
        "form.action.save": "Save",
        "form.action.cancel": "Cancel",
        "notice.signed_out_password": (
            "Your password was changed in another session or by an admin: you are signed out."
        ),
        # own password
        "password.title": "Change my password",
        "password.current": "Current password",
        "password.new": "New password",
        "password.repeat": "New password again",
        "password.rules": (
            "At least 8 characters and at most 72 bytes (a Cyrillic letter takes 2), "
            "not your email."
        ),
        "password.hint": "Ctrl+S saves · Esc cancels",
        "password.saving": "Saving…",
        "password.done": ("Password changed. Your other open sessions end within a few seconds."),
        "password.error.too_long": (
            "The password is {size} bytes long: at most 72 bytes are allowed "
            "(a Cyrillic letter takes 2)."
        ),
        "password.error.too_short": "The password needs at least 8 characters.",
        "password.error.nul": "The password cannot contain a NUL character.",
        "password.error.email": "The password must not be the email address.",
        "password.error.mismatch": "The two new passwords differ.",
        "password.error.same": "The new password is the same as the current one.",
        "password.error.wrong_current": "The current password is wrong.",
        "password.error.empty": "Type the current password first.",
        "password.error.other": "Not changed: {reason}",
        # staff
        "staff.title": "Staff of {tenant}",
        "staff.count": {"one": "{count} account", "other": "{count} accounts"},
        "staff.col.email": "Email",
        "staff.col.name": "Name",
        "staff.col.role": "Role",
        "staff.col.active": "Active",
        "staff.col.last_login": "Last login",
        "staff.col.logins": "Failures",
        "staff.active.yes": "yes",
        "staff.active.no": "no",
        "staff.never": "never",
        "staff.failures": {"one": "{count} failure", "other": "{count} failures"},
        "staff.locked": "locked to {time}",
        "staff.loading": "Loading…",
        "staff.action.add": "Add",
        "staff.action.toggle": "On/off",
        "staff.action.role": "Role",
        "staff.action.reset": "Reset password",
        "staff.action.close": "Close",
        "staff.confirm.deactivate": (
            "Deactivate {email}? Their open sessions end within a few seconds, and they "
            "cannot log in until activated again."
        ),
        "staff.confirm.activate": "Activate {email}? They can log in again.",
        "staff.confirm.reset": (
            "Reset the password of {email}? A new one is generated and shown once; their open "
            "sessions end within a few seconds."
        ),
        "staff.done.added": "Added {email}.",
        "staff.done.deactivated": "{email} is deactivated: their sessions end within seconds.",
        "staff.done.activated": "{email} is active again.",
        "staff.done.role": "{email} is now: {role}.",
        "staff.done.reset": "New password for {email} set: their sessions end within seconds.",
        "staff.error.last_admin": (
            "The salon's last active admin cannot be deactivated or demoted: make another "
            "user an admin first."
        ),
        "staff.error.self": "You cannot deactivate your own account.",
        "staff.error.exists": "An account with this email already exists.",
        "staff.error.email": "This is not an email address.",
        "staff.error.other": "Not done: {reason}",
        "staff.generated.title": "The password of {email}",
        "staff.generated.note": (
            "Shown only this once: hand it over in person. Ask them to change it after their "
            "first login (F6, Change my password)."
        ),
        "staff.generated.close": "Enter or Esc closes",
        "staff.add.title": "New staff member",
        "staff.add.email": "Email",
        "staff.add.name": "Name (optional)",
        "staff.add.role": "Role",
        "staff.add.password": "Password (empty: generate one)",
        "staff.add.repeat": "Password again",
        "staff.role.title": "Role of {email}",
        # audit
        "audit.title": "Audit log of {tenant}",
        "audit.col.at": "When",
        "audit.col.who": "Who",
        "audit.col.what": "What",
        "audit.col.detail": "Detail",
        "audit.showing": "Showing: {kind} · page {page}",
        "audit.empty": "No entries.",
        "audit.loading": "Loading…",
        "audit.last_page": "This is the oldest page.",
        "audit.kind.all": "everything",
        "audit.kind.logins": "logins and failures",
        "audit.kind.lockouts": "lockouts",
        "audit.kind.accounts": "account changes",
        "audit.kind.commands": "commands sent",
        "audit.kind.pauses": "pauses and resumes",
        "audit.action.kind": "Kind",
        "audit.action.older": "Older",
        "audit.action.newest": "Newest",
        "audit.action.close": "Close",
        "audit.what.login": "logged in",
        "audit.what.login_failed": "failed login",
        "audit.what.login_refused": "login refused (locked)",
        "audit.what.logout": "logged out",
        "audit.what.lockout": "locked out",
        "audit.what.user.added": "added an account",
        "audit.what.user.activated": "activated an account",
        "audit.what.user.deactivated": "deactivated an account",
        "audit.what.user.role_changed": "changed a role",
        "audit.what.user.password_changed": "set a password (server)",
        "audit.what.user.password_reset": "reset a password",
        "audit.what.account.password_changed": "changed own password",
        "audit.what.account.password_change_failed": "wrong current password",
        "audit.what.command.send_message": "message to a client",
        "audit.what.command.handoff_to_human": "handed over to a person",
        "audit.what.command.pause_bot": "paused the bot",
        "audit.what.command.resume_bot": "resumed the bot",
    },
    "ru": {
        "action.change_password": "Сменить свой пароль",
        "action.staff": "Сотрудники",
        "action.audit": "Журнал действий",
        "scope.staff": "Сотрудники",
        "scope.audit": "Журнал действий",
        "scope.form": "форма",
        "form.action.save": "Сохранить",
        "form.action.cancel": "Отмена",
        "notice.signed_out_password": (
            "Ваш пароль сменили в другом сеансе или это сделал управляющий: вы вышли из системы."
        ),
        "password.title": "Смена своего пароля",
        "password.current": "Текущий пароль",
        "password.new": "Новый пароль",
        "password.repeat": "Новый пароль ещё раз",
        "password.rules": (
            "Не короче 8 символов и не длиннее 72 байт (русская буква — 2 байта), "
            "не совпадает с почтой."
        ),
        "password.hint": "Ctrl+S — сохранить · Esc — отмена",
        "password.saving": "Сохраняю…",
        "password.done": (
            "Пароль изменён. Другие ваши открытые сеансы завершатся в течение нескольких секунд."
        ),
        "password.error.too_long": (
            "В пароле {size} байт, а можно не больше 72 (русская буква — 2 байта)."
        ),
        "password.error.too_short": "В пароле должно быть не меньше 8 символов.",
        "password.error.nul": "В пароле не может быть символа NUL.",
        "password.error.email": "Пароль не должен совпадать с адресом почты.",
        "password.error.mismatch": "Новые пароли не совпадают.",
        "password.error.same": "Новый пароль совпадает с текущим.",
        "password.error.wrong_current": "Текущий пароль неверен.",
        "password.error.empty": "Сначала введите текущий пароль.",
        "password.error.other": "Пароль не изменён: {reason}",
        "staff.title": "Сотрудники · {tenant}",
        "staff.count": {
            "one": "{count} учётная запись",
            "few": "{count} учётные записи",
            "many": "{count} учётных записей",
            "other": "{count} учётной записи",
        },
        "staff.col.email": "Почта",
        "staff.col.name": "Имя",
        "staff.col.role": "Роль",
        # Short: six columns fit 80 characters.
        "staff.col.active": "Акт.",
        "staff.col.last_login": "Вход",
        "staff.col.logins": "Неудачи",
        "staff.active.yes": "да",
        "staff.active.no": "нет",
        "staff.never": "не входил",
        "staff.failures": {
            "one": "{count} неудача",
            "few": "{count} неудачи",
            "many": "{count} неудач",
            "other": "{count} неудачи",
        },
        "staff.locked": "блок до {time}",
        "staff.loading": "Загружаю…",
        "staff.action.add": "Добавить",
        "staff.action.toggle": "Вкл./откл.",
        "staff.action.role": "Роль",
        "staff.action.reset": "Сброс пароля",
        "staff.action.close": "Закрыть",
        "staff.confirm.deactivate": (
            "Отключить {email}? Открытые сеансы сотрудника завершатся в течение нескольких "
            "секунд, войти снова он сможет только после включения."
        ),
        "staff.confirm.activate": "Включить {email}? Сотрудник снова сможет войти.",
        "staff.confirm.reset": (
            "Сбросить пароль {email}? Будет создан новый пароль, он будет показан один раз; "
            "открытые сеансы сотрудника завершатся в течение нескольких секунд."
        ),
        "staff.done.added": "Добавлен сотрудник {email}.",
        "staff.done.deactivated": "{email} отключён: его сеансы завершатся за несколько секунд.",
        "staff.done.activated": "{email} снова активен.",
        "staff.done.role": "Роль {email}: {role}.",
        "staff.done.reset": (
            "Новый пароль {email} установлен: его сеансы завершатся за несколько секунд."
        ),
        "staff.error.last_admin": (
            "Последнего активного управляющего салона нельзя отключить или понизить: сначала "
            "назначьте управляющим другого сотрудника."
        ),
        "staff.error.self": "Свою учётную запись отключить нельзя.",
        "staff.error.exists": "Учётная запись с такой почтой уже есть.",
        "staff.error.email": "Это не адрес электронной почты.",
        "staff.error.other": "Не выполнено: {reason}",
        "staff.generated.title": "Пароль {email}",
        "staff.generated.note": (
            "Показан только сейчас: передайте его сотруднику лично. Попросите сменить пароль "
            "после первого входа (F6, «Сменить свой пароль»)."
        ),
        "staff.generated.close": "Enter или Esc — закрыть",
        "staff.add.title": "Новый сотрудник",
        "staff.add.email": "Почта",
        "staff.add.name": "Имя (необязательно)",
        "staff.add.role": "Роль",
        "staff.add.password": "Пароль (пусто — создать случайный)",
        "staff.add.repeat": "Пароль ещё раз",
        "staff.role.title": "Роль {email}",
        "audit.title": "Журнал действий · {tenant}",
        "audit.col.at": "Когда",
        "audit.col.who": "Кто",
        "audit.col.what": "Что",
        "audit.col.detail": "Подробности",
        "audit.showing": "Показаны: {kind} · стр. {page}",
        "audit.empty": "Записей нет.",
        "audit.loading": "Загружаю…",
        "audit.last_page": "Это самая старая страница.",
        "audit.kind.all": "все записи",
        "audit.kind.logins": "входы и неудачи",
        "audit.kind.lockouts": "блокировки",
        "audit.kind.accounts": "изменения учётных записей",
        "audit.kind.commands": "отправленные команды",
        "audit.kind.pauses": "паузы и возобновления",
        "audit.action.kind": "Вид",
        "audit.action.older": "Старше",
        "audit.action.newest": "Новые",
        "audit.action.close": "Закрыть",
        "audit.what.login": "вход",
        "audit.what.login_failed": "неудачный вход",
        "audit.what.login_refused": "вход отклонён (блок)",
        "audit.what.logout": "выход",
        "audit.what.lockout": "блокировка входа",
        "audit.what.user.added": "добавил сотрудника",
        "audit.what.user.activated": "включил сотрудника",
        "audit.what.user.deactivated": "отключил сотрудника",
        "audit.what.user.role_changed": "сменил роль",
        "audit.what.user.password_changed": "задал пароль (сервер)",
        "audit.what.user.password_reset": "сбросил пароль",
        "audit.what.account.password_changed": "сменил свой пароль",
        "audit.what.account.password_change_failed": "неверный текущий пароль",
        "audit.what.command.send_message": "сообщение клиенту",
        "audit.what.command.handoff_to_human": "передал человеку",
        "audit.what.command.pause_bot": "пауза бота",
        "audit.what.command.resume_bot": "бот снова отвечает",
    },
}
