"""The register's own schema: models, engine and migrations."""
