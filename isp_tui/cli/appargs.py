"""`isp` and `isp tui` with the common options only: the way the app is started every time.

Read without argparse (importing it and building a parser would delay the app's first screen): anything
else (another command, --help, an abbreviated or malformed option) is left to the full parser
(cli.parser), which parses it or says what is wrong. The options are the common ones of
`cli.parser.options`, by the same names.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

# option -> its attribute on the parsed arguments (as cli.parser.options names them)
VALUE_OPTIONS = {"--records": "records", "--config": "config", "--as": "identity"}
FLAG_OPTIONS = {"--verbose": "verbose"}


def app_args(argv: list[str] | None) -> SimpleNamespace | None:
    """The arguments of `isp [tui] [--records PATH] [--config FILE] [--as WHO] [--verbose]` (the options before
    or after the command, `--option=value` too), the same attributes the full parser gives them; None for
    anything else."""
    argv = sys.argv[1:] if argv is None else list(argv)
    values: dict[str, object] = {name: None for name in (*VALUE_OPTIONS.values(), *FLAG_OPTIONS.values())}
    values["command"] = None
    at = 0
    while at < len(argv):
        arg = argv[at]
        option, equals, value = arg.partition("=")
        if option in VALUE_OPTIONS:
            if not equals:
                at += 1
                if at == len(argv) or argv[at].startswith("-"):
                    return None  # no value: the full parser says so
                value = argv[at]
            values[VALUE_OPTIONS[option]] = value
        elif arg in FLAG_OPTIONS:
            values[FLAG_OPTIONS[arg]] = True
        elif arg == "tui" and values["command"] is None:
            values["command"] = "tui"
        else:
            return None
        at += 1
    return SimpleNamespace(**values)
