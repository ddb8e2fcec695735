"""Storage adapters: encrypted blob store for uploaded images and chip files."""
