"""``nurture calibrate EXPORT_DIR``: calibrate a scenario to a practice's CRM export."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import print_json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="calibrate a scenario to a practice's CRM export",
        description="Directly observed parameters by maximum likelihood, latent ones by "
        "ABC-SMC; writes the calibrated scenario, a posterior priors file and a report.",
    )
    p.add_argument("export", type=Path, help="export folder (leads and events; nurture crm)")
    p.add_argument("--scenario", type=Path, required=True, help="base scenario TOML")
    p.add_argument("--strategy", type=Path, required=True, help="the practice's strategy TOML")
    p.add_argument("--priors", type=Path, required=True, help="priors file (configs/uncertainty)")
    p.add_argument("--out", type=Path, required=True, help="calibrated scenario TOML to write")
    p.add_argument(
        "--posterior",
        type=Path,
        help="posterior priors file to write (default: OUT with .posterior.toml)",
    )
    p.add_argument("--report", type=Path, help="report to write (default: OUT with .report.md)")
    p.add_argument(
        "--latent",
        nargs="*",
        help="latent parameters for ABC (default: the journey, booking and content ones; "
        "none: direct estimates only)",
    )
    p.add_argument("--population", type=int, default=100, help="ABC particles (default 100)")
    p.add_argument("--generations", type=int, default=4, help="ABC generations (default 4)")
    p.add_argument(
        "--pilot",
        type=int,
        default=400,
        help="prior draws the projected ABC summaries are fitted on (default 400; 0: raw)",
    )
    p.add_argument("--checks", type=int, default=20, help="predictive-check worlds (default 20)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.config import load_scenario, load_strategy
    from sim.config.space import load_space
    from sim.crm.reader import read_export
    from sim.crm.stats import observations
    from sim.errors import InputError
    from sim.study.calibrate.latent import DEFAULT_LATENT, AbcSettings
    from sim.study.calibrate.outputs import write_outputs
    from sim.study.calibrate.runner import calibrate

    for name in ("population", "generations", "workers"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name}", f"{getattr(args, name)}: must be >= 1")
    for name in ("checks", "pilot"):
        if getattr(args, name) < 0:
            raise InputError(f"--{name}", f"{getattr(args, name)}: must be >= 0")
    scenario = load_scenario(args.scenario)
    strategy = load_strategy(args.strategy)
    space = load_space(args.priors, scenario, {strategy.name: strategy})
    latent = DEFAULT_LATENT if args.latent is None else tuple(args.latent)
    for name in latent:
        if name not in space.names:
            raise InputError(
                f"--latent {name}", f"not a parameter of {args.priors}: use one of its paths"
            )
    ex = read_export(args.export)  # every cell checked before any simulation
    obs = observations(ex.leads, ex.events, str(args.export))
    stem = args.out.with_suffix("")
    posterior = args.posterior or stem.with_name(stem.name + ".posterior.toml")
    report = args.report or stem.with_name(stem.name + ".report.md")
    settings = AbcSettings(args.population, args.generations, args.workers, pilot=args.pilot)
    cal = calibrate(
        args.export, scenario, strategy, space,
        latent=latent, settings=settings, checks=args.checks, seed=args.seed, obs=obs,
    )  # fmt: skip
    try:
        write_outputs(cal, args.out, args.priors, posterior, report)
    except OSError as exc:
        raise InputError(f"--out {args.out}", f"cannot write ({exc.strerror})") from None
    lt = cal.latent_table()
    result = {
        "export": str(args.export),
        "scenario": str(args.out),
        "posterior": str(posterior),
        "report": str(report),
        "direct": cal.direct_table().to_dict(orient="records"),
        "latent": lt.to_dict(orient="records"),
        "checks_inside_90": int(cal.checks.inside_90.sum()) if len(cal.checks) else None,
    }
    if args.json:
        print_json(result)
    else:
        print(f"calibrated scenario  {args.out}")
        print(f"posterior (priors)   {posterior}")
        print(f"report               {report}")
        for e in cal.direct:
            print(f"  {e.path:38s} {e.value:10.4g}  [{e.low:.4g}, {e.high:.4g}]")
        for _, r in lt.iterrows():
            flag = "" if r.identified else "  not identified"
            print(
                f"  {r.parameter:38s} {r.posterior_median:10.4g}  "
                f"[{r.posterior_low:.4g}, {r.posterior_high:.4g}] width {r.width_ratio:.2f}{flag}"
            )
    return 0
