"""The pydantic vocabulary of scenario files: base types, table rows, sections, run settings, error placement."""
