"""Every command is documented: in the README, and with --help that shows an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in README, f"README.md does not document `{command}`"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    example = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("example:")]
    assert example and f"python -m bot {command}" in example[0]


def test_env_example_lists_no_real_secret() -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    assert "TELEGRAM_BOT_TOKEN=" in lines  # listed, and empty
    assert not [ln for ln in lines if ln.startswith("TELEGRAM_BOT_TOKEN=") and ln != "TELEGRAM_BOT_TOKEN="]
