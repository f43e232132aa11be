"""lamina.random: seeding rules, SeedGenerator state, and distributions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import random


def test_int_seed_repeats_and_generator_advances():
    a = random.normal((3,), seed=1)
    np.testing.assert_array_equal(a, random.normal((3,), seed=1))
    gen = random.SeedGenerator(7)
    first, second = random.normal((3,), seed=gen), random.normal((3,), seed=gen)
    assert not np.array_equal(first, second)
    again = random.SeedGenerator(7)
    np.testing.assert_array_equal(first, random.normal((3,), seed=again))


def test_set_random_seed_makes_unseeded_draws_reproducible():
    lamina.utils.set_random_seed(123)
    a = [random.uniform((2,)), lamina.initializers.GlorotUniform()((3, 3))]
    lamina.utils.set_random_seed(123)
    b = [random.uniform((2,)), lamina.initializers.GlorotUniform()((3, 3))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(random.uniform((2,)), random.uniform((2,)))


@pytest.mark.parametrize(
    "draw, mean, std",
    [
        (lambda s: random.normal((20000,), mean=1.0, stddev=2.0, seed=s), 1.0, 2.0),
        (lambda s: random.uniform((20000,), minval=-1.0, maxval=3.0, seed=s), 1.0, 4 / np.sqrt(12)),
        (lambda s: random.truncated_normal((20000,), seed=s), 0.0, 0.8796),
        (lambda s: random.gamma((20000,), alpha=3.0, seed=s), 3.0, np.sqrt(3.0)),
    ],
)
def test_distributions_have_the_right_moments(draw, mean, std):
    x = np.asarray(draw(0))
    assert abs(x.mean() - mean) < 0.05 * max(1.0, std)
    assert abs(x.std() - std) < 0.05 * std


def test_truncated_normal_is_within_two_stddevs_and_randint_in_range():
    assert np.abs(np.asarray(random.truncated_normal((5000,), stddev=0.5, seed=0))).max() <= 1.0
    ints = np.asarray(random.randint((5000,), 2, 5, seed=0))
    assert ints.min() == 2 and ints.max() == 4 and ints.dtype == np.int32


def test_dropout_zeroes_at_rate_and_rescales():
    x = jnp.ones((100, 100))
    y = np.asarray(random.dropout(x, 0.3, seed=0))
    assert abs((y == 0).mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    shared = np.asarray(random.dropout(x, 0.5, noise_shape=(1, 100), seed=0))
    assert np.all(shared == shared[0])
    with pytest.raises(ValueError, match="rate"):
        random.dropout(x, 1.0)


def test_shuffle_is_a_permutation_and_categorical_follows_logits():
    x = jnp.arange(10)
    np.testing.assert_array_equal(np.sort(random.shuffle(x, seed=0)), np.arange(10))
    logits = jnp.log(jnp.array([[0.1, 0.9]]))
    draws = np.asarray(random.categorical(logits, 4000, seed=0))
    assert draws.shape == (1, 4000) and abs(draws.mean() - 0.9) < 0.03


def test_generator_state_is_part_of_state_inside_apply():
    class Noise(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = random.SeedGenerator(3)

        def call(self, inputs):
            return inputs + random.normal(inputs.shape, seed=self.seed_generator)

    layer = Noise()
    x = jnp.zeros((4,))
    params, state = layer.init(jax.random.key(0), x)
    y1, s1 = layer.apply(params, state, x)
    y2, _ = layer.apply(params, s1, x)
    assert not np.array_equal(y1, y2)
    np.testing.assert_array_equal(y1, layer.apply(params, state, x)[0])
    # Eager calls advance the façade's generator; init keys decide ensemble members.
    assert not np.array_equal(layer(x), layer(x))
    params, states = jax.vmap(lambda k: layer.init(k, x))(jax.random.split(jax.random.key(1), 2))
    keys = np.asarray(states["seed_generator"]["state"])
    assert params == {} and keys.shape == (2, 2) and not np.array_equal(keys[0], keys[1])


def test_bad_seed_is_refused():
    with pytest.raises(TypeError, match="`seed` must be"):
        random.normal((2,), seed=jnp.zeros(3))
