"""The model and data shared by the multi-process test and its workers."""

import numpy as np

import lamina

BATCH = 16


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def make_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential(
        [
            lamina.Input((5,)),
            lamina.layers.Dense(8, activation="tanh", name="hidden"),
            lamina.layers.Dense(1, name="head"),
        ]
    )
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    return model
