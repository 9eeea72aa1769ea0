"""Pure community-health metrics over activity records: no I/O, no step imports."""
