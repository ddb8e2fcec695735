"""One step per check family; each returns ``CheckResult``s (and what later steps need)."""
