"""The chartkit command: --version, plain-text help with an example per subcommand, one-line
errors with exit status 2 and --debug for the traceback (issues 16.6, 17)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import chartkit
from chartkit.cli import _parser, main

DATA = Path(__file__).parent / "data"
SESSION = DATA / "session_mixed"


def _subparsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _all_helps():
    top = _parser()
    yield "chartkit", top.format_help()
    for name, sub in _subparsers(top):
        yield name, sub.format_help()
        for sub_name, subsub in _subparsers(sub):
            yield f"{name} {sub_name}", subsub.format_help()


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"chartkit {chartkit.__version__}\n"


@pytest.mark.parametrize("name", [n for n, _ in _all_helps()])
def test_every_help_is_plain_text_with_an_example(name):
    text = dict(_all_helps())[name]
    assert "``" not in text
    assert not re.search(r"`[^`\s]+`", text), "reST backticks in help"
    assert re.search(r"^examples?:\n  chartkit ", text, re.M), f"no example in {name} help"


def test_plot_logs_help_documents_every_option():
    sub = dict(_subparsers(_parser()))["plot-logs"]
    for action in sub._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
    text = sub.format_help()
    for option in ("--column", "--batch-size", "--metric", "--encoding", "--watch", "--lang"):
        assert option in text
    assert "chartkit.toml" in text


def test_bad_encoding_is_one_line_and_debug_shows_the_traceback(tmp_path, capsys):
    shutil.copy(SESSION / "probe.csv", tmp_path / "probe.csv")
    args = ["plot-logs", str(tmp_path), "--out", str(tmp_path / "o"), "--encoding", "nope"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == (
        "chartkit plot-logs: error: 'nope' is not a valid value for encoding; expected a "
        "Python codec name such as 'utf-8', 'utf-8-sig', 'cp949' or 'latin-1'.\n"
    )
    assert main([*args, "--debug"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chartkit plot-logs: error: 'nope' is not a valid value")
    assert "Traceback (most recent call last)" in err


def test_bad_column_option(tmp_path, capsys):
    shutil.copy(SESSION / "probe.csv", tmp_path / "probe.csv")
    assert main(["plot-logs", str(tmp_path), "--column", "memory"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chartkit plot-logs: error: 'memory' is not a valid value for --column")
    assert len(err.splitlines()) == 1


@pytest.mark.filterwarnings("ignore::chartkit.errors.DataWarning")
def test_logs_info_on_a_mixed_folder(capsys):
    assert main(["logs", "info", str(SESSION)]) == 0
    out = capsys.readouterr().out
    for kind in ("lightning", "nvidia_smi", "batch_probe", "tensorboard", "jsonl"):
        assert f"({kind}) ==" in out
    assert "recognised: header has batch_size and status" in out
    assert "skipped under" in out
    assert "train.py: not a log: source code" in out


def test_logs_info_reports_reader_errors_in_one_line(tmp_path, capsys, monkeypatch):
    import chartkit.metrics as M

    shutil.copy(SESSION / "probe.csv", tmp_path / "probe.csv")

    def deep(path, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(M, "read_batch_probe", deep)
    assert main(["logs", "info", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.endswith("error: RecursionError: maximum recursion depth exceeded\n")
    assert len(err.splitlines()) == 1
    assert main(["logs", "info", str(tmp_path), "--encoding", "nope"]) == 2
    assert "'nope' is not a valid value for encoding" in capsys.readouterr().err
