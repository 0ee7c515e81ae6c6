"""The names the command line offers, importable without TensorFlow (``tfcompress --help`` stays fast).

Each tuple mirrors a registry that lives beside TensorFlow code; ``tests/catalog_test.py`` keeps them equal.
"""
TEACHERS = ("bilstm", "minilm", "wide_cnn")  # tfcompress.models.registry.TEACHERS
BASELINE_TEACHER = "baseline"  # the run's own TF-IDF + logistic regression as the teacher (tfcompress.baseline)
STUDENTS = ("bag", "cnn", "fastgrnn", "prado")  # tfcompress.models.registry.STUDENTS
PRESETS = ("default", "quick", "small")  # tfcompress.pipeline.presets.PRESETS
SKIPPABLE_STAGES = ("baseline", "qat", "tflite", "robustness", "explanations", "personalization")  # tfcompress.pipeline
ATTACK_RECIPES = ("deepwordbug", "pruthi", "pwws", "textfooler")  # tfcompress.robustness.recipes.RECIPE_NAMES
EXPLAIN_METHODS = ("shap", "integrated_gradients", "contributions")  # tfcompress.explain
PERSONALIZATION_METHODS = ("prior", "finetune", "ditto", "interpolate")  # tfcompress.federated.config.METHODS
STRATEGIES = ("one_device", "multi_worker")  # tfcompress.pipeline.workers.STRATEGIES
# The allowed values of the run configuration's choice settings (tfcompress.config).
KD_KINDS = ("kl", "mse")  # tfcompress.distill.losses.KD_KINDS
EXPLANATIONS = ("contributions", "saliency", "attention", "features")  # tfcompress.distill.teacher_explanations
TEACHER_ATTRIBUTIONS = ("endpoint_shapley", "occlusion", "alone", "integrated_gradients")  # the same module
MAP_AVERAGES = ("texts_with_maps", "batch")  # tfcompress.distill.losses.MAP_AVERAGES
ROBUST_KINDS = ("ibp", "search")  # tfcompress.distill.distiller (the worst-case term)
ROBUST_SETS = ("wordnet", "teacher_neighbours")  # tfcompress.pipeline.recipe.ROBUST_SETS
TEACHER_PRECISIONS = ("auto", "float32", "bfloat16")  # tfcompress.distill.teacher_precision.PRECISIONS
OPTIMIZERS = ("adam", "adamw")  # tfcompress.pipeline.learning_rate.OPTIMIZERS
DECAYS = ("constant", "linear", "cosine")  # tfcompress.pipeline.learning_rate.DECAYS
# generated: preset_seconds
# Seconds of a cold `tfcompress run` per preset, from benchmarks/results/main_job.json
# (2026-12-04, Intel(R) Xeon(R) Processor; 2026-12-07, AMD EPYC, 2 CPU cores).
PRESET_SECONDS = {"default": 2141, "quick": 98}
# end generated: preset_seconds
