"""How the teacher's bfloat16 copy compares with the float teacher: labels, speed and endpoint-Shapley maps.

The figures behind ``teacher_inference: auto`` (``tfcompress.distill.teacher_precision``), on a trained teacher,
e.g. the one of ``benchmarks/main_job.py``'s cold default row:

    .venv/bin/python scripts/teacher_precision.py \\
        --teacher benchmarks/results/.main_job.partial/default_cold/checkpoints/teacher.keras

Measured on the bundled rotten_tomatoes validation split (seed 0): the share of texts on which the copy predicts
the float teacher's class and the largest logit difference; texts labelled per second by each (the validation
split and its occlusion variants); the per-text Spearman correlation of the two models' endpoint-Shapley maps.

``--tflite`` also measures the teacher converted to a dynamic-range int8 ``.tflite`` (int8 weights, float
activations; XNNPACK, 2 threads), the compiled teacher issue 18 suggests for labelling: its speed on the same
variants and its agreement with the float teacher on the validation split.
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


def dynamic_range_tflite(teacher):
    """The teacher as a dynamic-range int8 TFLite interpreter taking token ids of any (batch, width)."""
    from tfcompress.backend import tf

    forward = tf.function(lambda ids: teacher(ids, training=False),
                          input_signature=[tf.TensorSpec([None, None], tf.int32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([forward.get_concrete_function()], teacher)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    interpreter = tf.lite.Interpreter(model_content=converter.convert(), num_threads=2)
    return interpreter


def tflite_predict_texts(interpreter, teacher, texts, batch_size=256):
    """Logits of ``texts`` as ``predict_texts`` batches them (by length, each batch cut to its longest text)."""
    ids = teacher.encoder.encode(list(texts)).astype(np.int32)
    order = np.argsort(np.count_nonzero(ids, axis=1), kind="stable")
    inputs, outputs = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    logits = np.zeros((len(ids), teacher.num_classes), np.float32)
    for start in range(0, len(ids), batch_size):
        rows = order[start:start + batch_size]
        batch = teacher.trimmed(ids[rows])
        interpreter.resize_tensor_input(inputs, batch.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(inputs, batch)
        interpreter.invoke()
        logits[rows] = interpreter.get_tensor(outputs)
    return logits


def measure_tflite(teacher, texts, variants, reference):
    interpreter, convert_seconds = timed(lambda: dynamic_range_tflite(teacher))
    tflite_predict_texts(interpreter, teacher, texts[:64])
    logits, seconds = timed(lambda: tflite_predict_texts(interpreter, teacher, texts))
    _, variant_seconds = timed(lambda: tflite_predict_texts(interpreter, teacher, variants))
    return {"convert_seconds": round(convert_seconds, 1),
            "validation_texts_per_second": round(len(texts) / seconds, 1),
            "occlusion_variants_per_second": round(len(variants) / variant_seconds, 1),
            "validation_agreement": round(float(np.mean(reference.argmax(1) == logits.argmax(1))), 4),
            "max_logit_difference": round(float(np.abs(reference - logits).max()), 4)}


def measure(teacher_path, map_texts, seed, tflite=False):
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
    if tflite:
        report["dynamic_range_int8_tflite"] = measure_tflite(teacher, texts, variants, logits["float32"])
    sample = texts[:map_texts]
    report["endpoint_shapley_maps"] = map_agreement(endpoint_shapley_maps(teacher, sample, teacher.max_length),
                                                    endpoint_shapley_maps(copy, sample, teacher.max_length))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="a trained teacher's .keras file")
    parser.add_argument("--map-texts", type=int, default=200, help="validation texts whose maps are compared")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tflite", action="store_true", help="also measure a dynamic-range int8 .tflite teacher")
    args = parser.parse_args()
    print(json.dumps(measure(args.teacher, args.map_texts, args.seed, args.tflite), indent=1))


if __name__ == "__main__":
    main()
