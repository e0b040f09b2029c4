"""The chaos suite drives the app as the app tests do (tests/tui/conftest.py), against a devstack
in a child process of its own: its faults never reach the stack other tests use, and it stops
when the module is done."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tui.conftest import (  # noqa: F401  (fixtures, found by name)
    StackProcess,
    _isolated_config,
    make_app,
    stack_process,
)


@pytest.fixture(scope="module")
def tui_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    with stack_process(tmp_path_factory.mktemp("chaos-stack")) as stack:
        yield stack
