"""Peak memory and time of integrated gradients on the MiniLM teacher, by model inputs per backward pass.

The figures behind ``integrated_gradients.MAX_INPUTS_PER_PASS``; each setting runs in its own process so
that one's heap does not hide another's peak:

    .venv/bin/python scripts/integrated_gradients_memory.py --inputs-per-pass 256 64 32 16 8
"""
import argparse
import json
import subprocess
import sys
import time


def measure(inputs_per_pass, num_texts, steps):
    from tfcompress.datasets import load
    from tfcompress.explain import integrated_gradients
    from tfcompress.models.teachers.minilm import MiniLMTeacher
    from tfcompress.pipeline.memory import PeakMemory

    teacher = MiniLMTeacher(num_classes=2, max_length=48, pretrained=True)
    texts = list(load("rotten_tomatoes", seed=0).test.texts[:num_texts])
    teacher.predict_texts(texts[:2])
    with PeakMemory() as before:
        pass
    start = time.perf_counter()
    with PeakMemory() as during:
        integrated_gradients(teacher, texts, steps=steps, max_inputs_per_pass=inputs_per_pass)
    return {"inputs_per_pass": inputs_per_pass, "seconds": round(time.perf_counter() - start, 1),
            "added_mb": round((during.peak_bytes - before.peak_bytes) / 2 ** 20)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs-per-pass", type=int, nargs="+", default=[256, 64, 32, 16, 8])
    parser.add_argument("--texts", type=int, default=20)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.texts, args.steps)))
        return
    for count in args.inputs_per_pass:
        output = subprocess.run([sys.executable, __file__, "--one", str(count), "--texts", str(args.texts),
                                 "--steps", str(args.steps)], check=True, capture_output=True, text=True).stdout
        print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
