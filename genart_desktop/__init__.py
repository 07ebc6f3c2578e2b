"""GenArt Desktop: a local studio for AI as an instrument."""

__version__ = "0.1.0"
