"""The page's stylesheet and script are package data: they are in the wheel and load from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sim.report.page import ASSETS, asset, page

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "sim" / "report" / "assets"


def test_assets_are_read_from_the_package_and_inlined():
    html = page("t", "<p>body</p>", 0)
    for name in ASSETS:
        text = asset(name)
        assert text == (SOURCE / name).read_text(encoding="utf-8")
        assert text in html
    assert html.index("<style>") < html.index(asset("report.css")) < html.index("</style>")
    assert "window.nurtureReport" in html
    with pytest.raises(ValueError, match="not one of"):
        asset("missing.js")


@pytest.mark.slow
def test_an_installed_wheel_carries_the_assets(tmp_path):
    # Build from a copy of the sources, so nothing is left behind in the checkout.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "sim", src / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(wheels), str(src)], check=True, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("nurture_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"sim/report/assets/{n}" for n in ASSETS} <= names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(wheel)], check=True, cwd=tmp_path)  # fmt: skip
    # The installed copy first on the path, ahead of this checkout (and of an editable install).
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import sim.report.page as p; "
        "print(json.dumps({'file': p.__file__, 'assets': {n: p.asset(n) for n in p.ASSETS}, "
        "'page': p.page('t', '', 0)}))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(site)], check=True, cwd=tmp_path,
                         capture_output=True, text=True).stdout  # fmt: skip
    got = json.loads(out)
    assert Path(got["file"]).is_relative_to(site)
    for name in ASSETS:
        assert got["assets"][name] == (SOURCE / name).read_text(encoding="utf-8")
        assert got["assets"][name] in got["page"]
