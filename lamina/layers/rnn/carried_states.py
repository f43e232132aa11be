"""``CarriedStates``: the states a ``stateful`` RNN keeps from one call to the next."""

from lamina.core import tracking
from lamina.core.variable import Variable


class CarriedStates:
    """A stateful RNN's final states, kept between calls.

    Non-trainable variables (one per state tensor) tracked by the layer, so they
    land in ``state`` and are updated by ``apply``; like Keras' RNN states they are
    not ``weights`` (as seed-generator state is not).
    """

    def __init__(self, templates):
        self._owner = None
        self.variables = []
        for template in templates:
            variable = Variable(
                "zeros",
                shape=template.shape,
                dtype=template.dtype,
                trainable=False,
                name="rnn_state",
            )
            variable._owner = self
            self.variables.append(variable)
        tracking.bump()

    def _lamina_children(self):
        return tuple((str(i), v) for i, v in enumerate(self.variables))
