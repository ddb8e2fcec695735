"""The ops review console: people decide the cases the pipeline sent to review (issue 7)."""
