"""The local dashboard's server: a browser dropping its connection prints nothing, a real failure still prints."""

from __future__ import annotations

import pytest

from crypto_advisor.local.http_api import QuietServer


@pytest.fixture
def server() -> QuietServer:
    # Not bound: handle_error only reads the exception being handled
    return QuietServer(("127.0.0.1", 0), None, bind_and_activate=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("dropped", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_a_connection_the_browser_dropped_leaves_the_console_quiet(server, capsys, dropped) -> None:
    try:
        raise dropped
    except ConnectionError:
        server.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""


def test_any_other_failure_still_prints_its_traceback(server, capsys) -> None:
    try:
        raise ValueError("a bug in the handler")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 50000))
    err = capsys.readouterr().err
    assert "ValueError: a bug in the handler" in err and "Traceback" in err
