"""Presets: what ``tfcompress run`` trains and measures, as ``Settings`` instances, and how each registered model is
trained in each preset.

``PRESETS[name]`` is the preset with its own teacher and student; ``RECIPES[preset][model]`` holds each model's
section (constructor config and fit budget) and, for students, the changes it needs. ``preset_settings`` swaps in
another model's recipe. Every setting is documented in docs/configuration.md.

Example:
    >>> settings = preset_settings("quick", student="prado")
    >>> settings.student.model["features"]
    64
"""
from tfcompress.config import PLAIN_DISTILLATION, Settings, StudentSettings, TeacherSettings
from tfcompress.config.sections import OptimizerSettings
from tfcompress.datasets.lengths import LONG_TEXT_TOKENS

# The default preset is ``Settings()``: the field defaults in tfcompress.config.sections were chosen on validation
# (seed 0, the standard rotten_tomatoes split) with scripts/explore_student.py and benchmarks/student_recipe.py:
# - the objectives' weights: explanation 1.0 (0.5 / 1.0 / 2.0 gave validation accuracy 0.770 / 0.769 / 0.747 and a
#   Spearman of the student's contributions with the teacher's shap of 0.645 / 0.643 / 0.643: 1.0 is the lightest
#   weight whose own explanation is at least as faithful as shap's), PGD 0.1, worst case 0.1 (the lightest weight
#   that kept PWWS >= 0.25 on 200 attacked validation sentences);
# - the explanation term's teacher maps: endpoint Shapley (the word alone and the word left out; Spearman 0.79 with
#   the teacher's shap on validation, scripts/teacher_attributions.py);
# - the closed vocabulary of 3,000 words (with the Bloom filter of real English words the app ships, the int8 file
#   stays <= 100 KB); half the transfer set gets character edits in a quarter of its words;
# - the two-phase schedule: plain distillation on a cosine-decayed rate (the epoch of lowest validation KD loss
#   kept), then the objectives ramped in over 3 epochs at a quarter of the rate (lowest validation objective kept);
# - the teacher's passes in bfloat16 where the CPU has it (scripts/teacher_precision.py: 1.48x on 2 cores with AMX,
#   the float teacher's class on 99.76% of validation).
DEFAULT = Settings()

# Model recipes: each model's constructor config and fit budget in a preset. The MiniLM teacher follows the usual
# BERT fine-tuning recipe (AdamW, 10% warm-up, linear decay over 3 epochs, gradients clipped to norm 1); hashed
# students read each word as the sum of 2 rows of a 4,096-row table (benchmarks/students.py); PRADO reads hashed
# ternary projections (no table).
MINILM = DEFAULT.teacher
STUDENT_CONFIGS = {
    "cnn": DEFAULT.student.model,
    "prado": {"features": 64, "max_length": 48, "bottleneck": 64, "filters": 64},
    "fastgrnn": {"num_buckets": 4096, "num_hashes": 2, "max_length": 48, "embedding_dim": 16, "units": 64},
    "bag": {"num_buckets": 4096, "num_hashes": 2, "max_length": 48, "embedding_dim": 16},
}
# What a student cannot take of the preset's robust encodings and explanation term: PRADO reads no word ids (no
# vocabulary), only the cnn and the bag have interval bounds (the worst-case term), and FastGRNN does not explain
# itself (its logits come from the last state, not a sum over words), so it keeps the gradient x input (saliency)
# term.
# The bag of words reads a vocabulary of 1,000 frequent words and the 2,000 most informative of the class: over
# newsgroups_long it reached 0.859 validation accuracy trained on the labels, 0.855 over the 3,000 most frequent
# (benchmarks/results/explore/bag.jsonl).
STUDENT_CHANGES = {"bag": {"vocabulary.frequent_words": 1000},
                   "prado": {"vocabulary": None, "worst_case.weight": 0.0},
                   "fastgrnn": {"worst_case.weight": 0.0, "explanation.kind": "saliency", "explanation.weight": 0.2}}


# The bag of words learns its logits' scale slowly at the cnn's rate (its logits are a weighted mean of word vectors,
# two weights deep): distilled on newsgroups_long through the quick run it reached 0.735 validation accuracy at 2e-3
# and 0.863 at 1e-2 (benchmarks/results/explore/bag.jsonl).
STUDENT_LEARNING_RATES = {"bag": 1e-2}


# The student ``auto`` (every preset's): the cnn for snippets and questions, the bag of words for documents. Trained on
# the labels (benchmarks/results/explore/bag.jsonl), validation accuracy bag / cnn: newsgroups_long (128 tokens)
# 0.859 / 0.849, trec (24 tokens) 0.814 / 0.863, rotten_tomatoes (40 tokens) 0.755 / 0.762.
# On documents the run's baseline teaches (``teacher.documents``): it reads every word where a trained teacher reads
# the first 128 tokens. Through the quick run (seed 0, benchmarks/results/explore/bag.jsonl), QAT validation
# accuracy with the baseline as the teacher vs the preset's wide cnn: newsgroups_long (the bag) 0.884 vs 0.865;
# on short texts it is not the better teacher (trec 0.838 vs 0.853, rotten_tomatoes 0.755 vs 0.750), and the
# default preset's MiniLM is far above it there.
AUTO_STUDENT = "auto"
AUTO_CHOICES = {False: "cnn", True: "bag"}  # keyed by "the texts are documents"


def _students(epochs, cnn_config=None):
    return {name: StudentSettings(name=name, model=dict(cnn_config or config) if name == "cnn" else dict(config),
                                  epochs=epochs,
                                  learning_rate=STUDENT_LEARNING_RATES.get(name, StudentSettings.learning_rate))
            for name, config in STUDENT_CONFIGS.items()}


# Quick's budgets: on rotten_tomatoes (seed 0) the BiLSTM's best validation accuracy came in its first epoch (0.765,
# then 0.749), which it keeps; the cnn distils for 2 epochs, then trains the objectives for 1 (a smoke test). The
# teacher trains at least 300 steps and the student at least 1,500 (``min_steps``), so a smaller training split gets
# more epochs (patience still stops them): one BiLSTM epoch over trec's 4,303 questions (68 steps) left the teacher
# at 0.656 validation accuracy and the QAT student at 0.628; 300 steps reach 0.835 and 0.796
# (benchmarks/results/explore/min_steps.jsonl). The student's 1,500 steps were chosen on validation through the quick
# run on newsgroups_long (20 classes, 4,079 training posts, 64 steps an epoch): QAT validation accuracy 0.826 /
# 0.849 / 0.857 at 800 / 1,500 / 3,000 steps (the last within one standard error of 1,500 and 30 s slower); at 1,500
# rotten_tomatoes and trec keep their accuracy (QAT validation 0.750 and 0.853) and their time.
BILSTM = {"quick": TeacherSettings(name="bilstm", model={"num_buckets": 20000, "max_length": 48, "embedding_dim": 64,
                                                           "lstm_units": 48},
                                   epochs=1, learning_rate=2e-3, batch_size=64, optimizer=None),
          "default": TeacherSettings(name="bilstm", model={"num_buckets": 20000, "max_length": 48,
                                                             "embedding_dim": 96, "lstm_units": 64},
                                     epochs=6, learning_rate=1e-3, batch_size=64, optimizer=None)}
# The quick preset's teacher: the cnn at teacher size (tfcompress.models.teachers.wide_cnn), which learns in the quick
# budget where the BiLSTM does not. Through the quick run (seed 0, benchmarks/results/explore/teacher_long.jsonl,
# rows quick-preset-wide-cnn-vs-bilstm-*), the teacher's / QAT student's validation accuracy, wide cnn vs BiLSTM
# (the latter at the preset's earlier, larger map and attack budgets): newsgroups_long 0.855 / 0.763 vs 0.665 /
# 0.622, trec 0.875 / 0.849 vs 0.835 / 0.796, rotten_tomatoes 0.743 / 0.740 vs 0.765 / 0.744.
WIDE_CNN_CONFIG = {"num_buckets": 20000, "max_length": 48, "embedding_dim": 64, "filters": 128,
                   "pooling": "channel_attention"}
WIDE_CNN = {"quick": TeacherSettings(name="wide_cnn", model=WIDE_CNN_CONFIG, epochs=1, learning_rate=2e-3,
                                     batch_size=64, optimizer=None),
            "default": TeacherSettings(name="wide_cnn", model=WIDE_CNN_CONFIG, epochs=6, learning_rate=1e-3,
                                       batch_size=64, optimizer=None)}
# The larger size tier (<= 300 KB with everything the app ships): the cnn over a 10,000-word vocabulary (half the
# out-of-vocabulary tokens of 3,500 words) with 20-dimensional embeddings and 96 filters per width; same recipe.
SMALL_CNN = {**STUDENT_CONFIGS["cnn"], "embedding_dim": 20, "filters": 96}
RECIPES = {
    "quick": {"bilstm": BILSTM["quick"], "minilm": MINILM, "wide_cnn": WIDE_CNN["quick"],
              **_students(epochs=2)},
    "default": {"bilstm": BILSTM["default"], "minilm": MINILM, "wide_cnn": WIDE_CNN["default"], **_students(epochs=12)},
    "small": {"bilstm": BILSTM["default"], "minilm": MINILM, "wide_cnn": WIDE_CNN["default"],
              **_students(epochs=12, cnn_config=SMALL_CNN)},
}

PRESETS = {
    "default": DEFAULT,
    # A smoke test that stays within about 3 minutes on 2 cores (benchmarks/main_job.py): the wide cnn teacher, no
    # transfer copies, the teacher's maps of 1,000 texts, 48 training texts attacked once per fit (at its start), 20
    # validation texts measured by the monitors, 12 test sentences attacked with 200 queries each. Maps and attacks
    # cover a text's first 32 words: with the query budget, that bounds what a long document costs
    # (benchmarks/bundled_datasets.py: newsgroups_long's posts of 257 to 2,000 words, within 5 minutes); most snippets are
    # shorter.
    "quick": DEFAULT.with_changes({
        "teacher": WIDE_CNN["quick"], "teacher.patience": 2, "teacher.min_steps": 300,
        "student": RECIPES["quick"]["cnn"], "student.name": AUTO_STUDENT, "student.patience": 2,
        "student.min_steps": 1500, "transfer.copies": 0,
        "explanation.examples": 1000,
        "explanation.positions": 32, "evaluation.robustness.query_budget": 200, "evaluation.robustness.max_words": 32,
        "adversarial.texts.max_words": 32,
        "adversarial.texts.num_examples": 48, "adversarial.texts.every": 3, "schedule.monitor_examples": 20,
        "schedule.two_phase.objective_epochs": 1, "evaluation.robustness.num_examples": 12,
        "evaluation.explanations.num_examples": 5, "evaluation.personalization.clients": 10,
        "evaluation.personalization.rounds": 2, "data.held_out_users.count": 20}),
    "small": DEFAULT.with_changes({"student": RECIPES["small"]["cnn"], "student.name": AUTO_STUDENT,
                                   "vocabulary.size": 10000}),
}
# The changes that turn a preset into plain distillation (KD and cross-entropy only).
PLAIN_KD = PLAIN_DISTILLATION


def preset_settings(preset, teacher=None, student=None, teacher_epochs=None, student_epochs=None):
    """The preset's ``Settings`` with the named teacher's and student's recipes (a new object each call).

    Args:
        preset: a name in ``PRESETS``.
        teacher, student: model names overriding the preset's: registered names (with the preset's recipe for
            them), or a teacher you bring / a model class of your own (``_model_of_your_own``).
        teacher_epochs, student_epochs: overrides of the recipes' epoch budgets.

    Raises:
        ValueError: an unknown preset, or a student that is not a ``TextClassifier`` class.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; presets are {sorted(PRESETS)}")
    settings = PRESETS[preset]
    for role, name, epochs in (("teacher", teacher, teacher_epochs), ("student", student, student_epochs)):
        settings = with_recipe(settings, preset, role, name or getattr(settings, role).name, epochs)
    return settings


def with_recipe(settings, preset, role, name, epochs=None):
    """``settings`` with ``name`` as the ``role`` model and the preset's recipe for it: its model, fit budget and
    (students) the changes it needs; patience and the teacher's precision stay the settings'. ``auto`` (students)
    keeps the cnn's recipe in place until the data says which student reads it (``resolve_auto_student``)."""
    recipes = RECIPES[preset]
    recipe_name = AUTO_CHOICES[False] if role == "student" and name == AUTO_STUDENT else name
    if recipe_name not in recipes:
        return settings.with_changes(_model_of_your_own(role, name, getattr(settings, role), epochs))
    recipe = recipes[recipe_name]
    settings = settings.with_changes({role: {"name": name, "model": recipe.model, "epochs": epochs or recipe.epochs,
                                             "learning_rate": recipe.learning_rate, "batch_size": recipe.batch_size,
                                             "optimizer": recipe.optimizer}})
    if role == "student":
        settings = settings.with_changes(STUDENT_CHANGES.get(recipe_name, {}))
    return settings


def auto_student(max_length):
    """The student ``auto`` picks for texts read at ``max_length`` tokens: the bag of words for documents (at
    least ``LONG_TEXT_TOKENS``), the cnn for shorter texts."""
    return AUTO_CHOICES[max_length >= LONG_TEXT_TOKENS]


def resolve_auto_student(settings, max_length=None):
    """``settings`` with the student ``auto`` replaced by ``auto_student(max_length)`` reading ``max_length``
    tokens (``None``: the student's ``max_length`` setting): the cnn keeps the settings' model and budget, the bag
    gets its recipe's model, rate and changes with the settings' epochs. Other students are returned unchanged.

    Example:
        >>> resolve_auto_student(preset_settings("quick"), 128).student.name
        'bag'
    """
    if settings.student.name != AUTO_STUDENT:
        return settings
    max_length = int(settings.student.model.get("max_length", 48) if max_length is None else max_length)
    name = auto_student(max_length)
    if name == AUTO_CHOICES[True]:
        settings = settings.with_changes({"student": {"name": name, "model": STUDENT_CONFIGS[name],
                                                      "learning_rate": STUDENT_LEARNING_RATES[name]},
                                          **STUDENT_CHANGES[name]})
    return settings.with_changes({"student.name": name, "student.model.max_length": max_length})


def _model_of_your_own(role, name, current, epochs=None):
    """The changes that put a model with no recipe in the preset in ``role``: a teacher you bring (a saved model,
    ``module:attribute``) or a ``TextClassifier`` class registered from your code. It is built with its own
    defaults and the preset's length and fit budget; a student that reads no word vocabulary or has no interval
    bounds leaves out the vocabulary and the worst-case term, and one that does not explain itself trains the
    gradient x input term (as fastgrnn)."""
    section = {"name": name, "model": {"max_length": current.model.get("max_length", 48)}}
    if epochs:
        section["epochs"] = epochs
    changes = {role: section}
    if role == "student":
        from tfcompress.models.registry import model_class

        student_class = model_class(name, "student")
        changes.update({"vocabulary": None, "worst_case.weight": 0.0})
        if not student_class.explains_itself:
            changes.update(STUDENT_CHANGES["fastgrnn"])
    return changes


__all__ = ["AUTO_STUDENT", "DEFAULT", "PLAIN_KD", "PRESETS", "RECIPES", "SMALL_CNN", "STUDENT_CONFIGS", "auto_student",
           "preset_settings", "resolve_auto_student", "with_recipe"]
