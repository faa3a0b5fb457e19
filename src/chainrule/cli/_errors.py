"""How the command reports errors: one line ``chainrule: error: ...``, never a NumPy repr and
never more than a few hundred characters of the user's input."""
from __future__ import annotations

import re
import sys

MAX_LINE = 400  # a message longer than this is cut in the middle
MAX_TOKEN = 120  # one unbroken run of characters (an echoed input) longer than this is cut
_TOKEN = re.compile(r"\S{%d,}" % (MAX_TOKEN + 1))


def clip(text: object, limit: int = 60) -> str:
    """At most ``limit`` characters of ``text`` (as a plain str), for quoting user input."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def one_line(message: str) -> str:
    """``message`` on one line, with long echoed input cut down to a readable size."""
    text = " ".join(str(message).split())
    text = _TOKEN.sub(lambda m: clip(m.group(0), MAX_TOKEN - 20), text)
    if len(text) > MAX_LINE:
        text = f"{text[:MAX_LINE - 100]} ... {text[-80:]}"
    return text


def report(message: str, code: int) -> int:
    """Print ``chainrule: error: <message>`` on stderr and return ``code`` (1: the command
    failed, 2: the command line was wrong)."""
    print(f"chainrule: error: {one_line(message)}", file=sys.stderr)
    return code
