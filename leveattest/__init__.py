"""leveattest: digital proof-of-life for pensioners."""

__version__ = "0.1.0"
