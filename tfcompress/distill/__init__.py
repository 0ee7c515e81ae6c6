"""Knowledge distillation of a student from a frozen teacher."""
from tfcompress.distill.best_weights import BestWeights
from tfcompress.distill.dataset import distillation_dataset
from tfcompress.distill.distiller import Distiller
from tfcompress.distill.losses import cross_entropy, kd_loss

__all__ = ["BestWeights", "Distiller", "distillation_dataset", "cross_entropy", "kd_loss"]
