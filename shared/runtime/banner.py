"""What ``fangfan run`` prints before anything else: where to look, and how to make a first request."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from shared.runtime.settings import SERVICE_NAMES

# The township of the embedded demo data (services/intake: the org-unit file and demo households).
DEMO_TOWNSHIP_CODE = "500151108000"
DEMO_TOWNSHIP_NAME = "西河镇"


def fangfan_command() -> str:
    """How a person types this installation's ``fangfan`` command from the current folder."""
    script = Path(sys.executable).parent / "fangfan"
    if not script.exists():
        return f"{shlex.quote(sys.executable)} -m shared.runtime.cli"
    on_path = shutil.which("fangfan")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "fangfan"
    try:
        return shlex.quote(str(script.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(script))


def base_url(host: str, port: int) -> str:
    """The address a browser on this machine uses; a wildcard bind is reached on loopback."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def first_run_banner(host: str, port: int, *, demo: bool, command: str | None = None) -> str:
    base = base_url(host, port)
    width = max(len(name) for name in SERVICE_NAMES)
    services = "\n".join(f"  {name:<{width}}  {base}/{name}/docs   {base}/{name}/openapi.json"
                         for name in SERVICE_NAMES)
    households = ("its demo households" if demo else "its households (none loaded: --no-demo)")
    token = (f"TOKEN=$({command or fangfan_command()} token --name 张三 --role town_staff "
             f"--org {DEMO_TOWNSHIP_CODE})")
    return (
        f"fangfan 防返: all four services in one process on {base}/\n"
        f"\n"
        f"Open:\n"
        f"  {base}/\n"
        f"{services}\n"
        f"\n"
        f"A token for township staff of the demo township {DEMO_TOWNSHIP_NAME}, and {households}\n"
        f"(paste both lines into a shell):\n"
        f"  {token}\n"
        f"  curl -H \"Authorization: Bearer $TOKEN\" {base}/intake/households\n"
        f"\n"
        f"The campaign's progress page: this answers a link to open in a browser (for 10 minutes):\n"
        f"  curl -X POST -H \"Authorization: Bearer $TOKEN\" {base}/ledger/reports/progress/page-link\n"
        f"\n"
        f"Logs follow, one line per request.\n"
    )
