"""The guidance content in templates/, typed (model) and loaded with messages naming file and key (load)."""

from isp_tui.guidance.load import (default_templates_dir, load_bases, load_categories, load_checklists,
                                   load_guidance, load_methods, load_register, load_ruleset)
from isp_tui.guidance.model import (ANSWERS, BASIS_KINDS, CONSENT_NOT_SOUGHT, ERAS, METHOD_STAGES,
                                    OPTIONAL_QUESTIONS, OUTCOMES, PARTS, QUESTION_IDS, Agency, Checklist,
                                    ChecklistItem, DataCategory, Guidance, LegalBasis, Method, Myth,
                                    PartnerRegister, Principle, Question, Rule, Ruleset, Step)
from isp_tui.tomlfile import parse_toml, read_bytes, read_toml

__all__ = [
    "ANSWERS", "BASIS_KINDS", "CONSENT_NOT_SOUGHT", "ERAS", "METHOD_STAGES", "OPTIONAL_QUESTIONS", "OUTCOMES",
    "PARTS", "QUESTION_IDS", "Agency", "Checklist", "ChecklistItem", "DataCategory", "Guidance", "LegalBasis",
    "Method", "Myth", "PartnerRegister", "Principle", "Question", "Rule", "Ruleset", "Step", "default_templates_dir",
    "load_bases", "load_categories", "load_checklists", "load_guidance", "load_methods", "load_register",
    "load_ruleset", "parse_toml", "read_bytes", "read_toml",
]
