"""The names the command line offers, importable without TensorFlow (``tfcompress --help`` stays fast).

Each tuple mirrors a registry that lives beside TensorFlow code; ``tests/catalog_test.py`` keeps them equal.
"""
TEACHERS = ("bilstm", "minilm")  # tfcompress.models.registry.TEACHERS
STUDENTS = ("cnn", "fastgrnn", "prado")  # tfcompress.models.registry.STUDENTS
PRESETS = ("default", "quick", "small")  # tfcompress.pipeline.presets.PRESETS
SKIPPABLE_STAGES = ("qat", "tflite", "robustness", "explanations", "personalization")  # tfcompress.pipeline
ATTACK_RECIPES = ("deepwordbug", "pruthi", "pwws", "textfooler")  # tfcompress.robustness.recipes.RECIPE_NAMES
EXPLAIN_METHODS = ("shap", "integrated_gradients", "contributions")  # tfcompress.explain
PERSONALIZATION_METHODS = ("prior", "finetune", "ditto", "interpolate")  # tfcompress.federated.config.METHODS
STRATEGIES = ("one_device", "multi_worker")  # tfcompress.pipeline.workers.STRATEGIES
