"""Knowledge distillation of a student from a frozen teacher."""
from tfcompress.distill.best_weights import BestWeights
from tfcompress.distill.dataset import distillation_dataset
from tfcompress.distill.distiller import Distiller
from tfcompress.distill.embedding_init import init_embeddings_from_teacher, teacher_lexicon
from tfcompress.distill.losses import cross_entropy, kd_loss, normalized_map_distance
from tfcompress.distill.teacher_explanations import EXPLANATIONS, TeacherExplanations

__all__ = ["EXPLANATIONS", "TeacherExplanations", "normalized_map_distance", "BestWeights", "Distiller", "distillation_dataset", "cross_entropy", "init_embeddings_from_teacher", "kd_loss",
           "teacher_lexicon"]
