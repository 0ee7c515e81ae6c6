"""Presets: what ``tfcompress run`` trains and measures, and how each registered model is trained.

A preset names a teacher and a student, the weights of the three objectives and the evaluation sizes;
``RECIPES[preset][model]`` holds each model's constructor config and fit budget. ``preset_settings``
merges the two into the flat settings dict that the training recipe (``tfcompress.pipeline.recipe``)
and the run read.

Example:
    >>> settings = preset_settings("quick", student="prado")
    >>> settings["student_config"]["features"]
    64
"""
import json

# The paper's three objectives, as every preset trains them (the terms chosen by benchmarks/ablation.py;
# the weights lowered from 1.0 / 0.5 on validation accuracy with the 2-hash student and 10 transfer copies:
# seed 0, validation 0.752 at 1.0 / 0.5, 0.785 at 0.2 / 0.1, 0.791 with neither term).
# The explanation term (issue 16): the self-explaining cnn's own per-word contributions (its .tflite's second
# output) aligned with the teacher's endpoint-Shapley maps (the word alone and the word left out; Spearman 0.79
# with the teacher's shap on validation, scripts/teacher_attributions.py), on the first 20,000 transfer texts.
# Weight chosen on validation with scripts/explore_student.py --explain 100 (seed 0, robust encodings on, PGD and
# adversarial texts off): 0.5 / 1.0 / 2.0 gave validation accuracy 0.770 / 0.769 / 0.747, Spearman of the
# contributions with the teacher's shap 0.645 / 0.643 / 0.643, their AOPC against shap's on the same student
# 0.257 vs 0.258 / 0.250 vs 0.243 / 0.235 vs 0.227; 1.0 is the lightest weight whose own explanation is at least
# as faithful as shap's. (Occlusion alone as the target, weight 2.0: Spearman 0.547.)
OBJECTIVES = {"explain_weight": 1.0, "explanation": "contributions", "teacher_attribution": "endpoint_shapley",
              "explain_examples": 20000,
              "adversarial_weight": 0.1, "adversarial_steps": 1, "adversarial_epsilon": 0.5,
              "adversarial_texts": {"recipes": ["deepwordbug", "pwws"], "num_examples": 256, "every": 2,
                                    "query_budget": 200},
              "warmup_epochs": 2, "monitor_examples": 50, "qat_epochs": 2, "qat_learning_rate_scale": 0.25,
              "explain_average": "batch", "schedule": None}
# Two phases (tfcompress.pipeline.phases): plain distillation to convergence on a cosine-decayed rate (the epoch of
# lowest validation KD loss kept), then the objectives ramped from zero over 3 epochs at a quarter of the rate (the
# epoch of lowest validation objective kept). QAT then continues from that checkpoint.
SCHEDULE = {"schedule": {"objective_epochs": 3, "objective_learning_rate_scale": 0.25, "floor": 0.05}}
# Robust by construction (issue 15): the word students read a closed vocabulary of the training split's
# 3,500 most frequent tokens (the most that keeps the int8 file with its shipped vocabulary under 100 KB),
# misspellings recovered to the most frequent word one edit away; half the transfer set gets random
# character edits (a quarter of its words), labelled by the teacher on the clean text; and interval bounds
# train against the worst case over PWWS' WordNet swaps. Weights chosen on validation with
# scripts/explore_student.py (seed 0, 200 attacked validation sentences): IBP 0.1 was the lightest weight
# that kept PWWS >= 0.25 (0.275; 0.05: 0.18, 0.5: 0.42), at 3 points of clean validation accuracy
# (0.772 vs 0.802 with the encoding and the edits alone).
# Real English words outside the vocabulary are read as unknown, never recovered into the vocabulary word one edit
# away (bar is not bad); the words that would be are shipped as a Bloom filter (VocabularyEncoder.known_words, about
# 8 KB in the spec), so the vocabulary is 3,000 words: the int8 file with everything the app needs stays <= 100 KB.
ROBUST = {"vocabulary": {"size": 3000, "typo_recovery": True, "keep_real_words": True}, "typo_share": 0.5,
          "typo_rate": 0.25,
          "robust_weight": 0.1, "robust_kind": "ibp", "robust_sets": ["wordnet"]}
# The teacher's forward passes over the transfer set (its labels) and the occlusion maps run on a bfloat16 copy
# where the CPU multiplies bfloat16 in hardware, used only when it predicts the float teacher's class on >= 99%
# of validation (tfcompress.distill.teacher_precision). scripts/teacher_precision.py on the default run's MiniLM
# teacher (2 cores with AMX): 450 vs 305 occlusion variants a second (1.48x), the float teacher's class on 99.76%
# of the 1,275 validation texts (largest logit difference 0.038), endpoint-Shapley maps with a mean Spearman of
# 0.998 to the float teacher's on 200 of them.
TEACHER_INFERENCE = {"teacher_inference": "auto"}
# Plain distillation: the KD and CE terms only (the baseline the objectives are measured against).
PLAIN_KD = {"explain_weight": 0.0, "adversarial_weight": 0.0, "adversarial_texts": None, "robust_weight": 0.0,
            "typo_share": 0.0}
# Natural clients (issue 17): with a user column (the bundled rotten_tomatoes: movie_name), this many seeded users
# with at least min_texts texts are held out of all training (teacher, student, transfer set) and become the
# personalization stage's clients, each split into a private train and test part. A training setting: it
# changes what the models read.
HELD_OUT_USERS = {"count": 50, "min_texts": 30}
# How much of the test split the robustness, explanation and personalization stages look at.
EVALUATION = {"robustness": {"num_examples": 100, "query_budget": 500},
              "explanations": {"num_examples": 20, "max_evals": 300},
              "personalization": {"clients": 20, "alpha": 0.3, "rounds": 5, "test_fraction": 0.35}}
# Settings that only size the evaluation stages (re-measured on every run); changing them keeps the
# trained checkpoints.
EVALUATION_SETTINGS = tuple(EVALUATION)

# The usual BERT fine-tuning recipe: AdamW (weight decay 0.01, biases and normalization left out), a linear warm-up
# over the first 10% of the steps and a linear decay to 0 over 3 epochs, gradients clipped to norm 1; the epoch of
# best validation accuracy is kept.
MINILM = {"config": {"max_length": 48, "pretrained": True}, "epochs": 3, "learning_rate": 5e-5, "batch_size": 32,
          "optimizer": {"name": "adamw", "weight_decay": 0.01, "warmup": 0.1, "decay": "linear", "clipnorm": 1.0}}
# Hashed students read each word as the sum of 2 rows of a 4,096-row table (MultiHashEncoder), chosen
# on validation by benchmarks/students.py; PRADO reads hashed ternary projections (no table).
STUDENTS = {
    "cnn": {"num_buckets": 4096, "num_hashes": 2, "max_length": 48, "embedding_dim": 16, "filters": 64,
            "pooling": "attention"},
    "prado": {"features": 64, "max_length": 48, "bottleneck": 64, "filters": 64},
    "fastgrnn": {"num_buckets": 4096, "num_hashes": 2, "max_length": 48, "embedding_dim": 16, "units": 64},
}
# The teacher-labelled transfer set (Tang et al. 2019; TinyBERT): copies of each training text with
# word dropout, corpus-word swaps, n-gram windows and substitutions by the teacher's nearest words.
TRANSFER = {"transfer_copies": 10, "transfer_substitute": 0.3, "transfer_neighbours": 8}


# What a student cannot take of the preset's robust encodings and explanation term: PRADO reads no word ids (no
# vocabulary), only the cnn has interval bounds (the worst-case term), and FastGRNN does not explain itself (its
# logits come from the last state, not a sum over words), so it keeps the gradient x input (saliency) term.
STUDENT_SETTINGS = {"prado": {"vocabulary": None, "robust_weight": 0.0},
                    "fastgrnn": {"robust_weight": 0.0, "explanation": "saliency", "explain_weight": 0.2}}


def _student_recipes(epochs):
    return {name: {"config": config, "epochs": epochs, "learning_rate": 2e-3, "batch_size": 64,
                   "settings": STUDENT_SETTINGS.get(name, {})}
            for name, config in STUDENTS.items()}


# Quick's budgets: on rotten_tomatoes (seed 0) the BiLSTM's best validation accuracy came in its first epoch (0.765,
# then 0.749), which it keeps; the cnn distils for 2 epochs, then trains the objectives for 1 (a smoke test).
RECIPES = {
    "quick": {
        "bilstm": {"config": {"num_buckets": 20000, "max_length": 48, "embedding_dim": 64, "lstm_units": 48},
                   "epochs": 1, "learning_rate": 2e-3, "batch_size": 64},
        "minilm": MINILM,
        **_student_recipes(epochs=2),
    },
    "default": {
        "bilstm": {"config": {"num_buckets": 20000, "max_length": 48, "embedding_dim": 96, "lstm_units": 64},
                   "epochs": 6, "learning_rate": 1e-3, "batch_size": 64},
        "minilm": MINILM,
        **_student_recipes(epochs=12),
    },
}
# The larger size tier (<= 300 KB with everything the app ships): the cnn over a 10,000-word vocabulary (half the
# out-of-vocabulary tokens of 3,500 words) with 20-dimensional embeddings and 96 filters per width; same recipe.
SMALL_CNN = {**STUDENTS["cnn"], "embedding_dim": 20, "filters": 96}
RECIPES["small"] = {**RECIPES["default"], "cnn": {**RECIPES["default"]["cnn"], "config": SMALL_CNN}}

PRESETS = {
    "quick": {"teacher": "bilstm", "student": "cnn", "patience": 2, "teacher_patience": 2,
              "temperature": 3.0, "kd_kind": "kl", "ce_weight": 0.1, "kd_weight": 0.9,
              **TRANSFER, "transfer_copies": 0, "embedding_init": "teacher", **OBJECTIVES, **ROBUST, **TEACHER_INFERENCE,
              "explain_examples": 2000,  # the teacher's endpoint-Shapley maps of 2,000 texts (quick is a smoke test)
              # Smoke-test sizes, so that the whole quick run stays within 3 minutes on 2 cores
              # (benchmarks/main_job.py): 96 training texts attacked once per fit, at its start (every 3 epochs:
              # the distill fit's second refresh, before its last epoch, cost about 10 s), 20 validation texts
              # measured by the monitors, 20 test sentences attacked.
              "adversarial_texts": {**OBJECTIVES["adversarial_texts"], "num_examples": 96, "every": 3},
              "monitor_examples": 20,
              "robustness": {**EVALUATION["robustness"], "num_examples": 20},
              "explanations": {**EVALUATION["explanations"], "num_examples": 5},
              "personalization": {**EVALUATION["personalization"], "clients": 10, "rounds": 2},
              "held_out_users": {**HELD_OUT_USERS, "count": 20},
              "schedule": {**SCHEDULE["schedule"], "objective_epochs": 1}},
    "default": {"teacher": "minilm", "student": "cnn", "patience": 3, "teacher_patience": None,
                "temperature": 3.0, "kd_kind": "kl", "ce_weight": 0.1, "kd_weight": 0.9, **TRANSFER,
                "embedding_init": "teacher", **OBJECTIVES, **ROBUST, **TEACHER_INFERENCE, **EVALUATION,
                "held_out_users": HELD_OUT_USERS, **SCHEDULE},
}
PRESETS["small"] = {**PRESETS["default"], "vocabulary": {**ROBUST["vocabulary"], "size": 10000}}


def preset_settings(preset, teacher=None, student=None, teacher_epochs=None, student_epochs=None):
    """The preset with its teacher's and student's recipes merged in, as one flat dict (a copy).

    Args:
        preset: a name in ``PRESETS``.
        teacher, student: registered model names overriding the preset's.
        teacher_epochs, student_epochs: overrides of the recipes' epoch budgets.

    Raises:
        ValueError: an unknown preset, or a model with no recipe in it.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; presets are {sorted(PRESETS)}")
    settings = json.loads(json.dumps(PRESETS[preset]))
    recipes = RECIPES[preset]
    for role, name, epochs in (("teacher", teacher, teacher_epochs), ("student", student, student_epochs)):
        name = name or settings[role]
        if name not in recipes:
            raise ValueError(f"no training recipe for {role} {name!r}; known models are {sorted(recipes)}")
        recipe = recipes[name]
        settings.update({role: name, f"{role}_config": dict(recipe["config"]),
                         f"{role}_epochs": epochs or recipe["epochs"],
                         f"{role}_learning_rate": recipe["learning_rate"],
                         f"{role}_batch_size": recipe["batch_size"], f"{role}_optimizer": recipe.get("optimizer"),
                         **recipe.get("settings", {})})
    return settings


__all__ = ["EVALUATION", "EVALUATION_SETTINGS", "HELD_OUT_USERS", "OBJECTIVES", "PLAIN_KD", "PRESETS", "RECIPES", "ROBUST",
           "SCHEDULE", "SMALL_CNN", "STUDENTS", "TRANSFER",
           "preset_settings"]
