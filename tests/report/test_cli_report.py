"""``nurture report RUN_DIR``."""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.cli import main


def test_rebuilds_the_report_and_prints_its_path(run_folder, tmp_path, capsys):
    folder = Path(shutil.copytree(run_folder, tmp_path / "run"))
    assert main(["report", str(folder)]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(folder / "report.html")
    assert Path(out).stat().st_size > 1_000_000  # plotly.js is inside


def _fails(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nurture report: error: ")
    return lines[0]


def test_bad_run_dirs_exit_2_with_one_line(run_folder, tmp_path, capsys):
    assert "no such folder" in _fails(["report", str(tmp_path / "missing")], capsys)
    assert "manifest.json is missing" in _fails(["report", str(tmp_path)], capsys)
    folder = Path(shutil.copytree(run_folder, tmp_path / "run"))
    (folder / "summary.csv").unlink()
    assert f"{folder / 'summary.csv'}: is missing" in _fails(["report", str(folder)], capsys)
    (folder / "manifest.json").write_text("{not json")
    line = _fails(["report", str(folder)], capsys)
    assert f"{folder / 'manifest.json'}: is not valid JSON" in line
    assert not (folder / "report.html").exists()
