"""The ``fangfan`` command: run the embedded system, serve or work one service, migrate, tokens, events."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from shared.runtime.settings import (
    SERVICE_NAMES,
    Mode,
    PlatformSettings,
    get_platform_settings,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    return args.command(args) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fangfan", description="防返 prevention-of-return-to-poverty monitoring")
    sub = parser.add_subparsers(title="commands")

    run = sub.add_parser("run", help="all four services in one process (embedded defaults, demo data)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--no-demo", action="store_true", help="do not load the demo township")
    run.set_defaults(command=_run)

    serve = sub.add_parser("serve", help="one service's API process (production)")
    serve.add_argument("service", choices=SERVICE_NAMES)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(command=_serve)

    worker = sub.add_parser("worker", help="one service's event and job worker (production)")
    worker.add_argument("service", choices=SERVICE_NAMES)
    worker.set_defaults(command=_worker)

    migrate = sub.add_parser("migrate", help="upgrade every service database (or the named ones)")
    migrate.add_argument("services", nargs="*", help=f"any of {', '.join(SERVICE_NAMES)} (default: all)")
    migrate.set_defaults(command=_migrate)

    token = sub.add_parser("token", help="print a bearer token the running system accepts")
    token.add_argument("--name", required=True)
    token.add_argument("--role", required=True, choices=["village_cadre", "town_staff", "district_admin", "auditor"])
    token.add_argument("--org", required=True, help="12-digit org code (统计用区划代码)")
    token.add_argument("--user-id")
    token.add_argument("--ttl-minutes", type=int)
    token.set_defaults(command=_token)

    jobs = sub.add_parser("jobs", help="jobs and schedules of every service: list, or run one now")
    jobs_sub = jobs.add_subparsers(title="jobs commands")
    jobs_list = jobs_sub.add_parser("list", help="every job and scheduled job, with its schedule")
    jobs_list.set_defaults(command=_jobs_list)
    jobs_run = jobs_sub.add_parser("run", help="run one job or scheduled job now, in this process")
    jobs_run.add_argument("name", help="a name shown by 'fangfan jobs list', e.g. platform.sweep_jobs")
    jobs_run.add_argument("--as-of", type=_iso_date, help="run as on this day (YYYY-MM-DD): the clock is set to it")
    jobs_run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                          help="a parameter of the job (VALUE read as JSON when it parses, else as text)")
    jobs_run.add_argument("--service", choices=SERVICE_NAMES, action="append",
                          help="only in this service (a platform job runs in every service by default)")
    jobs_run.set_defaults(command=_jobs_run)

    events = sub.add_parser("events", help="failed events: list and replay")
    events_sub = events.add_subparsers(title="events commands")
    failed = events_sub.add_parser("failed", help="list failures not yet replayed, in every service")
    failed.add_argument("--json", action="store_true")
    failed.set_defaults(command=_events_failed)
    replay = events_sub.add_parser("replay", help="run a failed event's handler again")
    replay.add_argument("id", help="the failure id shown by 'fangfan events failed'")
    replay.set_defaults(command=_events_replay)
    return parser


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _jobs_list(args: argparse.Namespace) -> int:
    from shared.runtime.definition import load_service

    for service in SERVICE_NAMES:
        definition = load_service(service)
        for spec in definition.crons:
            print(f"{service:<7} {spec.name:<32} scheduled  {spec.describe_schedule():<28} {spec.description}")
        for spec in definition.jobs:
            kind = "tracked" if spec.tracked else "per-entity"
            print(f"{service:<7} {spec.name:<32} {kind:<10} {'on request':<28} {spec.description}")
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    from shared.runtime.processes import run_job_now

    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            sys.stderr.write(f"fangfan jobs run: --param {item!r} is not KEY=VALUE\n")
            return 2
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    try:
        results = asyncio.run(run_job_now(_platform(), args.name, params, as_of=args.as_of,
                                          services=args.service or SERVICE_NAMES))
    except LookupError as exc:
        sys.stderr.write(f"fangfan jobs run: {exc}\n")
        return 2
    except TypeError as exc:  # a parameter the job does not take, or one it needs and did not get
        sys.stderr.write(f"fangfan jobs run: {exc}\n")
        return 2
    print(json.dumps({"job": args.name, "as_of": str(args.as_of or ""), "results": results}, ensure_ascii=False,
                     default=str))
    return 0


def _platform(*, interactive: bool = False) -> PlatformSettings:
    settings = get_platform_settings()
    from shared.runtime.logging import configure_logging

    configure_logging(settings.log_level, json=settings.logs_as_json(interactive=interactive))
    return settings


def _require_production_ready(settings: PlatformSettings) -> None:
    if settings.mode != Mode.PRODUCTION:
        return
    problems = settings.production_problems()
    if problems:
        sys.stderr.write("refusing to start in production mode:\n" + "".join(f"  - {p}\n" for p in problems))
        raise SystemExit(3)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.runtime.app import freeze_heap
    from shared.runtime.banner import first_run_banner
    from shared.runtime.processes import create_embedded_app

    settings = _platform(interactive=True)
    _require_production_ready(settings)
    load_demo = settings.load_demo_data and not args.no_demo
    # Before migrations and start-up log anything: what to open and how to make a first request.
    print(first_run_banner(args.host, args.port, demo=load_demo), flush=True)
    app = create_embedded_app(settings, load_demo=load_demo)
    freeze_heap()
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.runtime.app import freeze_heap
    from shared.runtime.processes import create_single_service_app

    settings = _platform()
    _require_production_ready(settings)
    app = create_single_service_app(args.service, settings)
    freeze_heap()
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from shared.runtime.app import freeze_heap
    from shared.runtime.definition import load_service
    from shared.runtime.worker import run_worker_until_stopped

    settings = _platform()
    _require_production_ready(settings)
    load_service(args.service)  # its modules, models and handlers join the frozen heap
    freeze_heap()
    asyncio.run(run_worker_until_stopped(args.service, settings))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from shared.runtime.processes import migrate_all

    settings = _platform()
    unknown = sorted(set(args.services) - set(SERVICE_NAMES))
    if unknown:
        sys.stderr.write(f"fangfan migrate: unknown service {', '.join(unknown)}\n")
        return 2
    for name, url in migrate_all(settings, args.services or SERVICE_NAMES):
        print(f"migrated {name}: {_safe_url(url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _token(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from shared.domain.enums import Role
    from shared.security.auth import issue_token

    settings = get_platform_settings()
    ttl = timedelta(minutes=args.ttl_minutes) if args.ttl_minutes else None
    try:
        print(issue_token(settings, name=args.name, role=Role(args.role), org_code=args.org, user_id=args.user_id,
                          ttl=ttl))
    except ValueError as exc:
        sys.stderr.write(f"fangfan token: {exc}\n")
        return 2
    return 0


def _events_failed(args: argparse.Namespace) -> int:
    from shared.runtime.processes import list_failed_events

    failures = asyncio.run(list_failed_events(_platform()))
    if args.json:
        print(json.dumps(failures, ensure_ascii=False, default=str, indent=2))
        return 0
    if not failures:
        print("no failed events")
    for f in failures:
        print(f"{f['id']}  {f['service']:<7} {f['event_type']:<20} {f['consumer']:<32} tries={f['attempts']} "
              f"{f['failed_at']:%Y-%m-%d %H:%M}  {f['error'][:80]}")
    return 0


def _events_replay(args: argparse.Namespace) -> int:
    from shared.runtime.processes import replay_failed_event

    try:
        service, outcome = asyncio.run(replay_failed_event(_platform(), args.id))
    except LookupError as exc:
        sys.stderr.write(f"fangfan events replay: {exc}\n")
        return 1
    print(f"{service}: {outcome}")
    return 0 if outcome in ("handled", "duplicate") else 1


if __name__ == "__main__":
    raise SystemExit(main())
