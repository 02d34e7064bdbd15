"""Rule families, in build order.

Each family is a module with its mathematics in the docstring, the pydantic schema of its
scenario section, a ``FAMILY`` name, and hooks;
the first three run in three phases over all families (see ``optimizer.compile.model.build``):

- ``admit(scenario, pairs) -> pairs``: remove x[u,k] candidates the rule forbids;
- ``add_variables(builder)``: add variables of its own kind (``builder.add_variables``);
- ``add_constraints(builder)``: add its named constraints (``builder.add``, ``add_terms`` or ``add_grouped``);
- ``tables(result) -> {name: DataFrame}`` (optional): what the family reports, written as
  ``<name>.csv`` in the results folder and shown in the report;
- ``units_apart(scenario) -> set of unit ids``: the units the family treats one by one (names,
  or gives variables or rows of their own), which ``optimizer.reduction.scenario_merge`` never
  merges with alike units before building. A family without it keeps every unit apart: safe, only slower.

Adding a family means writing its module (with its section's schema), the section's field on the
``Scenario`` (``optimizer/scenario/model.py``), its cross-reference checks if any
(``optimizer/scenario/references.py``), and one line here.
"""

from . import carbon, industry_bounds, land, projects, zoning
from . import agglomeration, intake, site_admission, site_preference, sites
from . import balance, capacity_replacement, energy, indicator_sharing, industry_chains, parks, pollution_charges, resources

RULE_FAMILIES = (zoning, land, carbon, industry_bounds)
# The seeds' policy instruments, each off unless its scenario section turns it on.
RULE_FAMILIES += (industry_chains, parks, energy, capacity_replacement, balance, pollution_charges, indicator_sharing, resources)
RULE_FAMILIES += (projects,)  # discrete transfer projects, off unless the scenario lists some
# Real sites (docs/sites-model.md), each off unless its scenario section is given.
RULE_FAMILIES += (sites, site_admission, agglomeration, site_preference, intake)
