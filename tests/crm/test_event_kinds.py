"""The world's event log and the canonical format name events the same way.

The world may not import the crm layer (DESIGN.md's layer order), so each holds its list;
this test keeps them from drifting apart.
"""

from sim.crm.schema import EVENT_TYPES
from sim.world.events import KINDS


def test_the_world_writes_only_canonical_event_types_in_their_tie_order():
    # Same-instant ties are written in EVENT_TYPES order; the world's kinds are numbered in
    # that order, so sorting by kind number sorts as the canonical writer does.
    assert list(KINDS) == [t for t in EVENT_TYPES if t in KINDS]
    assert set(KINDS) <= set(EVENT_TYPES)
