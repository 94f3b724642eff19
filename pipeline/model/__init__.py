"""The sentiment model: data, training, evaluation and the predictor workers run."""
