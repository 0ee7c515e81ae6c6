"""Why a model decides what it decides: word attributions (shap, integrated gradients), their
pictures, teacher-vs-student fidelity and faithfulness (deletion curve / AOPC).

Works on both stacks (shap, no textattack), for Keras models and ``.tflite`` files
(``tfcompress.pipeline.load_text_model`` opens either).

Example:
    >>> from tfcompress.explain import explain_model, fidelity
    >>> result = explain_model(student, data.test.texts, num_examples=50, out_dir="explanations")
"""
from tfcompress.explain.contributions import contribution_maps
from tfcompress.explain.explain import METHODS, check_methods, explain_model, explain_texts
from tfcompress.explain.faithfulness import aopc, deletion_curve, deletion_texts
from tfcompress.explain.fidelity import aligned_values, fidelity, spearman, top_k_overlap
from tfcompress.explain.integrated_gradients import integrated_gradients
from tfcompress.explain.plots import save_heatmap_png, save_shap_html
from tfcompress.explain.shap_explainer import MASK, shap_attributions
from tfcompress.explain.shap_word_tokenizer import ShapWordTokenizer

__all__ = ["MASK", "METHODS", "ShapWordTokenizer", "aligned_values", "aopc", "check_methods", "contribution_maps",
           "deletion_curve", "deletion_texts", "explain_model", "explain_texts", "fidelity", "integrated_gradients",
           "save_heatmap_png", "save_shap_html", "shap_attributions", "spearman", "top_k_overlap"]
