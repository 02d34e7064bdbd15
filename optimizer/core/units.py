"""Unit factors between what planners state and what the model counts, defined once."""

TONNES_PER_MT = 1e6  # carbon: budgets in Mt CO2, the model in t CO2
TCE_PER_MTCE = 1e6  # energy: caps in Mt of standard coal equivalent, the model in tce
