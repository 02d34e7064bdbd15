"""What a run does from end to end: solve, rerun, sweeps."""
