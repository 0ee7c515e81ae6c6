"""The Distiller's loss terms as objects: configs, the terms= compile and a custom term."""
import inspect
import json

import numpy as np
import pytest

from tests.conftest import tiny_distiller
from tfcompress.backend import keras, tf
from tfcompress.distill import (AdversarialTerm, CrossEntropyTerm, ExplanationTerm, KDTerm,
                                LossTerm, LossWeightScheduler, TeacherExplanations, WorstCaseTerm,
                                distillation_dataset)

TERMS = [CrossEntropyTerm(0.3, name="hard_labels"), KDTerm(0.7, temperature=2.0), KDTerm(0.5, kind="mse", name="kd_mse"),
         ExplanationTerm(1.0, kind="features", feature_dim=8),
         AdversarialTerm(0.5, steps=3, epsilon=1.0, temperature=2.0)]


class ProbeTerm(LossTerm):
    """A custom term with a layer of its own: the squared output of a linear probe on the student's logits."""

    def __init__(self, weight=1.0, units=1, name="probe"):
        super().__init__(weight, name)
        self.units = int(units)
        self.probe = None

    @property
    def layers(self):
        return [self.probe] if self.probe is not None else []

    def build(self, student):
        if self.probe is None:
            self.probe = keras.layers.Dense(self.units, kernel_initializer="ones", name="probe")
            self.probe.build((None, student.num_classes))

    def compute_loss(self, context):
        return tf.reduce_mean(tf.square(self.probe(context.student_logits)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def make(teacher, **compile_args):
    return tiny_distiller(teacher, seed=2, **compile_args)


def losses_and_gradients(distiller, batch):
    inputs, labels = batch
    teacher_logits = distiller.teacher(inputs["teacher_inputs"], training=False)
    keras.utils.set_random_seed(9)  # the same PGD start for both distillers
    with tf.GradientTape() as tape:
        _, losses = distiller.compute_losses(inputs, labels, teacher_logits, training=True)
    gradients = tape.gradient(losses["loss"], distiller.trainable_parameters())
    return {name: float(value) for name, value in losses.items()}, [tf.convert_to_tensor(g).numpy() for g in gradients]


@pytest.mark.parametrize("term", [*TERMS, ProbeTerm(0.2, units=3)], ids=lambda term: type(term).__name__)
def test_get_config_holds_every_init_argument_and_rebuilds_the_term(term):
    config = term.get_config()
    assert set(config) == set(inspect.signature(type(term)).parameters)
    rebuilt = type(term).from_config(json.loads(json.dumps(config)))
    assert type(rebuilt) is type(term) and rebuilt.get_config() == config
    assert rebuilt.name == term.name and rebuilt.weight == term.weight


def test_terms_check_their_own_settings():
    with pytest.raises(ValueError, match="temperature must be positive"):
        KDTerm(temperature=0.0)
    with pytest.raises(ValueError, match="KD kind must be one of"):
        KDTerm(kind="l1")
    with pytest.raises(ValueError, match="unknown explanation"):
        ExplanationTerm(kind="gradients")
    with pytest.raises(ValueError, match="adversarial_steps must be >= 1"):
        AdversarialTerm(steps=0)
    with pytest.raises(ValueError, match="non-negative"):
        CrossEntropyTerm(-1.0)
    assert AdversarialTerm(0.0, steps=0).steps == 0  # an off term, as compile(adversarial_weight=0) allows


@pytest.mark.parametrize("kind", ["saliency", "features"])
def test_terms_give_the_same_losses_and_gradients_as_the_keywords(kind, small_teacher, small_data):
    keywords = dict(ce_weight=0.1, kd_weight=0.9, explain_weight=1.0, adversarial_weight=0.5, temperature=2.0,
                    explanation=kind, feature_dim=8, adversarial_steps=2, adversarial_epsilon=1.0)
    terms = [CrossEntropyTerm(0.1), KDTerm(0.9, temperature=2.0), ExplanationTerm(1.0, kind, feature_dim=8),
             AdversarialTerm(0.5, steps=2, epsilon=1.0, temperature=2.0), WorstCaseTerm(0.0)]
    from_keywords, from_terms = make(small_teacher, **keywords), make(small_teacher, terms=terms)
    if kind == "features":
        from_terms.hint.set_weights(from_keywords.hint.get_weights())
    batch = next(iter(distillation_dataset(small_data.train.take(32), from_keywords.student, small_teacher, 32,
                                           explanations=TeacherExplanations(small_teacher, kind, 32, 8))))
    expected, expected_gradients = losses_and_gradients(from_keywords, batch)
    losses, gradients = losses_and_gradients(from_terms, batch)
    assert losses == pytest.approx(expected, rel=1e-6) and expected["explain_loss"] > 0 and expected["adv_loss"] > 0
    assert len(gradients) == len(expected_gradients)
    for actual, wanted in zip(gradients, expected_gradients):
        np.testing.assert_allclose(actual, wanted, rtol=1e-5, atol=1e-7)
    assert list(from_terms.terms) == ["ce", "kd", "explain", "adv", "robust"]
    assert from_terms.compile_settings["explain_weight"] == 1.0
    assert from_terms.compile_settings["terms"][3] == {"class_name": "AdversarialTerm",
                                                       "config": terms[3].get_config()}


def test_terms_replace_the_keywords_and_need_distinct_names(small_teacher):
    with pytest.raises(ValueError, match="not both"):
        make(small_teacher, kd_weight=0.5, terms=[KDTerm()])
    with pytest.raises(ValueError, match="distinct"):
        make(small_teacher, terms=[KDTerm(), KDTerm(temperature=2.0)])
    with pytest.raises(ValueError, match="loss weights"):
        make(small_teacher, terms=[KDTerm(0.0)])


def test_a_custom_term_is_a_metric_changes_the_loss_and_trains_its_layer(small_teacher, small_data):
    split = small_data.train.take(64)
    plain = make(small_teacher, terms=[CrossEntropyTerm(0.1), KDTerm(0.9)])
    probed = make(small_teacher, terms=[CrossEntropyTerm(0.1), KDTerm(0.9), ProbeTerm(0.5)])
    batch = next(iter(distillation_dataset(split, plain.student, small_teacher, 64)))
    base, _ = losses_and_gradients(plain, batch)
    losses, _ = losses_and_gradients(probed, batch)
    assert losses["probe_loss"] > 0
    assert losses["loss"] == pytest.approx(base["loss"] + 0.5 * losses["probe_loss"], rel=1e-5)
    probe = probed.terms["probe"].probe
    assert all(any(v is p for p in probed.trainable_parameters()) for v in probe.trainable_variables)
    before = probe.kernel.numpy().copy()
    history = probed.fit(distillation_dataset(split, probed.student, small_teacher, 32), epochs=2, verbose=0,
                         callbacks=[LossWeightScheduler(2, terms=("explain", "adv", "probe"))]).history
    assert set(history) == {"loss", "ce_loss", "kd_loss", "probe_loss", "accuracy", "probe_weight"}
    assert history["probe_weight"] == pytest.approx([0.25, 0.5])
    assert history["loss"][0] == pytest.approx(0.1 * history["ce_loss"][0] + 0.9 * history["kd_loss"][0]
                                               + 0.25 * history["probe_loss"][0], rel=1e-4)
    assert not np.array_equal(before, probe.kernel.numpy())


def test_recompiling_with_the_same_features_term_keeps_the_trained_hint(small_teacher):
    distiller = make(small_teacher, explain_weight=1.0, explanation="features", feature_dim=8)
    hint = distiller.hint
    distiller.compile(keras.optimizers.Adam(1e-3), explain_weight=0.5, explanation="features", feature_dim=8)
    assert distiller.hint is hint and distiller.terms["explain"].weight == 0.5
    distiller.compile(keras.optimizers.Adam(1e-3), explain_weight=1.0, explanation="features", feature_dim=4)
    assert distiller.hint is not hint and distiller.hint.units == 4


def test_logit_mse_matches_centred_logits_and_ignores_a_constant_shift():
    from tfcompress.distill.losses import logit_mse

    teacher = tf.constant([[2.0, -1.0], [0.5, 0.5]])
    student = tf.constant([[1.0, 0.0], [3.0, 1.0]])
    expected = np.mean([(0.5 - 1.5) ** 2 + (-0.5 + 1.5) ** 2, (1.0 - 0.0) ** 2 + (-1.0 - 0.0) ** 2])
    assert float(logit_mse(teacher, student)) == pytest.approx(expected)
    assert float(logit_mse(teacher + 7.0, student - 2.0)) == pytest.approx(expected)


def test_compile_kd_kind_mse_trains_the_logit_matching_term(small_teacher):
    distiller = make(small_teacher, kd_kind="mse")
    assert distiller.terms["kd"].kind == "mse" and distiller.compile_settings["kd_kind"] == "mse"
