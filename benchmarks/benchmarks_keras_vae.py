"""The guide's VAE written for Keras 3 itself (benchmark reference (d))."""

import keras
from keras import layers, ops


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class VAE(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense_proj = layers.Dense(64, activation="relu")
        self.dense_mean = layers.Dense(32)
        self.dense_log_var = layers.Dense(32)
        self.sampling = Sampling()
        self.dec_proj = layers.Dense(64, activation="relu")
        self.dec_out = layers.Dense(784, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean, z_log_var = self.dense_mean(x), self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        self.add_loss(-0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1))
        return self.dec_out(self.dec_proj(z))


def make_keras_vae():
    return VAE()
