"""Unit factors between what planners state and what the model counts, defined once."""

TONNES_PER_MT = 1e6  # carbon: budgets in Mt CO2, the model in t CO2
TCE_PER_MTCE = 1e6  # energy: caps in Mt of standard coal equivalent, the model in tce
YUAN_PER_100M = 1e8  # output is counted in 100m yuan; its prices and penalties are stated in yuan
TEN_THOUSAND_YUAN_PER_100M = 1e4  # intensity caps are stated per 10,000 yuan of output
