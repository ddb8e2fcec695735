"""Shared kernel: settings, errors, check outcomes, clock and logging. Pure; no web or database."""
