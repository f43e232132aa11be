"""Training loops: compile / fit / evaluate / predict on optax (mixed into ``Model``)."""
