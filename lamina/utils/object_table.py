"""Names → classes for one kind of object, and Keras' serialized-dict round trip.

Initializers, regularizers, constraints and metrics all look up classes by name
(``"glorot_uniform"``, ``"L2"``), serialize instances as Keras does
(``{"module", "class_name", "config", "registered_name"}``) and rebuild them from
such dicts, consulting ``custom_objects`` first. One :class:`ObjectTable` per kind
does that.
"""

import inspect


class ObjectTable:
    """The lookup of one kind of object (``kind="initializer"``, ...).

    Args:
      kind: the word used in error messages.
      module: the ``module`` written for built-in classes (``"lamina.initializers"``).
      names: ``{name: class}`` accepted as bare names (aliases included).
      extra_classes: classes ``deserialize`` also knows but bare names do not.
      hint: appended to the "could not interpret" message.

    Example: ``ObjectTable("constraint", "lamina.constraints", {"NonNeg": NonNeg})``.
    """

    def __init__(self, kind, module, names, extra_classes=None, hint=""):
        self.kind = kind
        self.module = module
        self.names = names
        self.classes = {**names, **(extra_classes or {})}
        self.hint = hint

    def get(self, identifier, base):
        """Keras' ``get``: None or a ``base`` instance → itself; a name or a serialized dict
        → an instance; a class → a default instance; another callable → itself."""
        if identifier is None or isinstance(identifier, base):
            return identifier
        if isinstance(identifier, str | dict):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise self.unknown(identifier)

    def unknown(self, identifier) -> ValueError:
        """The error for an identifier that names nothing known."""
        return ValueError(
            f"Could not interpret {self.kind} identifier: {identifier!r}. Valid names:"
            f" {', '.join(sorted(self.names))}{self.hint}"
        )

    def lookup(self, name, custom_objects=None, table=None):
        """The class called ``name`` in ``custom_objects`` or this table, or None."""
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        return (self.names if table is None else table).get(name)

    def serialize(self, obj) -> dict | None:
        """``obj`` as Keras' serialized dict; None stays None."""
        if obj is None:
            return None
        cls = type(obj)
        builtin = self.classes.get(cls.__name__) is cls
        return {
            "module": self.module if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": obj.get_config(),
            "registered_name": None if builtin else cls.__name__,
        }

    def deserialize(self, config, custom_objects=None, prepare=None):
        """An instance from ``serialize``'s dict, Keras' ``{"class_name", "config"}``, or
        a bare name (a default instance). ``prepare(config, custom_objects)`` may rewrite
        the inner config first (e.g. resolve a function named in it)."""
        if isinstance(config, str):
            cls = self.lookup(config, custom_objects)
            if cls is None:
                raise self.unknown(config)
            return cls()
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(
                f"Could not deserialize {self.kind} {config!r}: expected a dict with"
                " 'class_name' and 'config'."
            )
        cls = self.lookup(config["class_name"], custom_objects, self.classes)
        if cls is None and config.get("registered_name"):
            cls = self.lookup(config["registered_name"], custom_objects, self.classes)
        if cls is None:
            raise self.unknown(config["class_name"])
        inner = dict(config.get("config") or {})
        if prepare is not None:
            inner = prepare(inner, custom_objects or {})
        return cls.from_config(inner)
