"""``nurture crm check|convert``: read CRM exports into the canonical lead-event format."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import print_json
from sim.errors import InputError

PRODUCTS = ("hubspot", "salesforce", "mapping", "canonical")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crm",
        help="check a lead-event export, or convert a CRM's export into one",
        description="The canonical lead-event format (docs/crm-format.md): check an export "
        "folder, or convert HubSpot, Salesforce or mapped exports into one.",
    )
    inner = p.add_subparsers(
        dest="crm_command", metavar="ACTION", required=True, help="what to do with the export"
    )
    c = inner.add_parser("check", help="check every cell of an export folder")
    c.add_argument("export", type=Path, help="folder with leads.csv|parquet, events.csv|parquet")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(handler=_check)

    v = inner.add_parser(
        "convert",
        help="convert a product's export into the canonical format",
        description="hubspot CONTACTS.csv [EMAIL_EVENTS.csv]; salesforce LEAD.csv [TASK.csv]; "
        "mapping MAPPING.toml; canonical FOLDER (to change format).",
    )
    v.add_argument("product", choices=PRODUCTS, help="what the files are")
    v.add_argument("files", nargs="+", type=Path, help="the product's files (see above)")
    v.add_argument("--out", type=Path, required=True, help="folder for leads and events")
    v.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default csv")
    v.add_argument("--timezone", help="zone of times written without an offset, e.g. US/Eastern")
    v.add_argument(
        "--rename-source",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="rename a source (e.g. ORGANIC_SEARCH=web_form); repeatable",
    )
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(handler=_convert)


def _check(args: argparse.Namespace) -> int:
    from sim.crm.reader import check_export

    summary = check_export(args.export)
    if args.json:
        print_json(_summary_dict(summary))
    else:
        print(summary.to_text())
    return 0


def _summary_dict(s) -> dict:
    return {
        "export": s.where,
        "leads": s.leads,
        "events": s.events,
        "sources": s.sources,
        "events_by_type": s.by_type,
        "first": s.first.isoformat() if s.first is not None else None,
        "last": s.last.isoformat() if s.last is not None else None,
    }


def _convert(args: argparse.Namespace) -> int:
    from sim.crm.adapt import rename_sources
    from sim.crm.reader import check_export, read_export
    from sim.crm.writer import write_export

    files: list[Path] = args.files
    limits = {"hubspot": (1, 2), "salesforce": (1, 2), "mapping": (1, 1), "canonical": (1, 1)}
    lo, hi = limits[args.product]
    if not lo <= len(files) <= hi:
        raise InputError(
            f"crm convert {args.product}", f"takes {lo} to {hi} files, got {len(files)}"
        )
    renames = {}
    for text in args.rename_source:
        old, sep, new = text.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"--rename-source {text!r}", "use OLD=NEW, e.g. PAID_SEARCH=web_form")
        renames[old.strip()] = new.strip()
    if args.product == "hubspot":
        from sim.crm.hubspot import read_hubspot

        leads, events = read_hubspot(*files, timezone=args.timezone)
    elif args.product == "salesforce":
        from sim.crm.salesforce import read_salesforce

        leads, events = read_salesforce(*files, timezone=args.timezone)
    elif args.product == "mapping":
        from sim.crm.mapping import read_mapped

        leads, events = read_mapped(files[0])
    else:
        export = read_export(files[0])
        leads, events = export.leads, export.events
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out {args.out}", "exists and is not a folder")
    write_export(args.out, rename_sources(leads, renames), events, args.format)
    summary = check_export(args.out)  # what was written reads back as a canonical export
    if args.json:
        print_json(_summary_dict(summary))
    else:
        print(summary.to_text())
    return 0
