"""Metrics and figures, written once for regression and for 2..N-class classification."""
