"""Studies: Optuna hyperparameter search and multi-seed evaluation of any experiment.

Ground floor: nothing here imports a pipeline package; the pipeline registry hands
each experiment's pipeline and parameter schema to ``studies.pipeline``.
"""
