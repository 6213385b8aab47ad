"""The user's config file: TOML in the platform's user config directory, or --config / ISP_CONFIG.

    records = "~/isp-records"      # the records repository (default: ./records)
    ruleset = "gdpr-2018"          # the default ruleset for new decisions
    name = "Sam Example"           # the practitioner, when git has no identity
    email = "sam@example.org"
    role = "Social worker"
    organisation = "Example Children's Services"
    theme = "textual-dark"         # any Textual theme; "ansi" uses the terminal's own colours
    [keymap]                       # binding id = keys, e.g. "app.new_decision" = "ctrl+n"
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from isp_tui.errors import InputError

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance

ENV_CONFIG = "ISP_CONFIG"
ENV_RECORDS = "ISP_RECORDS"
KEYS = {"records": str, "ruleset": str, "name": str, "email": str, "role": str, "organisation": str,
        "theme": str, "keymap": dict}


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    records: str = "records"
    ruleset: str = "gdpr-2018"
    name: str = ""
    email: str = ""
    role: str = ""
    organisation: str = ""
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)

    def records_path(self, given: str | None = None) -> Path:
        """--records, then ISP_RECORDS, then the config file, then ./records."""
        chosen = given or os.environ.get(ENV_RECORDS) or self.records
        return Path(chosen).expanduser()

    @property
    def identity(self) -> str | None:
        return f"{self.name} <{self.email}>" if self.name and self.email else None


def config_path(given: str | Path | None = None) -> Path:
    """--config (it must exist), then ISP_CONFIG, then the user config dir."""
    if given is not None:
        chosen = Path(given).expanduser()
        if not chosen.is_file():
            raise InputError("config file not found", file=chosen)
        return chosen
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("isp-tui")) / "config.toml"


def load_config(given: str | Path | None = None) -> Config:
    """The config file in use: `given` (--config), else ISP_CONFIG, else the user config dir's (if any)."""
    path = config_path(given)
    if not path.is_file():
        return Config(path=None)
    from isp_tui.tomlfile import read_toml

    data = read_toml(path)
    extra = sorted(set(data) - set(KEYS))
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: {', '.join(KEYS)}", file=path)
    for key, kind in KEYS.items():
        if key in data and not isinstance(data[key], kind):
            raise InputError(f"expected {'a table' if kind is dict else 'a string'}", file=path, field=key)
    for key, value in data.get("keymap", {}).items():
        if not isinstance(value, str):
            raise InputError("expected a string of keys such as \"ctrl+n\"", file=path, field=f"keymap.{key}")
    return Config(path=path, **data)


def default_ruleset(config: Config | None, guidance: Guidance) -> str:
    """The ruleset a new decision uses when it names none: the config's, if the guidance has it, else the
    newest. The one rule: both faces compute it and hand it to the store; the store, given none, asks it
    with no config (the newest)."""
    if config is not None and config.ruleset in guidance.rulesets:
        return config.ruleset
    return sorted(guidance.rulesets)[-1]
