"""What the estimators of ``neural_network`` and ``linear_model`` share, so
neither re-implements the other: the plain-data pickled state, rolling a
failed fit back, seeded generators, chunked prediction, and output checks."""
