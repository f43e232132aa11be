"""The serializable registry: Keras' naming, and lookup only in tables the program filled."""

import threading

import pytest

from lamina.saving import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_serializable,
)


@pytest.fixture(autouse=True)
def clean_registry():
    before = dict(get_custom_objects())
    yield
    get_custom_objects().clear()
    get_custom_objects().update(before)


class Configurable:
    def get_config(self):
        return {}


def test_registration_uses_package_and_name_like_keras():
    @register_serializable()
    class Block(Configurable):
        pass

    @register_serializable(package="my_models", name="Renamed")
    class Other(Configurable):
        pass

    @register_serializable(package="fns")
    def swish2(x):
        return x

    assert get_registered_name(Block) == "Custom>Block"
    assert get_registered_name(Other) == "my_models>Renamed"
    assert get_registered_name(swish2) == "fns>swish2"
    assert get_registered_object("Custom>Block") is Block
    assert get_registered_object("my_models>Renamed") is Other
    assert get_custom_objects()["fns>swish2"] is swish2


def test_unregistered_objects_keep_their_plain_name_and_unknown_names_give_none():
    class Plain(Configurable):
        pass

    assert get_registered_name(Plain) == "Plain"
    assert get_registered_object("Custom>Plain") is None
    assert get_registered_object("os>system") is None  # never imported


def test_classes_without_get_config_and_bad_packages_are_refused():
    with pytest.raises(ValueError, match="get_config"):
        register_serializable()(type("NoConfig", (), {}))
    with pytest.raises(ValueError, match="without '>'"):
        register_serializable(package="a>b")


def test_custom_objects_beat_scopes_which_beat_the_registry():
    @register_serializable(name="Thing")
    class Registered(Configurable):
        pass

    class Scoped(Configurable):
        pass

    class Explicit(Configurable):
        pass

    assert get_registered_object("Custom>Thing") is Registered
    with custom_object_scope({"Custom>Thing": Scoped}):
        assert get_registered_object("Custom>Thing") is Scoped
        assert get_registered_object("Custom>Thing", {"Custom>Thing": Explicit}) is Explicit
    assert get_registered_object("Custom>Thing") is Registered


def test_scopes_nest_and_belong_to_their_thread():
    class A(Configurable):
        pass

    class B(Configurable):
        pass

    seen = []
    with CustomObjectScope({"X": A}, {"Y": A}):
        with CustomObjectScope({"X": B}):
            assert get_registered_object("X") is B
            assert get_registered_object("Y") is A
            thread = threading.Thread(target=lambda: seen.append(get_registered_object("X")))
            thread.start()
            thread.join()
        assert get_registered_object("X") is A
    assert get_registered_object("X") is None
    assert seen == [None]
