"""Model → Solution: HiGHS on arrays, PuLP adapters, statuses."""
