"""Publication figures drawn from rates.csv and the model tables."""
