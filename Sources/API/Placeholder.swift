// Replaced by generated code (scripts/generate).
