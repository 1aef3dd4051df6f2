"""The CLI builds only the command it runs; help and unknown commands see every command."""

from __future__ import annotations

from flowdsl.cli import _app_for, app


def test_only_the_invoked_command_is_built() -> None:
    names = [c.callback.__name__ for c in _app_for(["validate", "x.py"]).registered_commands]
    assert names == ["validate"]
    assert len(app.registered_commands) > 1  # the app itself is untouched


def test_help_and_unknown_commands_get_the_whole_app() -> None:
    assert _app_for(["--help"]) is app
    assert _app_for([]) is app
    assert _app_for(["bild"]) is app
