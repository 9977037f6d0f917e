"""Training: fit the fare regressor, log it to MLflow and register a new model version."""
