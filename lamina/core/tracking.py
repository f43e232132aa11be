"""Which variables and layers an object owns, in assignment order, and their paths.

A *trackable* (a ``Layer`` or a ``SeedGenerator``) lists its children with
``_lamina_children()`` as ordered ``(key, child)`` pairs; children are variables,
trackables, or lists/tuples/dicts of them. Walking that tree from a root gives every
variable once (first occurrence wins, so shared weights appear once) with its
attribute path, the key of ``params``/``state``, checkpoints and sharding rules.

Any change to a tree bumps one global generation counter, which is how layers know
their cached walks are stale.
"""

import itertools

_GENERATION = itertools.count()
generation = next(_GENERATION)


def bump() -> None:
    """Invalidate every cached walk (a tracked attribute, list or dict changed)."""
    global generation
    generation = next(_GENERATION)


def is_trackable(obj) -> bool:
    """True for objects whose children are walked (layers and seed generators)."""
    return hasattr(obj, "_lamina_children")


def contains_trackables(value) -> bool:
    """True if ``value`` is a variable or trackable, or a container holding one."""
    from lamina.core.variable import Variable

    if isinstance(value, Variable) or is_trackable(value):
        return True
    if isinstance(value, list | tuple):
        return any(contains_trackables(v) for v in value)
    if isinstance(value, dict):
        return any(contains_trackables(v) for v in value.values())
    return False


class TrackedList(list):
    """A list attribute of a layer: appending a layer or variable later is tracked too."""

    def _changed(self, *_):
        bump()


class TrackedDict(dict):
    """A dict attribute of a layer: adding a layer or variable later is tracked too."""


def _mutator(cls, name):
    base = getattr(super(cls, cls), name)

    def method(self, *args, **kwargs):
        out = base(self, *args, **kwargs)
        bump()
        return out

    method.__name__ = name
    setattr(cls, name, method)


for (
    _name
) in "append extend insert pop remove clear sort reverse __setitem__ __delitem__ __iadd__".split():
    _mutator(TrackedList, _name)
for _name in "__setitem__ __delitem__ pop popitem clear update setdefault".split():
    _mutator(TrackedDict, _name)


def wrap_container(value):
    """Lists and dicts become their tracked subclasses (nested ones too)."""
    if isinstance(value, list) and not isinstance(value, TrackedList):
        return TrackedList(wrap_container(v) for v in value)
    if isinstance(value, dict) and not isinstance(value, TrackedDict):
        return TrackedDict((k, wrap_container(v)) for k, v in value.items())
    return value


def iter_entries(key, value):
    """``(key_path, leaf)`` for each variable or trackable inside ``value``."""
    from lamina.core.variable import Variable

    if isinstance(value, Variable) or is_trackable(value):
        yield (key,), value
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            for sub, leaf in iter_entries(str(i), item):
                yield (key, *sub), leaf
    elif isinstance(value, dict):
        for k, item in value.items():
            for sub, leaf in iter_entries(str(k), item):
                yield (key, *sub), leaf


def walk(root):
    """Every variable and trackable under ``root``, once each, depth first.

    Returns ``(variables, trackables)``: ``variables`` is a list of
    ``(path_tuple, variable)`` and ``trackables`` a list of ``(path_tuple, obj)``
    (``root`` first, with the empty path).
    """
    from lamina.core.variable import Variable

    variables, trackables, seen = [], [((), root)], {id(root)}

    def visit(obj, prefix):
        for key, child in obj._lamina_children():
            for sub, leaf in iter_entries(key, child):
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
                adopt(obj, leaf)  # children added after assignment (list.append) too
                if isinstance(leaf, Variable):
                    variables.append(((*prefix, *sub), leaf))
                else:
                    trackables.append(((*prefix, *sub), leaf))
                    visit(leaf, (*prefix, *sub))

    visit(root, ())
    return variables, trackables


def adopt(parent, child) -> None:
    """Record ``parent`` as ``child``'s owner unless it already has one (first wins)."""
    if getattr(child, "_owner", None) is None:
        child._owner = parent


def root_of(obj):
    """The outermost owner above ``obj`` (following ``_owner`` links)."""
    seen = set()
    while getattr(obj, "_owner", None) is not None and id(obj) not in seen:
        seen.add(id(obj))
        obj = obj._owner
    return obj


def path_of(variable) -> str:
    """``variable``'s attribute path from its outermost owner, joined with ``/``."""
    root = root_of(variable)
    if root is variable:
        return variable.name
    for path, found in cached_walk(root)[0]:
        if found is variable:
            return "/".join(path)
    return variable.name


def cached_walk(root):
    """``walk(root)``, memoised on the root until the tree changes."""
    cache = getattr(root, "_walk_cache", None)
    if cache is None or cache[0] != generation:
        cache = (generation, walk(root))
        object.__setattr__(root, "_walk_cache", cache)
    return cache[1]
