"""Background analysis: the job queue (PostgreSQL or SQLite) and the worker."""
