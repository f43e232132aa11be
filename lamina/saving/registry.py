"""Which classes a saved config may name: the registry, with Keras 3's semantics.

A config names a class by a string such as ``"my_package>Block"``. Loading turns
that string into a class only by looking it up in tables the program filled
itself: ``custom_objects=`` passed by the caller, an active
``custom_object_scope``, then the ``register_serializable`` registry. Nothing is
ever imported or evaluated from the string, so a file cannot make the loader run
code the program did not already hold.
"""

import inspect
import threading

_OBJECTS: dict[str, object] = {}  # "package>name" -> class or function
_NAMES: dict[object, str] = {}  # class or function -> "package>name"
_scopes = threading.local()  # .stack: the dicts of the active scopes, innermost last


def register_serializable(package: str = "Custom", name: str | None = None):
    """Class (or function) decorator: make it loadable as ``"{package}>{name}"``.

    Args:
        package: a namespace that keeps equal names apart; default ``"Custom"``.
        name: the registered name; default the object's ``__name__``.

    A class must define ``get_config``. Registering a name again replaces the
    earlier object, as in Keras.

    Example::

        @register_serializable(package="my_models")
        class Block(lamina.layers.Layer):
            ...

        get_registered_name(Block)  # "my_models>Block"
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable: package must be a str without '>': {package!r}")

    def decorator(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"register_serializable: {obj.__name__} has no get_config(); a registered "
                "class must be able to describe itself"
            )
        key = f"{package}>{name if name is not None else obj.__name__}"
        _OBJECTS[key] = obj
        _NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` was registered under, else its ``__name__``."""
    return _NAMES.get(obj, getattr(obj, "__name__", None))


def get_registered_object(name: str, custom_objects: dict | None = None):
    """The class or function for ``name``, or None when no table holds it.

    Looks in ``custom_objects``, then in the active ``custom_object_scope``\\s
    (innermost first), then in the registry. Never imports anything.
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(getattr(_scopes, "stack", ())):
        if name in scope:
            return scope[name]
    return _OBJECTS.get(name)


def get_custom_objects() -> dict:
    """The registry itself (``"package>name"`` -> object); changes to it take effect."""
    return _OBJECTS


class CustomObjectScope:
    """Within ``with CustomObjectScope({"Block": Block}):``, loaders resolve those names.

    Scopes nest (the innermost wins) and belong to the thread that entered them.
    ``custom_object_scope`` is the same class under Keras' other name.

    Example::

        with custom_object_scope({"Block": Block}):
            model = load_model("/tmp/m.lamina")
    """

    def __init__(self, *custom_objects: dict | None):
        self.custom_objects = {}
        for objects in custom_objects:
            self.custom_objects.update(objects or {})

    def __enter__(self):
        if not hasattr(_scopes, "stack"):
            _scopes.stack = []
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope
