import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import contextlib
import io
import re

import jax.numpy as jnp
import pytest
from keras.src.utils.progbar import Progbar as KerasProgbar

from lamina.callbacks import Progbar

ANSI = re.compile(r"\x1b\[\d+m")


def steps(n, dt, values=lambda i: [("loss", 1.0 / (i + 1)), ("accuracy", i / 10)]):
    """``n`` updates, one per ``dt`` seconds, steps 1..n."""
    return [(dt, i + 1, values(i), None) for i in range(n)]


SCRIPTS = {
    "ten_steps": steps(10, 0.02),
    "ms_per_step": steps(157, 0.002),
    "us_per_step": steps(40, 0.00004),
    "seconds_and_eta_minutes": steps(12, 7.0),
    "eta_hours": steps(5, 1000.0),
    "tiny_and_zero_values": steps(6, 0.03, lambda i: [("loss", 1e-5 * i), ("kl", -0.5 * i)]),
    "line_shrinks_and_keys_appear": [
        (0.1, 1, [("loss", 12345.678)], None),
        (0.1, 2, [("loss", 1.5), ("mae", 0.25)], None),
        (0.1, 3, [("loss", 1.25)], None),
        (0.1, 4, [("loss", 1.0), ("mae", 0.5)], None),
    ],
    "finalized_early": steps(3, 0.1) + [(0.1, 4, [("loss", 0.5)], True)],
    "past_the_target": steps(6, 0.1)[:3] + [(0.1, 7, [("loss", 0.5)], None)],
    "add": [(0.06, None, [("loss", 0.5)], 2), (0.06, None, [("loss", 0.25)], 3)]
    + [(0.06, None, [("loss", 0.125)], 1)] * 5,
}
TARGETS = {"ten_steps": 10, "ms_per_step": 157, "us_per_step": 40, "eta_hours": 5, "add": 10}


def run(make_bar, clock, script, dynamic):
    """Feed ``script`` to a new ``make_bar()`` on the fake clock; the text it printed."""
    bar = make_bar()
    bar._dynamic_display = dynamic
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for dt, current, values, extra in script:
            clock.advance(dt)
            if current is None:
                bar.add(extra, values)
            else:
                bar.update(current, values, finalize=extra)
    return out.getvalue()


def final_lines(keras_output):
    """Keras' live output reduced to what lamina prints when not live: the lines that
    end with a newline, as last drawn, without colours, backspaces or padding."""
    lines = keras_output.split("\n")[:-1]
    return "".join(ANSI.sub("", line.split("\r")[-1]).rstrip(" ") + "\n" for line in lines)


def pair(name, verbose=1, **kwargs):
    target = TARGETS.get(name, 6)
    if "stateful_metrics" not in kwargs:
        kwargs_theirs = {"stateless_metrics": set(), **kwargs}
    else:
        kwargs_theirs = kwargs
    return (
        lambda: Progbar(target, verbose=verbose, **kwargs),
        lambda: KerasProgbar(target, verbose=verbose, **kwargs_theirs),
    )


@pytest.mark.parametrize("name", SCRIPTS)
def test_live_output_matches_keras(name, clock):
    ours, theirs = pair(name)
    assert run(ours, clock, SCRIPTS[name], True) == run(theirs, clock, SCRIPTS[name], True)


@pytest.mark.parametrize("name", [n for n in SCRIPTS if n != "finalized_early"])
def test_non_live_output_is_keras_final_line(name, clock):
    ours, theirs = pair(name)
    got = run(ours, clock, SCRIPTS[name], False)
    assert got == final_lines(run(theirs, clock, SCRIPTS[name], True))
    assert "\x1b" not in got and "\r" not in got


def test_non_live_remainder_is_dotted(clock):
    ours, _ = pair("finalized_early")
    assert run(ours, clock, SCRIPTS["finalized_early"], False) == (
        "4/6 ━━━━━━━━━━━━━....... 0s 100ms/step - loss: 0.5000 - accuracy: 0.2000\n"
    )


@pytest.mark.parametrize("name", ["ten_steps", "ms_per_step", "eta_hours", "finalized_early"])
def test_verbose_2_matches_keras(name, clock):
    ours, theirs = pair(name, verbose=2)
    got = run(ours, clock, SCRIPTS[name], True)
    assert got == run(theirs, clock, SCRIPTS[name], True)
    assert got.count("\n") == (name != "finalized_early" or 1)


def test_unknown_target_matches_keras(clock):
    script = steps(4, 0.1) + [(0.1, 4, [("loss", 0.5)], True)]
    ours, theirs = lambda: Progbar(None), lambda: KerasProgbar(None, stateless_metrics=set())
    got = run(ours, clock, script, True)
    assert got == run(theirs, clock, script, True)
    assert "      4/Unknown" in got


def test_stateful_metrics_average_the_others_like_keras(clock):
    script = SCRIPTS["ten_steps"][::3] + [SCRIPTS["ten_steps"][-1]]
    ours, theirs = pair("ten_steps", stateful_metrics={"accuracy"})
    assert run(ours, clock, script, True) == run(theirs, clock, script, True)
    ours = lambda: Progbar(10, stateless_metrics={"loss"})
    theirs = lambda: KerasProgbar(10, stateless_metrics={"loss"})
    assert run(ours, clock, script, True) == run(theirs, clock, script, True)
    with pytest.raises(ValueError, match="at most one of `stateful_metrics`"):
        Progbar(10, stateful_metrics={"a"}, stateless_metrics={"b"})


def test_device_values_show_like_floats_and_are_read_only_when_drawn(clock):
    class Counting:
        reads = 0

        def __init__(self, value):
            self.value = value

        def __float__(self):
            Counting.reads += 1
            return float(self.value)

    script = [(0.01, i + 1, [("loss", jnp.float32(0.5 / (i + 1)))], None) for i in range(10)]
    as_floats = [(dt, c, [(k, float(v)) for k, v in vals], f) for dt, c, vals, f in script]
    assert run(lambda: Progbar(10), clock, script, True) == run(
        lambda: Progbar(10), clock, as_floats, True
    )

    counted = [(dt, c, [(k, Counting(v)) for k, v in vals], f) for dt, c, vals, f in as_floats]
    run(lambda: Progbar(10), clock, counted, False)
    assert Counting.reads == 1  # Only the final line was drawn.
    Counting.reads = 0
    out = run(lambda: Progbar(10, interval=0.05), clock, counted, True)
    assert Counting.reads == out.count("\r") < 10  # Once per redraw.


def test_real_clock_output_matches_keras_modulo_times():
    def normalise(text):
        text = re.sub(r"\d+(?::\d\d)*s\b", "T", text)
        text = re.sub(r"\d+(?:s|ms|us)/step", "T/step", text)
        return re.sub(r" *(\r|\n|$)", r"\1", text.replace("\b", ""))

    script = [(0.0, i + 1, [("loss", 1.0 / (i + 1))], None) for i in range(20)]
    ours, theirs = Progbar(20, interval=0), KerasProgbar(20, interval=0, stateless_metrics=set())
    outputs = []
    for bar in (ours, theirs):
        bar._dynamic_display = True
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for _, current, values, _ in script:
                bar.update(current, values)
        outputs.append(normalise(out.getvalue()))
    assert outputs[0] == outputs[1]
    bar = "\x1b[1m20/20\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    assert outputs[0].endswith(f"\r{bar} \x1b[1mT\x1b[0m T/step - loss: 0.0500\n")


def test_dynamic_display_follows_the_stream(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delitem(__import__("sys").modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    with contextlib.redirect_stdout(io.StringIO()):
        assert not Progbar(3)._dynamic_display
    with contextlib.redirect_stdout(Terminal()):
        assert Progbar(3)._dynamic_display


def test_a_stream_without_unicode_gets_equals_signs(clock):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    with contextlib.redirect_stdout(stream):
        bar = Progbar(4)
        bar._dynamic_display = False
        clock.advance(0.5)
        bar.update(4, [("loss", 0.5)])
    assert raw.getvalue() == b"4/4 ==================== 0s 125ms/step - loss: 0.5000\n"
