"""Task-independent preprocessing: targets, splits and fitted feature transforms."""
