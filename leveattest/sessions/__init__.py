"""Verification sessions: consent, uploads, submit, decision lifecycle and privacy."""
