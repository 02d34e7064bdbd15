"""Exact reductions: alike units merged on the scenario or on the matrix, and split back."""
