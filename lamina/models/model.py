"""``Model``: a layer that trains (compile/fit/evaluate/predict) and lists its layers."""

import numpy as np

from lamina.core.layer import Layer
from lamina.models.summary import summary_lines
from lamina.training.trainer import Trainer


class Model(Trainer, Layer):
    """A :class:`~lamina.Layer` with training, evaluation and prediction loops.

    Subclass it like a layer (``__init__`` creates sub-layers, ``call`` computes), or
    build it functionally: ``Model(inputs, outputs)`` with :func:`lamina.Input`
    tensors returns a functional model. Then ``compile`` and ``fit`` as in Keras.

    Example::

        class MLP(lamina.Model):
            def __init__(self):
                super().__init__()
                self.hidden = lamina.layers.Dense(64, activation="relu")
                self.out = lamina.layers.Dense(10)

            def call(self, x):
                return self.out(self.hidden(x))

        model = MLP()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=2, batch_size=64)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs)):
            from lamina.models.functional import Functional

            return Functional(*args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        Layer.__init__(self, *args, **kwargs)
        Trainer.__init__(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``; a functional model's graph config (as
        ``Model.from_config`` receives it in Keras) rebuilds a functional model."""
        if cls is Model and "nodes" in config and "inputs" in config:
            from lamina.models.functional import Functional

            return Functional.from_config(config, custom_objects)
        return super().from_config(config)

    @property
    def layers(self) -> list:
        """The direct sub-layers, in the order they were assigned."""
        return self._direct()[2]

    def get_layer(self, name=None, index=None):
        """A direct sub-layer by ``name`` or by ``index``."""
        layers = self.layers
        if index is not None:
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"Model '{self.name}' has no layer named {name!r}; layers: {[x.name for x in layers]}"
        )

    def get_weights(self) -> list:
        """The weights' current values as NumPy arrays, in ``weights`` order."""
        self._sync_from_training()
        return [np.asarray(v.value) for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set every weight from a list of arrays in ``weights`` order (shapes checked first)."""
        self._sync_from_training()
        variables = self.weights
        if len(weights) != len(variables):
            raise ValueError(
                f"Model '{self.name}'.set_weights: expected {len(variables)} arrays, got"
                f" {len(weights)}."
            )
        for var, value in zip(variables, weights):
            if tuple(np.shape(value)) != var.shape:
                raise ValueError(
                    f"Model '{self.name}'.set_weights: '{var.path}' has shape {var.shape},"
                    f" received {tuple(np.shape(value))}."
                )
        for var, value in zip(variables, weights):
            var.assign(value)
        self._drop_training_state()

    def save(self, filepath, overwrite=True) -> None:
        """Write the model (config, weights, optimizer state) to one archive, atomically.

        ``filepath`` is any path (``.lamina`` by convention); reload it with
        ``lamina.models.load_model``. ``overwrite=False`` refuses an existing file.
        """
        from lamina.saving import model_io

        _check_overwrite(filepath, overwrite)
        model_io.save_model(self, filepath)

    def save_weights(self, filepath, overwrite=True) -> None:
        """Write every variable, keyed by attribute path, to one safetensors file."""
        from lamina.saving import weights_io

        _check_overwrite(filepath, overwrite)
        weights_io.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch=False) -> None:
        """Load a ``save_weights`` file (or the weights of a ``save`` archive).

        Every path and shape is checked first: a file that does not fit raises an
        error listing each mismatched path (expected and found shapes) and leaves the
        model unchanged; ``skip_mismatch=True`` loads what fits and warns.
        """
        from lamina.saving import weights_io

        weights_io.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def summary(self, line_length=None, print_fn=None):
        """Print a table of layers (name and class, output shape, parameter count) and
        the trainable / non-trainable totals."""
        for line in summary_lines(self, line_length):
            (print_fn or print)(line)


def _check_overwrite(filepath, overwrite):
    import os

    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
