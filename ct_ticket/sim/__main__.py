"""``python -m ct_ticket.sim --port N [--host H] [--token T]``: run the simulator in uvicorn.

Prices random-walk one tick per instrument at most every ``--walk-ms`` milliseconds while
requests arrive, so a ticket pointed at it shows a live market; ``--walk-ms 0`` keeps them still.
NT8 takes ``--order-latency-ms`` to accept, reject or cancel an order, so a ticket must follow
its orders; ``--accounts N`` serves N accounts (prop traders' groups).
"""

from __future__ import annotations

import argparse

import uvicorn

from ct_ticket.sim.app import create_app
from ct_ticket.sim.market import Simulator


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m ct_ticket.sim", description="Simulated CrossTrade API for ct-ticket."
    )
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--token", help="accept only this Bearer token (default: any non-empty)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for prices and ids")
    parser.add_argument("--walk-ms", type=int, default=250,
                        help="price random-walk interval in ms; 0 keeps prices still")
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="turn off the 180/min, burst 20 rate limit")
    parser.add_argument("--accounts", type=int, default=3,
                        help="how many accounts: Sim101, Sim102, Apex-12, then Sim103... "
                             "(default 3)")
    parser.add_argument("--order-latency-ms", type=int, default=150,
                        help="ms NT8 takes to accept, reject or cancel an order (default 150; "
                             "0: within the request)")
    args = parser.parse_args(argv)

    if args.accounts < 3:
        parser.error("--accounts must be at least 3")
    sim = Simulator(token=args.token, seed=args.seed,
                    walk_interval=args.walk_ms / 1000 if args.walk_ms > 0 else None,
                    accounts=args.accounts, order_latency=args.order_latency_ms / 1000)
    sim.rate_limit_enabled = not args.no_rate_limit
    auth = "token required" if args.token else "any non-empty Bearer token"
    print(f"CrossTrade simulator on http://{args.host}:{args.port}/v1/api, stream on "
          f"ws://{args.host}:{args.port}/ws/stream ({auth})", flush=True)
    uvicorn.run(create_app(sim), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
