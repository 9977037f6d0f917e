"""Code shared by every stage: paths, the sample data, features and MLflow setup."""
