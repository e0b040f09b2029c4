"""The app's own files are its user's alone: folders 0700, files 0600.

The outbox holds message texts, the YClients cache clients' names and phones, an export the
salon's figures. On a shared server (docs/deploy-ssh.md) another local account must read none
of them, whatever the umask the app was started with, so every file is created with its mode
rather than chmod-ed afterwards (no window where it is readable), and the command line runs
with umask 077 for whatever a library creates on its own.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_umask() -> int:
    """Umask 077 for this process; returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` and any missing parents created 0700; `path` itself forced to 0700."""
    missing = [folder for folder in [path, *path.parents] if not folder.exists()]
    # mkdir -p would make the parents 0777 & ~umask; they are the app's folders too.
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it does not exist; force 0600 if it does.

    SQLite gives its -wal and -shm files the database file's mode, so creating the database
    file this way first covers them too."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(
    path: Path, mode: str = "w", *, encoding: str = "utf-8", newline: str = ""
) -> io.TextIOWrapper:
    """A text file opened for writing, created (or truncated) with mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    private_dir(path.parent)
    fd = os.open(path, flags, FILE_MODE)
    if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)
    if "a" in mode:
        return open(fd, "a", encoding=encoding, newline=newline)
    return open(fd, "w", encoding=encoding, newline=newline)


class ModeProblem:
    # A plain class: this module is imported before anything else at start-up.
    def __init__(self, path: Path, mode: int, expected: int) -> None:
        self.path, self.mode, self.expected = path, mode, expected

    @property
    def fix(self) -> str:
        return f"chmod {self.expected:o} {self.path}"


def mode_problems(root: Path) -> list[ModeProblem]:
    """Folders under `root` (itself included) not 0700, files whose group or others may read
    or write them. Symlinks are not followed; a missing root has no problems."""
    if not root.exists():
        return []
    problems: list[ModeProblem] = []
    for path in [root, *sorted(root.rglob("*"))]:
        try:
            info = path.lstat()
        except OSError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISDIR(info.st_mode) and mode != DIR_MODE:
            problems.append(ModeProblem(path, mode, DIR_MODE))
        elif stat.S_ISREG(info.st_mode) and mode & 0o077:
            problems.append(ModeProblem(path, mode, FILE_MODE))
    return problems
