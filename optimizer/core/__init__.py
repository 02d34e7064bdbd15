"""Leaf facts every layer may use: errors, exit codes, units, criteria, CSV files, progress, the version."""
