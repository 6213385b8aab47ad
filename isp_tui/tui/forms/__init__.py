"""The decision form as a pure module: its steps, fields, labels, which step is next and what is
still required. No Textual here: the decision screen draws it; tests/unit/ tests it directly."""

from isp_tui.tui.forms.fields import Field, Invalid, get, put, step_of
from isp_tui.tui.forms.form import DecisionForm
from isp_tui.tui.forms.steps import Spec

__all__ = ["DecisionForm", "Field", "Invalid", "Spec", "get", "put", "step_of"]
