"""``Bidirectional``: a recurrent layer run forwards and backwards, outputs merged."""

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.core.scope import activate
from lamina.layers import serialization
from lamina.layers.rnn.cell import base_config

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Run ``layer`` over a sequence and a ``go_backwards`` copy over the reversed
    sequence, then merge the two outputs.

    Input ``(batch, timesteps, features)``. Output: the merge of the forward output
    and the backward one (re-reversed to the forward time order when
    ``return_sequences``): ``"concat"`` doubles the last axis, ``"sum"``, ``"mul"`` and
    ``"ave"`` keep it, ``None`` returns both as a tuple. With ``return_state`` the
    forward then backward final states follow.

    Args:
      layer: a recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); it is
        copied (through its config) as ``forward_layer`` and, with
        ``go_backwards=True``, as ``backward_layer``.
      merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or None.
      weights: optional list of initial weights, the forward layer's then the
        backward layer's (set when the layer is built).
      backward_layer: optional recurrent layer to use instead of the copy; it must
        have the other ``go_backwards`` and the same ``return_sequences``,
        ``return_state`` and ``stateful``.

    Call arguments: ``sequences``, ``initial_state`` (forward states then backward
    states), ``mask``, ``training``, passed on to both layers.

    Example::

        y = Bidirectional(LSTM(16, return_sequences=True))(jnp.ones((2, 5, 3)))  # (2, 5, 32)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        where = f"Bidirectional '{self.name}'"
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(
                f"{where}: `layer` must be a recurrent layer (an RNN such as LSTM or GRU),"
                f" received layer={layer!r}."
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"{where}: `backward_layer` must be a recurrent layer, received"
                f" backward_layer={backward_layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"{where}: `merge_mode` must be one of {_MERGE_MODES}, received"
                f" merge_mode={merge_mode!r}."
            )
        self.forward_layer = _copy(layer, "forward_")
        if backward_layer is None:
            backward_layer = _copy(layer, "backward_", go_backwards=True)
        self.backward_layer = backward_layer
        self._check_pair(where)
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                # Padded steps must read as zeros once the backward output is re-reversed.
                sub.zero_output_for_mask = sub.return_sequences
        if not self.trainable:
            self.trainable = False  # reach the sublayers made above
        self.merge_mode = merge_mode
        self._initial_weights = None if weights is None else tuple(weights)
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _check_pair(self, where):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"{where}: the forward and backward layers must have different `go_backwards`,"
                f" received {forward.go_backwards} for both."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attr, None), getattr(backward, attr, None)
            if a != b:
                raise ValueError(
                    f"{where}: the forward and backward layers must have the same `{attr}`,"
                    f" received {a} (forward) and {b} (backward)."
                )

    def build(self, sequences_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(tuple(sequences_shape))
                sub.built = True
        if self._initial_weights:
            ours = self.forward_layer.weights + self.backward_layer.weights
            if len(ours) != len(self._initial_weights):
                raise ValueError(
                    f"Bidirectional '{self.name}': `weights` has {len(self._initial_weights)}"
                    f" arrays, the layer has {len(ours)} weights."
                )
            with activate(None):  # build may run inside a call: write the boxes
                for variable, value in zip(ours, self._initial_weights):
                    variable.assign(value)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"mask": mask}
        if training is not None:
            kwargs["training"] = training
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ValueError(
                    f"Bidirectional '{self.name}': `initial_state` must hold the forward"
                    f" states then the backward states (an even number), received"
                    f" {len(states)}."
                )
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        output = _merge(self.merge_mode, y, y_rev)
        if not self.return_state:
            return output
        return (*output, *states) if self.merge_mode is None else (output, *states)

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        return tuple(forward + backward) if forward and backward else None

    def reset_state(self):
        """Zero both layers' carried states (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f"Bidirectional '{self.name}': the layer is not stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        elif self.merge_mode is None:
            shape = (tuple(shape), tuple(shape))
        if not self.return_state:
            return tuple(shape)
        head = shape if self.merge_mode is None else (tuple(shape),)
        return (*head, *states, *states)

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask
        if isinstance(mask, list | tuple):
            mask = mask[0] if mask else None
        mask = mask if self.return_sequences else None
        output_mask = (mask, mask) if self.merge_mode is None else mask
        if not self.return_state:
            return output_mask
        head = list(output_mask) if self.merge_mode is None else [output_mask]
        return head + [None] * (2 * len(self.forward_layer.state_size))

    def get_config(self):
        return {
            **base_config(self),
            "merge_mode": self.merge_mode,
            "layer": serialization.serialize(self.forward_layer),
            "backward_layer": serialization.serialize(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = serialization.deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = serialization.deserialize(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)


def _copy(layer, prefix, **changes):
    """A fresh layer from ``layer``'s config, renamed ``prefix + name``."""
    config = serialization.serialize(layer)
    inner = dict(config["config"])
    name = layer.name[len(prefix) :] if layer.name.startswith(prefix) else layer.name
    inner.update(changes, name=prefix + name)
    config = {**config, "config": inner}
    return serialization.deserialize(config, {type(layer).__name__: type(layer)})


def _merge(mode, y, y_rev):
    if mode == "concat":
        return jnp.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return y + y_rev
    if mode == "ave":
        return (y + y_rev) / 2
    if mode == "mul":
        return y * y_rev
    return (y, y_rev)
