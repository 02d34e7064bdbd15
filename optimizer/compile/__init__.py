"""Scenario → Model: candidate pairs, the rule families' rows, soft limits, generic presolve checks."""
