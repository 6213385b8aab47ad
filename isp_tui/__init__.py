"""isp-tui: information sharing decisions for safeguarding children, recorded in git."""

__version__ = "0.1.0"
