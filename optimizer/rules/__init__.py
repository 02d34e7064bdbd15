"""Rule families, in build order.

Each family is a module with its mathematics in the docstring, a ``FAMILY`` name, an optional
``admit(scenario, pairs) -> pairs`` that removes decision variables the rule forbids, and
``add_constraints(builder)`` that adds its named constraints. Adding a family means writing its
module, its section of the scenario schema, and one line here.
"""

from . import carbon, industry_bounds, land, zoning

RULE_FAMILIES = (zoning, land, carbon, industry_bounds)
