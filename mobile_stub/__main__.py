"""``python -m mobile_stub run --scenario NAME --base-url URL --samples DIR --invitation REF``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mobile_stub.client import ApiProblemError, MobileClient
from mobile_stub.qr import reference_from_letter
from mobile_stub.scenarios import SCENARIOS, folder_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mobile_stub", description="phone simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one scenario against the API")
    run.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    run.add_argument("--base-url", required=True)
    run.add_argument("--samples", type=Path, default=Path("samples/generated"))
    run.add_argument("--folder", type=Path, help="sample folder (default: per scenario)")
    origin = run.add_mutually_exclusive_group(required=True)
    origin.add_argument("--invitation", help="invitation reference")
    origin.add_argument("--letter", type=Path, help="letter PNG with the QR code")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    reference = args.invitation or reference_from_letter(args.letter)
    folder = args.folder or folder_for(args.samples, args.scenario)
    client = MobileClient.connect(args.base_url)
    try:
        result = SCENARIOS[args.scenario](client, folder, reference)
    except ApiProblemError as exc:
        result = {"scenario": args.scenario, "actual": "error", "problem": exc.code}
    finally:
        client.close()
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0 if result.get("actual") == result.get("expected") else 1


if __name__ == "__main__":
    sys.exit(main())
