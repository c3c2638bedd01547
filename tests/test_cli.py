"""The command line as a person uses it: parse prints the breakdown, status prints a table."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from scriptvid import intake
from scriptvid.ledger import Ledger
from scriptvid.pipeline import STEPS
from scriptvid.project import Root, create_project

from conftest import REPO, corpus_file


def scriptvid(*args: str, root: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--root", str(root)] if root else []
    return subprocess.run(
        [sys.executable, "-m", "scriptvid", *args, *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_parse_prints_scenes_with_heading_characters_and_dialogue() -> None:
    result = scriptvid("parse", str(corpus_file("brick_and_steel.fountain")))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["scenes"]) == 8
    first_with_lines = next(s for s in data["scenes"] if s["dialogue"])
    assert first_with_lines["heading"]
    assert set(first_with_lines["characters"]) >= {line["character"] for line in first_with_lines["dialogue"]}
    assert all(isinstance(line["text"], str) and line["text"] for line in first_with_lines["dialogue"])
    speakers = {line["character"] for s in data["scenes"] for line in s["dialogue"]}
    assert {"BRICK", "STEEL"} <= speakers


def test_parse_of_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    empty = tmp_path / "empty.fountain"
    empty.write_text("   \n\n")
    result = scriptvid("parse", str(empty))
    assert result.returncode == 65
    assert "empty.fountain" in result.stderr and "empty" in result.stderr.lower()


def test_status_lists_projects_from_the_ledger(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    ledger = Ledger.open(tmp_path, "", STEPS)
    project = create_project(root, "my film")
    (project.source_dir / "my film.fountain").write_text("INT. ROOM - DAY\n")
    intake.register(project, [], ledger)
    _, (parse,) = ledger.start_run("my-film", "new script")
    ledger.begin(parse.id, "test/1/1")
    project.status_file.unlink()  # what people read; the command reads the ledger
    result = scriptvid("status", root=tmp_path)
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split()[:4] == ["PROJECT", "STATE", "STAGE", "PROGRESS"]
    assert row.split()[:6] == ["my-film", "running", "parse", "0%", "0", "0"]
    as_json = json.loads(scriptvid("status", "--json", root=tmp_path).stdout)
    assert (as_json[0]["project"], as_json[0]["run"], as_json[0]["reason"]) == ("my-film", 1, "new script")


def test_a_bad_config_file_refuses_to_start_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "scriptvid.yaml").write_text("daemon: {workers: 0}\n")
    result = scriptvid("daemon", root=tmp_path)
    assert result.returncode == 78
    assert (
        "scriptvid.yaml: daemon.workers: 0 is out of range; expected a whole number from 1 to 64"
        in result.stderr
    )


def test_the_systemd_unit_is_accepted_by_systemd_analyze(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        import pytest

        pytest.skip("systemd-analyze is not installed")
    # The units name /opt/scriptvid; point them at this checkout so the ExecStart binary exists.
    for name, as_installed in (
        ("scriptvid.service", "scriptvid.service"),
        ("scriptvid-worker@.service", "scriptvid-worker@gpu.service"),
    ):
        unit = (REPO / name).read_text().replace("/opt/scriptvid", str(REPO))
        (tmp_path / name).write_text(unit)
        result = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / as_installed)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "Type=notify" in unit and "User=scriptvid" in unit and "Restart=on-failure" in unit
        assert "ProtectSystem=strict" in unit and "EnvironmentFile=-/etc/scriptvid/secrets.env" in unit


def test_root_and_config_go_before_or_after_the_command() -> None:
    from scriptvid.cli import build_parser

    def parsed(*argv: str) -> tuple[str | None, str | None]:
        args = build_parser().parse_args(argv)
        return args.root, args.config

    assert parsed("--root", "/data", "--config", "c.yaml", "render", "f") == ("/data", "c.yaml")
    assert parsed("render", "--root", "/data", "f") == ("/data", None)
    assert parsed("--root", "/a", "status", "--root", "/b") == ("/b", None)  # the nearer one wins
    assert parsed("status") == (None, None)
