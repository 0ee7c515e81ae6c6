"""The sections of a run configuration, one per concern; their defaults are the ``default`` preset's values.

Every field is a ``setting``: a type, a default, an allowed range and a one-line doc. ``Settings`` (in
``tfcompress.config.settings``) holds one of each; docs/configuration.md lists them all.
"""
import dataclasses
from typing import Optional

from tfcompress import catalog
from tfcompress.config.section import Section, setting


@dataclasses.dataclass(frozen=True)
class OptimizerSettings(Section):
    """How a model's weights are updated: the optimizer and its learning-rate schedule."""

    name: str = setting("adam", "The optimizer (adamw leaves biases and normalization out of weight decay).",
                        choices=catalog.OPTIMIZERS)
    weight_decay: float = setting(0.01, "Decoupled weight decay (adamw only).", minimum=0.0)
    warmup: float = setting(0.0, "Share of the fit's steps over which the rate rises linearly from 0.",
                            minimum=0.0, maximum=1.0)
    decay: str = setting("constant", "How the rate falls after the warm-up.", choices=catalog.DECAYS)
    floor: float = setting(0.0, "The rate at the end of the decay, as a share of the peak.", minimum=0.0,
                           maximum=1.0, fingerprint_default=False)
    clipnorm: Optional[float] = setting(None, "Clip each gradient to this norm (null: no clipping).", minimum=0.0)


@dataclasses.dataclass(frozen=True)
class TeacherSettings(Section):
    """The teacher and how it is fine-tuned on the training labels."""

    name: str = setting("minilm", "A registered teacher, trained here: minilm (pretrained all-MiniLM-L6-v2), bilstm, "
                                  "wide_cnn; baseline (the run's TF-IDF + logistic regression); or your own, used as "
                                  "it is: a SavedModel folder, a .keras file or module:attribute (docs/teachers.md).",
                        flat="teacher")
    documents: Optional[str] = setting("baseline", "The teacher when the texts are documents (the student reads at "
                                                   "least 64 tokens) and the run was not given one: baseline (reads "
                                                   "every word of a text) or null (the teacher above).",
                                       choices=(catalog.BASELINE_TEACHER,), flat="teacher_documents",
                                       fingerprint_default=False)
    model: dict = setting({"max_length": 48, "pretrained": True},
                          "The teacher's constructor arguments (see its class).", flat="teacher_config")
    epochs: int = setting(3, "Passes over the training split (the epoch of best validation accuracy is kept).",
                          minimum=1, flat="teacher_epochs")
    learning_rate: float = setting(5e-5, "The peak learning rate.", minimum=0.0, flat="teacher_learning_rate")
    batch_size: int = setting(32, "Texts per step.", minimum=1, flat="teacher_batch_size")
    optimizer: Optional[OptimizerSettings] = setting(
        OptimizerSettings(name="adamw", warmup=0.1, decay="linear", clipnorm=1.0),
        "The teacher's optimizer (null: Adam at a constant rate).", flat="teacher_optimizer")
    patience: Optional[int] = setting(None, "Epochs without a better validation accuracy before the teacher stops "
                                            "(null: never).", minimum=1, flat="teacher_patience")
    min_steps: int = setting(0, "At least this many optimizer steps: a small training split gets more epochs than "
                                "`epochs` (patience still stops it).", minimum=0, flat="teacher_min_steps",
                             fingerprint_default=False)
    inference: str = setting("auto", "Precision of the teacher's passes over the transfer set (auto: bfloat16 where "
                                     "the CPU has it and the copy agrees with the float teacher on validation).",
                             choices=catalog.TEACHER_PRECISIONS, flat="teacher_inference")


@dataclasses.dataclass(frozen=True)
class StudentSettings(Section):
    """The student and its fit budget."""

    name: str = setting("auto", "A registered student: cnn (self-explaining), bag (a self-explaining bag of words), "
                               "prado, fastgrnn; auto: the bag when the texts need at least 64 tokens, "
                               "else the cnn, each with its recipe; or module:Class of your own TextClassifier "
                               "subclass (docs/students.md).", flat="student")
    model: dict = setting({"num_buckets": 4096, "num_hashes": 2, "max_length": 48, "embedding_dim": 16,
                           "filters": 64, "pooling": "auto"},
                          "The student's constructor arguments (see its class).", flat="student_config")
    epochs: int = setting(12, "Epochs of plain distillation (the first phase), or of the one phase without a "
                              "two-phase schedule.", minimum=1, flat="student_epochs")
    learning_rate: float = setting(2e-3, "The peak learning rate.", minimum=0.0, flat="student_learning_rate")
    batch_size: int = setting(64, "Texts per step.", minimum=1, flat="student_batch_size")
    optimizer: Optional[OptimizerSettings] = setting(None, "The optimizer of the label-only baseline (null: Adam at "
                                                           "a constant rate); distillation's rate follows schedule.",
                                                     flat="student_optimizer")
    patience: Optional[int] = setting(3, "Epochs without improvement before a distillation phase stops "
                                         "(null: never).", minimum=1, flat="patience")
    min_steps: int = setting(0, "At least this many optimizer steps of plain distillation: a small transfer set gets "
                                "more epochs than `epochs` (patience still stops it).", minimum=0,
                             flat="student_min_steps", fingerprint_default=False)
    embedding_init: str = setting("teacher", "Start the student's word embeddings from the teacher's word vectors "
                                             "(teacher) or at random.", choices=("teacher", "random"))
    lexicon_words: Optional[int] = setting(None, "The most frequent English words added to the teacher's lexicon "
                                                 "for the embedding start (null: all 28,482).", minimum=0,
                                           fingerprint_default=False)
    embedding_logit_dims: int = setting(0, "Embedding dimensions started from the teacher's logits of each word.",
                                        minimum=0, fingerprint_default=False)


@dataclasses.dataclass(frozen=True)
class DistillationSettings(Section):
    """The distillation objective: the student matches the teacher's softened outputs."""

    temperature: float = setting(3.0, "Softmax temperature of the KD term.", minimum=0.01)
    kind: str = setting("kl", "The KD term: kl (T^2-scaled KL divergence) or mse (of the logits).",
                        choices=catalog.KD_KINDS, flat="kd_kind")
    ce_weight: float = setting(0.1, "Weight of cross-entropy on the true labels.", minimum=0.0)
    kd_weight: float = setting(0.9, "Weight of the KD term.", minimum=0.0)


@dataclasses.dataclass(frozen=True)
class TransferSettings(Section):
    """The teacher-labelled transfer set: perturbed copies of the training texts."""

    copies: int = setting(10, "Perturbed copies of each training text (word dropout, swaps, n-gram windows).",
                          minimum=0, flat="transfer_copies")
    substitute: float = setting(0.3, "Share of a copy's words swapped for one of the teacher's nearest words.",
                                minimum=0.0, maximum=1.0, flat="transfer_substitute")
    neighbours: int = setting(8, "Nearest words per word those swaps draw from.", minimum=1,
                              flat="transfer_neighbours")
    typo_share: float = setting(0.5, "Share of the transfer set given random character edits (labelled on the "
                                     "clean text).", minimum=0.0, maximum=1.0)
    typo_rate: float = setting(0.25, "Share of an edited text's words that get an edit.", minimum=0.0, maximum=1.0)


@dataclasses.dataclass(frozen=True)
class ExplanationSettings(Section):
    """The explainable feature-mapping objective: the student's word maps follow the teacher's."""

    weight: float = setting(1.0, "Weight of the explanation term (0: off).", minimum=0.0, flat="explain_weight")
    kind: str = setting("contributions", "The student's map: contributions (its own per-word logits, what the "
                                         "phone gets), saliency, attention or features.",
                        choices=catalog.EXPLANATIONS, flat="explanation")
    teacher_attribution: str = setting("endpoint_shapley", "The teacher's word maps the student's follow.",
                                       choices=catalog.TEACHER_ATTRIBUTIONS)
    examples: int = setting(20000, "Transfer texts that get teacher maps (the first ones).", minimum=0,
                            flat="explain_examples")
    average: str = setting("batch", "Average the term over the batch or over the texts that have maps.",
                           choices=catalog.MAP_AVERAGES, flat="explain_average")
    positions: Optional[int] = setting(64, "Words of each text that get teacher maps, from its start (the rest are "
                                           "left out of the term): caps the teacher time of a long text (null: "
                                           "every word the student reads).", minimum=1, fingerprint_default=False)


@dataclasses.dataclass(frozen=True)
class AdversarialTextSettings(Section):
    """Discrete adversarial texts: attacks on the student during training, labelled by the teacher."""

    recipes: list = setting(["deepwordbug", "pwws"], "The attacks run on training texts.",
                            choices=catalog.ATTACK_RECIPES)
    num_examples: int = setting(256, "Training texts attacked at each refresh.", minimum=1)
    every: int = setting(2, "Epochs between refreshes.", minimum=1)
    query_budget: int = setting(200, "Model queries per attacked text.", minimum=1)
    max_words: Optional[int] = setting(64, "Only a text's first this many words may be edited: caps an attack's "
                                           "time on a long text (null: any word).", minimum=1,
                                       fingerprint_default=False)


@dataclasses.dataclass(frozen=True)
class AdversarialSettings(Section):
    """The adversarial-robustness objective in embedding space, and the discrete adversarial texts."""

    weight: float = setting(0.1, "Weight of the PGD term on the word embeddings (0: off).", minimum=0.0,
                            flat="adversarial_weight")
    steps: int = setting(1, "PGD steps.", minimum=1, flat="adversarial_steps")
    epsilon: float = setting(0.5, "Radius of the embedding perturbation.", minimum=0.0, flat="adversarial_epsilon")
    texts: Optional[AdversarialTextSettings] = setting(AdversarialTextSettings(),
                                                       "Discrete adversarial texts (null: off).",
                                                       flat="adversarial_texts")


@dataclasses.dataclass(frozen=True)
class WorstCaseSettings(Section):
    """The worst case over word swaps: interval bounds (or a search) over each word's substitution set."""

    weight: float = setting(0.1, "Weight of the worst-case term (0: off; cnn student with a vocabulary only).",
                            minimum=0.0, flat="robust_weight")
    kind: str = setting("ibp", "ibp (interval bounds) or search (first-order discrete search).",
                        choices=catalog.ROBUST_KINDS, flat="robust_kind")
    sets: list = setting(["wordnet"], "Where the substitution sets come from.", choices=catalog.ROBUST_SETS,
                         flat="robust_sets")
    sentiment_filter: bool = setting(True, "Remove WordNet antonyms and swaps that flip the teacher's polarity.",
                                     flat="robust_sentiment_filter", fingerprint_default=False)
    neighbours: int = setting(8, "Teacher neighbours per word (teacher_neighbours sets).", minimum=1,
                              flat="robust_neighbours", fingerprint_default=False)
    substitution_width: int = setting(48, "Substitutes kept per word.", minimum=1, fingerprint_default=False)
    keep_unknown: bool = setting(True, "Keep the unknown id as a candidate when a swap leaves the vocabulary.",
                                 flat="robust_unknown", fingerprint_default=False)
    steps: int = setting(1, "Rounds of the search kind.", minimum=1, flat="robust_steps", fingerprint_default=False)
    share: float = setting(1.0, "Share of a text's tokens the search kind swaps.", minimum=0.0, maximum=1.0,
                           flat="robust_share", fingerprint_default=False)


@dataclasses.dataclass(frozen=True)
class VocabularySettings(Section):
    """The student's closed vocabulary (word students only; null keeps the hashed encoder)."""

    size: int = setting(3000, "Words the student reads (tokens of the training split).", minimum=1)
    frequent_words: Optional[int] = setting(None, "The most frequent tokens kept; the rest of `size` are the tokens "
                                                  "most informative of the class (null: all by frequency).",
                                            minimum=0, fingerprint_default=False)
    typo_recovery: bool = setting(True, "Read a misspelling as the most frequent vocabulary word one edit away.")
    keep_real_words: bool = setting(True, "Read a real English word outside the vocabulary as unknown, never as "
                                          "another word.")


@dataclasses.dataclass(frozen=True)
class TwoPhaseSchedule(Section):
    """Plain distillation to convergence, then the objectives ramped in at a lower rate."""

    objective_epochs: int = setting(3, "Epochs of the objectives phase (0: plain distillation only).", minimum=0)
    objective_learning_rate_scale: float = setting(0.25, "The objectives phase's rate, as a share of the student's.",
                                                   minimum=0.0)
    floor: float = setting(0.05, "Where each phase's cosine decay ends, as a share of its peak rate.", minimum=0.0,
                           maximum=1.0)


@dataclasses.dataclass(frozen=True)
class ScheduleSettings(Section):
    """The student's training schedule and what is watched while it trains."""

    two_phase: Optional[TwoPhaseSchedule] = setting(TwoPhaseSchedule(), "The two-phase schedule (null: one phase "
                                                                        "with every term).", flat="schedule")
    warmup_epochs: int = setting(2, "Epochs over which the objectives' weights rise in the one-phase schedule.",
                                 minimum=0)
    monitor_examples: int = setting(50, "Validation texts the fidelity and robustness monitors measure (0: none).",
                                    minimum=0)


@dataclasses.dataclass(frozen=True)
class QatSettings(Section):
    """Quantization-aware training before the int8 export."""

    epochs: int = setting(2, "QAT epochs (0: post-training quantization only).", minimum=0, flat="qat_epochs")
    learning_rate_scale: float = setting(0.25, "QAT's rate, as a share of the student's.", minimum=0.0,
                                         flat="qat_learning_rate_scale")


@dataclasses.dataclass(frozen=True)
class RobustnessEvaluation(Section):
    """The robustness stage: attacks on test sentences from raw text."""

    num_examples: int = setting(100, "Seeded test sentences attacked (0: skip the stage).", minimum=0)
    query_budget: int = setting(500, "Model queries per attacked sentence.", minimum=1)
    max_words: Optional[int] = setting(64, "Only a sentence's first this many words may be edited: caps an "
                                           "attack's time on a long text (null: any word).", minimum=1,
                                       fingerprint_default=False)


@dataclasses.dataclass(frozen=True)
class ExplanationEvaluation(Section):
    """The explanations stage: the student's maps against the teacher's shap."""

    num_examples: int = setting(20, "Test sentences explained (0: skip the stage).", minimum=0)
    max_evals: int = setting(300, "Model evaluations per shap explanation.", minimum=1)


@dataclasses.dataclass(frozen=True)
class PersonalizationEvaluation(Section):
    """The personalization stage: clients adapting the student on their own texts."""

    clients: int = setting(20, "Clients drawn when the data has no user column.", minimum=1)
    alpha: float = setting(0.3, "Dirichlet concentration of the drawn clients' labels.", minimum=0.0)
    rounds: int = setting(5, "Federated rounds.", minimum=0)
    test_fraction: float = setting(0.35, "Share of each client's texts held out to measure it.", minimum=0.0,
                                   maximum=1.0)


@dataclasses.dataclass(frozen=True)
class EvaluationSettings(Section):
    """How much of the test split the measuring stages look at (changing these keeps the trained models)."""

    robustness: RobustnessEvaluation = setting(RobustnessEvaluation(), "The robustness stage.", flat="robustness")
    explanations: ExplanationEvaluation = setting(ExplanationEvaluation(), "The explanations stage.",
                                                  flat="explanations")
    personalization: PersonalizationEvaluation = setting(PersonalizationEvaluation(), "The personalization stage.",
                                                         flat="personalization")


@dataclasses.dataclass(frozen=True)
class HeldOutUsers(Section):
    """Users of the data's user column held out of all training, as the personalization stage's clients."""

    count: int = setting(50, "Users held out (0: none, the dataset's standard split).", minimum=0)
    min_texts: int = setting(30, "Only users with at least this many texts are held out.", minimum=0)


@dataclasses.dataclass(frozen=True)
class DataSettings(Section):
    """What the models read of the data."""

    held_out_users: Optional[HeldOutUsers] = setting(HeldOutUsers(), "Held-out users (null: none).")
    max_length: Optional[int] = setting(None, "Tokens per text of both models (null: fitted on the training "
                                              "split).", minimum=1, fingerprint_default=False)
    max_train_examples: Optional[int] = setting(None, "Use only the first N training texts (null: all).",
                                                minimum=1, fingerprint_default=False)


__all__ = ["AdversarialSettings", "AdversarialTextSettings", "DataSettings", "DistillationSettings",
           "EvaluationSettings", "ExplanationEvaluation", "ExplanationSettings", "HeldOutUsers", "OptimizerSettings",
           "PersonalizationEvaluation", "QatSettings", "RobustnessEvaluation", "ScheduleSettings", "StudentSettings",
           "TeacherSettings", "TransferSettings", "TwoPhaseSchedule", "VocabularySettings", "WorstCaseSettings"]
