"""``nurture init DIR``: a practice's scenario and strategies to start from.

Copies the shipped default scenario and strategies into ``DIR`` (``scenario.toml`` and
``strategies/*.toml``) with a suite that compares them, so a practice edits its own numbers
instead of the package's. Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import InputError

#: The shipped configs an init copies (relative to the project root).
STRATEGIES = ("no_nurture", "stage_nurture", "marketer_brief")

SUITE = """# Your practice's A/B question: does nurturing beat today's follow-up?
name = "my_practice"
scenario = "scenario.toml"
design = "paired"
replications = 20
seed = 1
control = "no_nurture"
{arms}
[[expect]]
description = "nurturing brings more patients (95% interval of the lift above 0)"
arm = "stage_nurture"
metric = "abs_lift"
ci_above = 0.0
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="write a practice's scenario, strategies and suite to start from",
        description="Write DIR/scenario.toml, DIR/strategies/*.toml and DIR/suite.toml from "
        "the shipped defaults; edit them to your practice, then run nurture validate, "
        "nurture compare or nurture suite on them. Existing files are kept.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="folder to create or fill")
    p.set_defaults(handler=run)


def _root() -> Path:
    return Path(__file__).resolve().parents[2]


def run(args: argparse.Namespace) -> int:
    from sim.files import atomic_write_text

    root, out = _root(), args.dir
    files = {out / "scenario.toml": root / "configs/scenarios/medical_practice.toml"}
    for name in STRATEGIES:
        files[out / "strategies" / f"{name}.toml"] = root / f"configs/strategies/{name}.toml"
    for src in files.values():
        if not src.is_file():
            raise InputError(str(src), "shipped config not found (is this a full install?)")
    arms = "".join(
        f'\n[[arms]]\nname = "{n}"\nstrategy = "strategies/{n}.toml"\n' for n in STRATEGIES
    )
    texts = {dst: src.read_text(encoding="utf-8") for dst, src in files.items()}
    texts[out / "suite.toml"] = SUITE.format(arms=arms)
    try:
        (out / "strategies").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create the folder ({exc.strerror})") from None
    for dst, text in texts.items():
        if dst.exists():
            print(f"kept     {dst} (exists)")
            continue
        atomic_write_text(dst, text)
        print(f"wrote    {dst}")
    print(f"next: nurture validate {out}/*.toml {out}/strategies/*.toml")
    return 0
