"""``RNN``: a cell run over the time axis of a sequence by one ``jax.lax.scan``."""

import jax
import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers import serialization
from lamina.layers.rnn.carried_states import CarriedStates
from lamina.layers.rnn.cell import RecurrentCell, base_config, fixed_dropout_masks, takes_training
from lamina.layers.rnn.recurrence import hoist_input_projection, scan_steps
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells


class RNN(Layer):
    """Run ``cell`` over the timesteps of a sequence (Keras' ``RNN``).

    Input ``(batch, timesteps, features...)``. Output: the last step's output
    ``(batch, output_size)``, or every step's ``(batch, timesteps, output_size)`` with
    ``return_sequences``; with ``return_state`` a tuple ``(output, *final_states)``.

    Args:
      cell: an RNN cell (``call(inputs, states, training=...) -> (output,
        new_states)`` and ``state_size``), or a list of cells (stacked with
        :class:`StackedRNNCells`).
      return_sequences: return every step's output (default False).
      return_state: also return the final states (default False).
      go_backwards: process the sequence in reverse; returned sequences are then in
        processing (reversed) order, as in Keras (default False).
      stateful: keep the final states as non-trainable state (``state["rnn_states"]``,
        not in ``weights``) and start the next call from them; the batch size is then
        fixed by the first call; ``reset_states()`` zeroes them (default False).
      unroll: unroll the time loop (``lax.scan(unroll=True)``); for short sequences.
      zero_output_for_mask: masked steps give zeros in the returned sequence
        instead of repeating the previous output (default False).

    Call arguments: ``sequences``; ``initial_state`` (a list of arrays matching
    ``state_size``, default zeros); ``mask`` ``(batch, timesteps)`` bool (default: the
    mask attached to ``sequences``, e.g. by ``Embedding(mask_zero=True)``): masked
    steps leave the states unchanged; ``training`` (enables the cells' dropout).

    Example::

        layer = RNN(LSTMCell(8), return_sequences=True, return_state=True)
        seq, h, c = layer(jnp.ones((2, 5, 3)))    # (2, 5, 8), (2, 8), (2, 8)
    """

    _input_ndim = None  # LSTM, GRU and SimpleRNN take exactly rank 3, as in Keras

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._set_recurrence(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
        )

    def _set_recurrence(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
    ):
        if isinstance(cell, list | tuple):
            cell = StackedRNNCells(list(cell))
        sizes = getattr(cell, "state_size", None)
        if not callable(getattr(cell, "call", None)) or not isinstance(sizes, int | list | tuple):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `cell` must have a `call` method and a"
                f" `state_size` (an int or a list of ints), received cell={cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.rnn_states = None
        if not self.trainable:
            self.trainable = False  # reach the cell too
        self.supports_masking = True
        self.input_spec = self._spec()

    def _spec(self, features=None):
        axes = None if features is None else {-1: features}
        if self._input_ndim is None:
            return InputSpec(min_ndim=3, axes=axes)
        return InputSpec(ndim=self._input_ndim, axes=axes)

    @property
    def state_size(self) -> list:
        """The cell's ``state_size`` as a list (one entry per state)."""
        sizes = self.cell.state_size
        return list(sizes) if isinstance(sizes, list | tuple) else [sizes]

    @property
    def states(self):
        """A stateful layer's carried state variables (None when not stateful or unbuilt)."""
        return None if self.rnn_states is None else list(self.rnn_states.variables)

    def get_initial_state(self, batch_size):
        """The cell's initial states for ``batch_size`` (zeros unless the cell says)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
            return [jnp.zeros((batch_size, d), dtype) for d in self.state_size]
        states = fn(batch_size=batch_size)
        return list(states) if isinstance(states, list | tuple) else [states]

    def build(self, sequences_shape):
        shape = tuple(sequences_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((shape[0], *shape[2:]))
            self.cell.built = True
        if self.stateful:
            if not isinstance(shape[0], int):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': `stateful=True` needs a fixed batch"
                    f" size, received input shape {shape}."
                )
            templates = jax.tree.leaves(self.get_initial_state(shape[0]))
            self.rnn_states = CarriedStates(templates)
        self.input_spec = self._spec(shape[-1])

    # ---------------------------------------------------------------- call
    def call(self, sequences, initial_state=None, mask=None, training=None):
        sequences = jnp.asarray(sequences)
        batch, steps = sequences.shape[0], sequences.shape[1]
        training = bool(training)
        states = self._starting_states(batch, initial_state)
        mask = self._checked_mask(mask, batch, steps)
        with fixed_dropout_masks(self.cell, batch, training):
            last, outputs, states = self._loop(sequences, states, mask, training)
        if self.rnn_states is not None:
            for variable, value in zip(self.rnn_states.variables, jax.tree.leaves(states)):
                variable.assign(value)
        output = jnp.swapaxes(outputs, 0, 1) if self.return_sequences else last
        return (output, *states) if self.return_state else output

    def _loop(self, sequences, states, mask, training):
        xs = jnp.swapaxes(sequences, 0, 1)  # time-major for the scan
        if mask is not None:
            mask = jnp.swapaxes(mask, 0, 1)
        if self.go_backwards:
            xs = jnp.flip(xs, 0)
            mask = None if mask is None else jnp.flip(mask, 0)
        cell = self.cell
        builtin = isinstance(cell, RecurrentCell) and type(cell).call is RecurrentCell.call
        if builtin and hoist_input_projection():
            # The input half of every step at once: one (T*B, F) @ (F, G) matmul.
            xs = cell.input_projection(xs, training)

            def step(x, s):
                return cell.recurrent_step(x, s, training)
        else:
            kwargs = {"training": training} if takes_training(cell) else {}
            run = cell if isinstance(cell, Layer) else cell.call

            def step(x, s):
                return run(x, s, **kwargs)

        return scan_steps(
            step,
            xs,
            states,
            self._initial_output(states, sequences.shape[0]),
            mask,
            return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask,
            unroll=self.unroll,
            remat=_marks_gates(cell),
            owner=f"{type(self).__name__} '{self.name}'",
        )

    def _initial_output(self, states, batch):
        """What a masked first step outputs: the (last cell's) first state, as Keras."""
        last = states[-1] if isinstance(self.cell, StackedRNNCells) else states
        first = jax.tree.leaves(last)[0]
        size = getattr(self.cell, "output_size", None)
        if isinstance(size, int) and first.shape != (batch, size):
            return jnp.zeros((batch, size), first.dtype)
        return first

    def _starting_states(self, batch, initial_state):
        default = self.get_initial_state(batch)
        want = jax.tree.leaves(default)
        if self.rnn_states is not None:
            carried = self.rnn_states.variables
            if carried[0].shape[0] != batch:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' is stateful with batch size"
                    f" {carried[0].shape[0]} (from its first call); received a batch of {batch}."
                    " Feed batches of that size, or build a new layer."
                )
            if initial_state is None:
                return jax.tree.unflatten(jax.tree.structure(default), [v.value for v in carried])
        if initial_state is None:
            return default
        given = initial_state if isinstance(initial_state, list | tuple) else [initial_state]
        given = jax.tree.leaves(given)
        shapes = [tuple(jnp.shape(g)) for g in given]
        if shapes != [w.shape for w in want]:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `initial_state` must be {len(want)}"
                f" tensor(s) of shape(s) {[w.shape for w in want]} (state_size"
                f" {self.cell.state_size} for a batch of {batch}), received {len(given)} of"
                f" shape(s) {shapes}."
            )
        leaves = [jnp.asarray(g, w.dtype) for g, w in zip(given, want)]
        return jax.tree.unflatten(jax.tree.structure(default), leaves)

    def _checked_mask(self, mask, batch, steps):
        if isinstance(mask, list | tuple):
            mask = mask[0] if mask else None
        if mask is None:
            return None
        mask = jnp.asarray(mask)
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = mask[..., 0]
        if mask.shape != (batch, steps):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `mask` must have shape (batch,"
                f" timesteps) = {(batch, steps)}, received shape {tuple(mask.shape)}."
            )
        return mask.astype(bool)

    # ---------------------------------------------------------- the rest
    def reset_state(self):
        """Zero the carried states of a stateful layer (nothing to do otherwise)."""
        if self.rnn_states is not None:
            for variable in self.rnn_states.variables:
                variable.assign(jnp.zeros(variable.shape, variable.dtype))

    reset_states = reset_state

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        states = [
            [(batch, s) for s in size] if isinstance(size, list | tuple) else (batch, size)
            for size in self.state_size
        ]
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = self.state_size[0]
        output = (batch, steps, size) if self.return_sequences else (batch, size)
        return (output, *states) if self.return_state else output

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask
        if isinstance(mask, list | tuple):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def _recurrence_config(self) -> dict:
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    def get_config(self):
        return {
            **base_config(self),
            **self._recurrence_config(),
            "cell": serialization.serialize(self.cell),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = serialization.deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _marks_gates(cell) -> bool:
    """Built-in cells (alone or stacked) mark their gates; others run un-checkpointed."""
    cells = cell.cells if isinstance(cell, StackedRNNCells) else [cell]
    return all(isinstance(c, RecurrentCell) and type(c).call is RecurrentCell.call for c in cells)
