"""Loading a scenario: its YAML and tables read, validated and checked, into a ``Scenario``."""

from __future__ import annotations

import contextlib
import gc
from pathlib import Path

from ..schema.placement import Source
from ..schema.tables import section_tables, TABLES
from .extends import load_table, read_layers, resolved, site_zones, zone_column
from .files import default_scenario_path
from .model import Scenario, validate_scenario


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file; None means the embedded default."""
    path = Path(path) if path is not None else default_scenario_path()
    source = Source()
    with _collection_paused():
        data = read_layers(resolved(path, None, None), source, chain=())
        for table in TABLES:
            derived = ("zone",) if table == "units" and zone_column(data) else ()
            data[table] = load_table(table, data.get(table), source, derived)
        data["units"] = site_zones(data["units"], data.get("sites"))
        for table, section, field in section_tables(data):
            section[field] = load_table(table, section[field], source)
        scenario = validate_scenario(data, source)
    scenario._files = source.files
    scenario._origin = str(path)
    scenario._as_loaded = True
    return scenario


@contextlib.contextmanager
def _collection_paused():
    """Python's cycle collector off while a scenario's rows are made: 50,000 grid cells make
    hundreds of thousands of small objects, none of them garbage yet, and each full collection
    they trigger walks every object of the process (a third of the load time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
