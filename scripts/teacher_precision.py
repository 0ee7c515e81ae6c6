"""How the teacher's bfloat16 copy compares with the float teacher: labels, speed and endpoint-Shapley maps.

The figures behind ``teacher_inference: auto`` (``tfcompress.distill.teacher_precision``), on a trained teacher,
e.g. the one of ``benchmarks/main_job.py``'s cold default row:

    .venv/bin/python scripts/teacher_precision.py \\
        --teacher benchmarks/results/.main_job.partial/default_cold/checkpoints/teacher.keras

Measured on the bundled rotten_tomatoes validation split (seed 0): the share of texts on which the copy predicts
the float teacher's class and the largest logit difference; texts labelled per second by each (the validation
split and its occlusion variants); the per-text Spearman correlation of the two models' endpoint-Shapley maps.
"""
import argparse
import json
import time

import numpy as np


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def occlusion_variants(teacher, texts):
    """Every text with each of its words left out, as the occlusion maps run them."""
    variants = []
    for text in texts:
        words = teacher.encoder.words(text)[:teacher.max_length]
        variants.extend(" ".join(words[:i] + words[i + 1:]) for i in range(len(words)))
    return variants


def map_agreement(reference_maps, copy_maps):
    from scipy.stats import spearmanr

    values = [spearmanr(a, b).correlation for a, b in zip(reference_maps, copy_maps) if len(a) > 2]
    values = [value for value in values if np.isfinite(value)]
    return {"texts": len(values), "mean_spearman": round(float(np.mean(values)), 4),
            "median_spearman": round(float(np.median(values)), 4),
            "max_abs_difference": round(float(max(np.abs(a - b).max(initial=0) for a, b in
                                                  zip(reference_maps, copy_maps))), 4)}


def measure(teacher_path, map_texts, seed):
    from tfcompress.datasets import load
    from tfcompress.distill.teacher_explanations import endpoint_shapley_maps
    from tfcompress.distill.teacher_precision import bfloat16_copy, native_bfloat16
    from tfcompress.models import load_model

    teacher = load_model(teacher_path)
    copy = bfloat16_copy(teacher)
    texts = list(load("rotten_tomatoes", seed=seed).validation.texts)
    variants = occlusion_variants(teacher, texts[:map_texts])
    for model in (teacher, copy):
        model.predict_texts(texts[:64])  # traced before timing
    report = {"teacher": teacher_path, "native_bfloat16": native_bfloat16(), "validation_texts": len(texts),
              "occlusion_variants": len(variants)}
    logits = {}
    for name, model in (("float32", teacher), ("bfloat16", copy)):
        logits[name], seconds = timed(lambda: model.predict_texts(texts))
        _, variant_seconds = timed(lambda: model.predict_texts(variants))
        report[name] = {"validation_texts_per_second": round(len(texts) / seconds, 1),
                        "occlusion_variants_per_second": round(len(variants) / variant_seconds, 1)}
    report["validation_agreement"] = round(float(np.mean(logits["float32"].argmax(1) ==
                                                         logits["bfloat16"].argmax(1))), 4)
    report["max_logit_difference"] = round(float(np.abs(logits["float32"] - logits["bfloat16"]).max()), 4)
    report["speedup_occlusion"] = round(report["bfloat16"]["occlusion_variants_per_second"]
                                        / report["float32"]["occlusion_variants_per_second"], 2)
    sample = texts[:map_texts]
    report["endpoint_shapley_maps"] = map_agreement(endpoint_shapley_maps(teacher, sample, teacher.max_length),
                                                    endpoint_shapley_maps(copy, sample, teacher.max_length))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="a trained teacher's .keras file")
    parser.add_argument("--map-texts", type=int, default=200, help="validation texts whose maps are compared")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(measure(args.teacher, args.map_texts, args.seed), indent=1))


if __name__ == "__main__":
    main()
