"""``model.save(path)`` and ``load_model(path)``: one archive, safe and durable.

The archive (a zip; ``.lamina`` by convention) holds:

* ``config.json``: the model's serialized config, the shapes it was built for and,
  when it was compiled, its compile arguments;
* ``metadata.json``: lamina/JAX/NumPy versions and the date;
* ``model.safetensors``: every variable keyed by attribute path (seed-generator
  state included, so dropout resumes its random stream);
* ``optimizer.safetensors``: the optimizer's state (moments, step count) keyed by
  its tree path, when there is one.

Loading creates classes only from lamina's built-ins, ``register_serializable``
and ``custom_objects``; every problem with the file is a ``LoadError`` naming it.
"""

import datetime
import json
import platform
import warnings

import jax
import numpy as np

from lamina.saving import optimizer_io, weights_io
from lamina.saving.archive import open_archive, write_archive
from lamina.saving.errors import LoadError, reraise_as_load_error
from lamina.saving.safetensors_format import dump_arrays, load_arrays

FORMAT, FORMAT_VERSION = "lamina.model", 1
MEMBERS = ("config.json", "metadata.json", "model.safetensors", "optimizer.safetensors")
# A config is kilobytes; refusing more keeps a hostile one from costing memory.
MAX_CONFIG_BYTES = 64 * 1024 * 1024


def save_model(model, path) -> None:
    """Write ``model`` (config, weights, optimizer state) to the archive ``path``."""
    from lamina.layers import serialization

    arrays = weights_io.model_arrays(model)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": serialization.serialize(model),
        "build_input": _encode_spec(getattr(model, "_build_input", None)),
        "compile": _compile_config(model),
    }
    members = {
        "config.json": json.dumps(config, indent=1).encode(),
        "metadata.json": json.dumps(_metadata(), indent=1).encode(),
        "model.safetensors": lambda f: dump_arrays(f, arrays, weights_io.weights_metadata(arrays)),
    }
    state = getattr(getattr(model, "optimizer", None), "state", None)
    optimizer_arrays = optimizer_io.state_arrays(state) if model_compiled(model) else {}
    if optimizer_arrays:
        members["optimizer.safetensors"] = lambda f: dump_arrays(f, optimizer_arrays)
    write_archive(path, members)


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """The model saved at ``path``: same config, same weights and, when it was
    compiled (and ``compile=True``), compiled with its optimizer state restored.

    Args:
      custom_objects: ``{name: class_or_function}`` for classes that are neither
        built in nor registered with ``lamina.saving.register_serializable``.
      compile: compile the model as it was saved (optimizer state included).
      safe_mode: True or None refuse ``Lambda`` layers (they name Python functions
        to run); pass False only for files you trust.

    Raises:
      LoadError: the file is not a lamina model archive, is truncated or corrupt,
        names a class that is not allowed, or its weights do not fit its config.
    """
    from lamina.layers import serialization

    with open_archive(path, MEMBERS) as archive:
        for required in ("config.json", "model.safetensors"):
            if required not in archive.names:
                raise LoadError(path, f"not a lamina model archive: no {required!r} member")
        config = _read_config(archive, path)
        if safe_mode is not False and _names_class(config["model"], "Lambda"):
            raise LoadError(
                path,
                "the model contains a Lambda layer, which runs a Python function named"
                " in the file; load it with safe_mode=False only if you trust the file",
            )
        with _AsLoadError(path, "config.json", "rebuilding the model"):
            model = serialization.deserialize(config["model"], custom_objects)
            spec = _decode_spec(config.get("build_input"))
            if not model.built and spec is not None:
                model.compute_output_spec(spec)
        weights, metadata = load_arrays(archive.open("model.safetensors"))
        try:
            weights_io.assign_arrays(
                model,
                weights,
                f"{path}: member 'model.safetensors'",
                order=weights_io.saved_order(metadata, path),
            )
        except (weights_io.WeightsMismatchError, ValueError) as err:
            raise LoadError(path, str(err), member="model.safetensors") from err
        optimizer = None
        if "optimizer.safetensors" in archive.names and compile and config.get("compile"):
            optimizer, _ = load_arrays(archive.open("optimizer.safetensors"))
    if compile and config.get("compile"):
        with _AsLoadError(path, "config.json", "compiling the model"):
            model.compile(**_compile_arguments(config["compile"], custom_objects))
        if optimizer is not None:
            template = model.optimizer.init(model.split()[0])
            model.optimizer.state = optimizer_io.state_from_arrays(
                template, optimizer, path, member="optimizer.safetensors"
            )
    return model


# ------------------------------------------------------------------ config


def _read_config(archive, path) -> dict:
    raw = archive.read("config.json")
    if len(raw) > MAX_CONFIG_BYTES:
        raise LoadError(path, f"config of {len(raw)} bytes is too large", member="config.json")
    with reraise_as_load_error(path, member="config.json", doing="parsing"):
        config = json.loads(raw.decode("utf-8"))
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise LoadError(path, "not a lamina model config", member="config.json")
    if config.get("format_version") != FORMAT_VERSION:
        raise LoadError(
            path,
            f"format version {config.get('format_version')!r}; this lamina reads version"
            f" {FORMAT_VERSION}",
            member="config.json",
        )
    if not isinstance(config.get("model"), dict):
        raise LoadError(path, "no model config", member="config.json")
    return config


def _names_class(tree, class_name) -> bool:
    if isinstance(tree, dict):
        if tree.get("class_name") == class_name:
            return True
        return any(_names_class(v, class_name) for v in tree.values())
    if isinstance(tree, list):
        return any(_names_class(v, class_name) for v in tree)
    return False


class _AsLoadError:
    """Errors a crafted config can provoke while rebuilding become ``LoadError``s."""

    _CAUGHT = (ValueError, TypeError, KeyError, IndexError, AttributeError, NotImplementedError)

    def __init__(self, path, member, doing):
        self.path, self.member, self.doing = path, member, doing

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, LoadError) or not isinstance(error, self._CAUGHT):
            return False
        raise LoadError(
            self.path, f"{self.doing}: {type(error).__name__}: {error}", member=self.member
        ) from error


def _metadata() -> dict:
    import jaxlib

    import lamina

    return {
        "lamina_version": getattr(lamina, "__version__", "unknown"),
        "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "saved_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _encode_spec(spec):
    if spec is None:
        return None
    if isinstance(spec, jax.ShapeDtypeStruct):
        return {"shape": list(spec.shape), "dtype": str(spec.dtype)}
    if isinstance(spec, dict):
        return {"dict": {str(k): _encode_spec(v) for k, v in spec.items()}}
    if isinstance(spec, list | tuple):
        return {"list": [_encode_spec(v) for v in spec]}
    return None


def _decode_spec(data):
    if data is None:
        return None
    if "shape" in data:
        return jax.ShapeDtypeStruct(tuple(int(d) for d in data["shape"]), np.dtype(data["dtype"]))
    if "dict" in data:
        return {k: _decode_spec(v) for k, v in data["dict"].items()}
    return [_decode_spec(v) for v in data["list"]]


# ----------------------------------------------------------------- compile


def model_compiled(model) -> bool:
    """Whether ``model`` was compiled (a plain layer never is)."""
    return bool(getattr(model, "compiled", False))


def _compile_config(model):
    """The compile arguments as JSON-plain data, or None (not compiled, or not
    serializable: a raw optax transformation; then a warning says so)."""
    if not model_compiled(model):
        return None
    from lamina import losses, metrics, optimizers

    try:
        if not isinstance(model.optimizer, optimizers.Optimizer):
            raise TypeError(f"the optimizer {model.optimizer!r} is not a lamina.optimizers object")
        return {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _map(model.loss, losses.serialize),
            "loss_weights": model._compile_loss_weights,
            "metrics": _map(model._compiled_metrics.spec, metrics.serialize),
            "weighted_metrics": _map(model._compiled_metrics.weighted_spec, metrics.serialize),
            "steps_per_execution": model.steps_per_execution,
        }
    except (TypeError, ValueError) as err:
        warnings.warn(
            f"Model '{model.name}': its compile arguments cannot be saved ({err}); the"
            " archive holds the model and weights, and load_model returns it uncompiled.",
            stacklevel=3,
        )
        return None


def _compile_arguments(config, custom_objects):
    from lamina import losses, metrics, optimizers

    return {
        "optimizer": optimizers.deserialize(config["optimizer"], custom_objects),
        "loss": _map(config["loss"], lambda c: losses.deserialize(c, custom_objects)),
        "loss_weights": config.get("loss_weights"),
        "metrics": _map(config.get("metrics"), lambda c: metrics.deserialize(c, custom_objects)),
        "weighted_metrics": _map(
            config.get("weighted_metrics"), lambda c: metrics.deserialize(c, custom_objects)
        ),
        "steps_per_execution": config.get("steps_per_execution", 1),
    }


def _map(spec, fn):
    """``fn`` over the leaves of a compile argument (None, a list or a dict of them);
    strings stay strings (Keras' names round-trip as they are)."""
    if spec is None:
        return None
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _map(v, fn) for k, v in spec.items()}
    if isinstance(spec, list | tuple):
        return [_map(v, fn) for v in spec]
    if isinstance(spec, str):
        return spec
    return fn(spec)
