"""How callbacks read ``logs`` and write to the console.

The training loop keeps losses and metrics on the device: a ``logs`` value may be a
JAX scalar array (or a NumPy scalar, or a plain float). Reading one as a number
(``float(v)``) waits for the device, so callbacks call ``as_float`` only at the
point where they need the number, never on the way through.
"""

import sys


def as_float(value):
    """``value`` as a Python ``float`` when it is a scalar number, else unchanged.

    A JAX/NumPy scalar or a Python number gives ``float(value)``;
    anything else (a string, a longer array) comes back as it is, as Keras'
    log conversion does. Example: ``as_float(jnp.float32(0.5))`` → ``0.5``.
    """
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def flatten_logs(logs):
    """A new dict of ``logs``' entries, nested dicts flattened, keys sorted; values untouched.

    This is the dict every callback sees for one hook call (Keras' order, in which
    ``accuracy`` shows before ``loss``), made without reading any value from the device.
    ``None`` gives ``{}``. Example: ``flatten_logs({"loss": l, "m": {"acc": a}})`` →
    ``{"acc": a, "loss": l}``.
    """
    flat = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            flat.update(flatten_logs(value))
        else:
            flat[key] = value
    return flat


def print_msg(message, line_break=True):
    """Write ``message`` to ``sys.stdout`` (as it is now) and flush.

    A stream that cannot encode the bar's ``━`` gets ``=`` instead.
    """
    message = f"{message}\n" if line_break else str(message)
    stream = sys.stdout
    try:
        stream.write(message)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        message = message.replace("━", "=")
        stream.write(message.encode(encoding, errors="ignore").decode(encoding))
    stream.flush()
