"""Diagnosis of infeasibility, multi-criteria methods and the frontier, alternative optima."""
