"""Thresholds that tell a number apart from solver noise."""

import numpy as np


def binding_tolerance(rhs):
    """How close to its limit a row must be to bind (a number or an array of rhs)."""
    return 1e-6 * np.maximum(1.0, np.abs(rhs))
