"""The user's config file: TOML in the platform's user config directory, or --config / ISP_CONFIG.

    records = "~/isp-records"      # the records repository (default: default_records_path())
    ruleset = "gdpr-2018"          # the default ruleset for new decisions
    name = "Sam Example"           # the practitioner, when git has no identity
    email = "sam@example.org"
    role = "Social worker"
    organisation = "Example Children's Services"
    theme = "textual-dark"         # any Textual theme; "ansi" uses the terminal's own colours
    [keymap]                       # binding id = keys, e.g. "home.new" = "ctrl+n" (Home reports unknown ids)

`organisation` is either the organisation's name (a string, as above) or a table holding its name and what
the organisation, not the practitioner, answers on the ICO's decision form (ARRANGEMENTS; all optional):

    [organisation]
    name = "Example Children's Services"
    controller_relationship = "separate"   # or "joint"
    dpia_considered = "..."                # and dpia_outcome, dpo_views, agreement, retention, security,
                                           # individuals_rights
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
KEYS = {"records": str, "ruleset": str, "name": str, "email": str, "role": str, "organisation": (str, dict),
        "theme": str, "keymap": dict}
# What the organisation holds rather than the practitioner, for the ICO's decision form (isp_tui.export_ico):
# the optional keys of an [organisation] table besides `name`, and what each says.
ARRANGEMENTS = {
    "controller_relationship": "joint or separate controllers with the organisations it shares with",
    "agreement": "the data sharing agreement(s) in place, where the partner register names none",
    "dpia_considered": "whether a DPIA was considered for this sharing",
    "dpia_outcome": "the DPIA undertaken and its outcome",
    "dpo_views": "the views of the DPO (or equivalent), if no DPIA was done",
    "retention": "the arrangements for retention and deletion of the data",
    "security": "the security considerations",
    "individuals_rights": "the arrangements for complying with individuals' information rights",
}
CONTROLLER_RELATIONSHIPS = ("joint", "separate")


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    records: str = ""  # empty: default_records_path()
    ruleset: str = "gdpr-2018"
    name: str = ""
    email: str = ""
    role: str = ""
    organisation: str = ""
    arrangements: dict[str, str] = field(default_factory=dict)  # the [organisation] table's ARRANGEMENTS
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)

    def records_path(self, given: str | None = None) -> Path:
        """--records, then ISP_RECORDS, then the config file, then the user's one default repository."""
        chosen = given or os.environ.get(ENV_RECORDS) or self.records
        return Path(chosen).expanduser() if chosen else default_records_path()

    def records_chosen(self, given: str | None = None) -> bool:
        """Whether a person chose the records repository (--records, ISP_RECORDS, the config) rather than the
        default."""
        return bool(given or os.environ.get(ENV_RECORDS) or self.records)

    @property
    def identity(self) -> str | None:
        return f"{self.name} <{self.email}>" if self.name and self.email else None


def default_records_path() -> Path:
    """The one records repository per user, wherever a command is run: "records" in the platform's user
    data directory (on Linux ~/.local/share/isp-tui/records)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("isp-tui")) / "records"


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
            raise InputError("expected " + ("a table" if kind is dict else "a string or a table" if kind == (str, dict)
                                            else "a string"), file=path, field=key)
    for key, value in data.get("keymap", {}).items():
        if not isinstance(value, str):
            raise InputError("expected a string of keys such as \"ctrl+n\"", file=path, field=f"keymap.{key}")
    if isinstance(data.get("organisation"), dict):
        data["organisation"], data["arrangements"] = organisation_table(data["organisation"], path)
    return Config(path=path, **data)


def organisation_table(table: dict, path: Path) -> tuple[str, dict[str, str]]:
    """An [organisation] table: its name, and its ARRANGEMENTS (each a string; unknown keys refused)."""
    extra = sorted(set(table) - set(ARRANGEMENTS) - {"name"})
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: name, {', '.join(ARRANGEMENTS)}", file=path,
                         field="organisation")
    for key, value in table.items():
        if not isinstance(value, str):
            raise InputError("expected a string", file=path, field=f"organisation.{key}")
    relationship = table.get("controller_relationship")
    if relationship is not None and relationship not in CONTROLLER_RELATIONSHIPS:
        raise InputError(f"expected one of: {', '.join(CONTROLLER_RELATIONSHIPS)}", file=path,
                         field="organisation.controller_relationship")
    return table.get("name", ""), {k: v for k, v in table.items() if k != "name" and v.strip()}


def default_ruleset(config: Config | None, guidance: Guidance) -> str:
    """The ruleset a new decision uses when it names none: the config's, if the guidance has it, else the
    newest. The one rule: both faces compute it and hand it to the store; the store, given none, asks it
    with no config (the newest)."""
    if config is not None and config.ruleset in guidance.rulesets:
        return config.ruleset
    return sorted(guidance.rulesets)[-1]
