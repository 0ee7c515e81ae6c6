"""Knowledge distillation of a student from a frozen teacher: the Distiller, its data and its callbacks."""
from tfcompress.distill.adversarial_text_pool import AdversarialTextPool
from tfcompress.distill.adversarial_text_refresh import AdversarialTextRefresh
from tfcompress.distill.best_tflite_exporter import BestTFLiteExporter
from tfcompress.distill.best_weights import BestWeights
from tfcompress.distill.dataset import distillation_dataset
from tfcompress.distill.distiller import Distiller
from tfcompress.distill.embedding_init import init_embeddings_from_teacher, teacher_lexicon
from tfcompress.distill.explanation_fidelity_monitor import ExplanationFidelityMonitor
from tfcompress.distill.loss_weight_scheduler import LossWeightScheduler
from tfcompress.distill.losses import (AdversarialTerm, CrossEntropyTerm, ExplanationTerm, KDTerm, LossTerm,
                                      TermContext, WorstCaseTerm, cross_entropy, kd_loss, normalized_map_distance)
from tfcompress.distill.records import distillation_records_dataset, write_distillation_records
from tfcompress.distill.robustness_monitor import RobustnessMonitor
from tfcompress.distill.stop_on_divergence import StopOnDivergence
from tfcompress.distill.teacher_explanations import EXPLANATIONS, TeacherExplanations
from tfcompress.distill.validation_objective import ValidationObjective

__all__ = ["EXPLANATIONS", "AdversarialTerm", "AdversarialTextPool", "AdversarialTextRefresh", "BestTFLiteExporter",
           "BestWeights", "CrossEntropyTerm", "Distiller", "ExplanationFidelityMonitor", "ExplanationTerm", "KDTerm",
           "LossTerm", "LossWeightScheduler", "RobustnessMonitor", "StopOnDivergence", "TeacherExplanations",
           "TermContext", "ValidationObjective", "WorstCaseTerm", "cross_entropy", "distillation_dataset",
           "init_embeddings_from_teacher", "distillation_records_dataset", "kd_loss", "normalized_map_distance",
           "teacher_lexicon", "write_distillation_records"]
