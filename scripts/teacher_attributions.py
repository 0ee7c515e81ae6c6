"""How closely cheap teacher attributions follow the teacher's own shap values (used to pick the target of
the contribution-alignment term).

Usage:
    NLTK_DATA=.cache/nltk_data .venv/bin/python scripts/teacher_attributions.py --teacher T.keras
        [--num 80] [--seed 1] [--steps 16]

On ``--num`` seeded *validation* sentences, the teacher's shap values (Partition, 300 evaluations, its
predicted class) are compared (mean per-sentence Spearman, ``tfcompress.explain.fidelity``) with its
``endpoint_shapley``, ``occlusion`` and ``alone`` maps (``tfcompress.distill.teacher_explanations``),
integrated gradients (``--steps`` points) and gradient x input; prints one JSON line with each Spearman
and seconds per sentence.
"""
import argparse
import json
import time

from tfcompress import datasets
from tfcompress.distill.teacher_explanations import alone_maps, endpoint_shapley_maps, occlusion_maps
from tfcompress.evaluation import select_sample
from tfcompress.explain import fidelity
from tfcompress.explain.integrated_gradients import integrated_gradients
from tfcompress.explain.shap_explainer import shap_attributions
from tfcompress.models import load_model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True)
    parser.add_argument("--num", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=16)
    args = parser.parse_args()
    data = datasets.load("rotten_tomatoes", seed=0)
    teacher = load_model(args.teacher)
    texts = [data.validation.texts[index] for index in select_sample(len(data.validation.texts), args.num, args.seed)]
    shap_maps = shap_attributions(teacher, texts, max_evals=300)[0]
    targets = [item["target"] for item in shap_maps]

    def as_maps(values):
        return [{"words": teacher.encoder.words(text)[:len(value)], "values": list(value)}
                for text, value in zip(texts, values)]

    candidates = {
        "endpoint_shapley": lambda: as_maps(endpoint_shapley_maps(teacher, texts)),
        "occlusion": lambda: as_maps(occlusion_maps(teacher, texts)),
        "alone": lambda: as_maps(alone_maps(teacher, texts)),
        "integrated_gradients": lambda: integrated_gradients(teacher, texts, target=targets, steps=args.steps),
        "gradient_x_input": lambda: as_maps(teacher.word_importance(texts, target=targets)[1]),
    }
    row = {"teacher": args.teacher, "num": len(texts), "seed": args.seed, "steps": args.steps}
    for name, compute in candidates.items():
        started = time.perf_counter()
        maps = compute()
        row[name] = {"spearman_vs_shap": round(fidelity(shap_maps, maps)["spearman"], 4),
                     "seconds_per_text": round((time.perf_counter() - started) / len(texts), 4)}
    print(json.dumps(row))


if __name__ == "__main__":
    main()
