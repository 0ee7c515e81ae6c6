"""One exploratory student distillation from a saved teacher, appended as a JSON line (used to pick defaults).

Usage:
    .venv/bin/python scripts/explore_student.py TAG --teacher T.keras --cache DIR [--seed 0]
        [--student-config JSON] [--settings JSON] [--objectives] [--results results.jsonl] [--attack N]
        [--backup DIR]

The default preset's settings with plain KD (no explanation or adversarial term; ``--objectives``
keeps them), no transfer copies unless ``--settings`` gives ``transfer.copies``, the monitors off;
``--student-config`` / ``--settings`` change the student's constructor arguments / the settings (dotted keys, as
``tfcompress run --set`` takes them: ``{"explanation.weight": 0.5}``).
Trains through the recipe (``make_student`` + ``distill``) and records validation and test accuracy
(float Keras) of the best-validation epoch; ``--attack N`` adds accuracy under each attack recipe on N
seeded *validation* sentences (query budget 500), so settings are chosen without touching the test split. The teacher is a ``.keras`` teacher of the same seed's
split (e.g. ``checkpoints/teacher.keras`` of a ``tfcompress run --preset default --seed S`` folder,
whose ``checkpoints/teacher_outputs`` is a matching ``--cache``).
"""
import argparse
import json
import time

from tfcompress import datasets
from tfcompress.atomic import append_json_line_atomic, write_text_atomic
from tfcompress.evaluation import accuracy
from tfcompress.models import load_model
from tfcompress.pipeline import PLAIN_KD, distill, make_student, preset_settings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--teacher", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--student", default="cnn")
    parser.add_argument("--student-config", type=json.loads, default={})
    parser.add_argument("--settings", type=json.loads, default={})
    parser.add_argument("--objectives", action="store_true")
    parser.add_argument("--results", default="explore_student.jsonl")
    parser.add_argument("--backup", help="a folder for the fit's finished phases: runs that share it (and the "
                                         "first phase's settings) reuse the finished plain-distillation phase")
    parser.add_argument("--attack", type=int, default=0, help="validation sentences to attack (0: none)")
    parser.add_argument("--recipes", default="deepwordbug,pruthi,pwws,textfooler")
    parser.add_argument("--explain", type=int, default=0,
                        help="validation sentences whose explanations are measured (0: none): fidelity of the "
                             "student's own contributions to the teacher's shap values, and AOPC")
    args = parser.parse_args()
    data = datasets.load("rotten_tomatoes", seed=args.seed)
    teacher = load_model(args.teacher)
    settings = preset_settings("default", student=args.student)
    settings = settings.with_changes({**({} if args.objectives else PLAIN_KD), "schedule.monitor_examples": 0,
                                      "transfer.copies": 0, **args.settings,
                                      "student.model": {**settings.student.model, **args.student_config}})
    started = time.time()
    student, _ = make_student(settings, teacher, data, args.seed, cache=args.cache)
    result = distill(student, teacher, data, settings, seed=args.seed, cache=args.cache, backup_dir=args.backup)
    row = {"tag": args.tag, "seed": args.seed, "student": args.student, "student_config": args.student_config,
           "settings": args.settings, "objectives": args.objectives, "params": int(student.count_params()),
           "validation": accuracy(student.predict_texts(data.validation.texts), data.validation.labels),
           "test": accuracy(student.predict_texts(data.test.texts), data.test.labels),
           "epochs_run": result.summary["epochs_run"], "phases": result.summary.get("phases"),
           "seconds": round(time.time() - started)}
    if args.attack:
        from tfcompress.robustness import attack_model

        for recipe in args.recipes.split(","):
            summary = attack_model(student, data.validation.texts, data.validation.labels, recipe,
                                   num_examples=args.attack, seed=args.seed, query_budget=500, progress=False)
            row[f"validation_{recipe}"] = summary["accuracy_under_attack"]
            print(recipe, summary["accuracy_under_attack"], flush=True)
    if args.explain:
        row.update(explanation_scores(student, teacher, data.validation.texts, args.explain, args.seed, args.cache))
    print(json.dumps(row), flush=True)
    append_json_line_atomic(row, args.results)


def explanation_scores(student, teacher, texts, count, seed, cache):
    """Fidelity (Spearman, top-5 overlap) of the student's own contributions and of its shap values to the
    teacher's shap values on ``count`` seeded texts, and the AOPC of each (teacher shap cached in ``cache``)."""
    import os

    from tfcompress.explain import aopc, fidelity
    from tfcompress.explain.contributions import contribution_maps
    from tfcompress.explain.shap_explainer import shap_attributions
    from tfcompress.evaluation import select_sample
    from tfcompress.models import TeacherOutputCache

    sample = [texts[i] for i in select_sample(len(texts), count, seed)]
    path = os.path.join(cache, f"explore-shap-{TeacherOutputCache(cache).key(teacher, sample)}.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            teacher_maps = json.load(handle)
    else:
        teacher_maps = shap_attributions(teacher, sample, max_evals=300)[0]
        write_text_atomic(json.dumps(teacher_maps), path)
    targets = [item["target"] for item in teacher_maps]
    scores = {}
    maps = {"shap": shap_attributions(student, sample, target=targets, max_evals=300)[0]}
    if getattr(student, "explains_itself", False):
        maps["contributions"] = contribution_maps(student, sample, target=targets)
    for method, student_maps in maps.items():
        agreement = fidelity(teacher_maps, student_maps)
        scores[f"explain_{method}_spearman"] = agreement["spearman"]
        scores[f"explain_{method}_top5"] = agreement["top_k_overlap"]
        scores[f"explain_{method}_aopc"] = aopc(student, student_maps)["aopc"]
    return scores


if __name__ == "__main__":
    main()
