"""Pure generation of the demo dataset: the cast, the ontologies, three kinds of scene
and the plan of injected errors, as plain dicts with no ORM, testable without a
database. `demo.seed` writes them through the services."""
