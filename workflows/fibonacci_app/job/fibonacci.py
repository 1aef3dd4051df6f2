"""The Batch job: ``python /opt/app/job/fibonacci.py -b '<SQS message body>'``.

The body is the JSON the web app sent to the queue, e.g. ``{"n": 10}``; the job prints the
n-th Fibonacci number (F(0) = 0, F(1) = 1) and exits 0, or explains the problem on stderr and
exits 1 (the Batch job, and with it the state machine's Batch state, then fails).
Standard library only, so it runs in the container and on any Python 3.
"""

from __future__ import annotations

import argparse
import json
import sys

MAX_N = 100_000


def fibonacci(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def parse_body(body: str) -> int:
    try:
        message = json.loads(body)
    except json.JSONDecodeError as e:
        raise ValueError(f"the message body is not JSON: {e}") from None
    n = message.get("n") if isinstance(message, dict) else None
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f'the message body must be an object with an integer "n", got {body!r}')
    if not 0 <= n <= MAX_N:
        raise ValueError(f'"n" must be between 0 and {MAX_N}, got {n}')
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the n-th Fibonacci number.")
    parser.add_argument("-b", "--body", required=True, help='the SQS message body, e.g. \'{"n": 10}\'')
    args = parser.parse_args(argv)
    try:
        n = parse_body(args.body)
    except ValueError as e:
        print(f"fibonacci: {e}", file=sys.stderr)
        return 1
    if hasattr(sys, "set_int_max_str_digits"):  # F(n) for large n has more than 4300 digits
        sys.set_int_max_str_digits(0)
    print(fibonacci(n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
