"""``Progbar``: Keras 3's progress bar, reading device values only when it redraws."""

import math
import os
import sys
import time

import numpy as np

from lamina.callbacks._logs import print_msg

_BOLD, _GREEN, _DIM = "\x1b[1m", "\x1b[32m", "\x1b[37m"
_RESET = "\x1b[0m"


def _is_dynamic():
    """Whether ``\\r`` redraws the line: a terminal, Jupyter (``ipykernel``) or PyCharm."""
    if "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ:
        return True
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):  # No isatty, or a closed stream.
        return False


def format_duration(seconds_per_unit, unit_name="step"):
    """Keras' time per unit: ``" 2s/step"`` (≥ 1 s or 0), ``" 15ms/step"``, ``" 87us/step"``."""
    if seconds_per_unit >= 1 or seconds_per_unit == 0:
        return f" {seconds_per_unit:.0f}s/{unit_name}"
    if seconds_per_unit >= 1e-3:
        return f" {seconds_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {seconds_per_unit * 1e6:.0f}us/{unit_name}"


def _format_eta(eta):
    """Keras' time left, truncated: ``"1:02:03"``, ``"2:05"``, ``"42s"``."""
    if eta > 3600:
        return f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _format_value(total, count):
    """`` 0.0695`` (4 decimals), or `` 1.2000e-05`` when ``|value| <= 1e-3``."""
    try:
        value = float(total)
    except (TypeError, ValueError):
        try:
            value = float(np.mean(np.asarray(total)))
        except (TypeError, ValueError):
            return f" {total}"
    value /= max(1, count)
    return f" {value:.4f}" if abs(value) > 1e-3 else f" {value:.4e}"


class Progbar:
    """A progress bar that looks like Keras 3's, for loops of ``target`` steps.

    ``verbose=1`` draws ``157/157 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - loss: 0.0695``:
    the step count right-aligned to ``target``'s width, a ``width``-wide bar, the
    time left (or, once finished, the time taken), the time per unit, then each
    metric with 4 decimals (scientific at or below 1e-3). In a terminal or Jupyter
    the line is redrawn in place (``\\r``, with Keras' ANSI colours) at most once
    per ``interval`` seconds; elsewhere (a pipe, a file, pytest) only the final
    line is printed, without colours. ``verbose=2`` prints one plain line when
    finished: ``157/157 - 1s - 2ms/step - loss: 0.0695``; ``verbose=0`` nothing.

    Values are read (``float``) only when a line is drawn, so device arrays stay
    asynchronous between redraws.

    Args:
      target: the number of steps, or None if unknown (shown as ``n/Unknown``).
      width: the bar's width in characters (default 20).
      verbose: 0 (silent), 1 (live bar, default) or 2 (one line at the end).
      interval: the least time in seconds between redraws (default 0.05).
      stateful_metrics: names of values shown as given; the others are averaged
        over steps (weighted by the steps between updates). Default None: all
        values are shown as given, because lamina's loop passes running means
        already (Keras' default averages them all).
      unit_name: the unit in ``2ms/step`` (default ``"step"``).
      stateless_metrics: keyword-only, Keras' other way to say it: the names that
        are averaged, all others shown as given. Give at most one of the two.

    Example::

        bar = Progbar(100)
        for step in range(100):
            bar.update(step + 1, [("loss", loss)])
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        unit_name="step",
        *,
        stateless_metrics=None,
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: give at most one of `stateful_metrics` (the names shown as given, "
                "the rest averaged) and `stateless_metrics` (the names averaged, the rest "
                f"shown as given); received stateful_metrics={stateful_metrics!r} and "
                f"stateless_metrics={stateless_metrics!r}."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateful_metrics is None else set(stateful_metrics)
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = _is_dynamic()
        self._values = {}  # name -> [sum of value * steps, steps]; raw, maybe on the device.
        self._seen_so_far = 0
        self._start = time.monotonic()
        self._last_update = -math.inf
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateless_metrics is not None:
            return name in self.stateless_metrics
        return self.stateful_metrics is not None and name not in self.stateful_metrics

    def update(self, current, values=None, finalize=None):
        """Record step ``current`` (1-based count of steps done) and maybe redraw.

        ``values`` is a list of ``(name, value)`` pairs for this step; ``finalize``
        (default: ``current >= target``) draws the final line whatever the interval.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = time.monotonic()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (
                not self._dynamic_display or now - self._last_update < self.interval
            ):
                return
            print_msg(self._live_message(current, finalize, now, time_per_unit), line_break=False)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            line = f"{self._count(current)} - {now - self._start:.0f}s -"
            line += format_duration(time_per_unit, self.unit_name) + self._metrics()
            print_msg(line)
        self._last_update = now

    def add(self, n, values=None):
        """``update(steps seen so far + n, values)``."""
        self.update(self._seen_so_far + n, values)

    def _count(self, current):
        digits = len(str(int(self.target)))
        return f"{int(current):{digits}d}/{int(self.target)}"

    def _metrics(self):
        return "".join(f" - {name}:{_format_value(*pair)}" for name, pair in self._values.items())

    def _live_message(self, current, finalize, now, time_per_unit):
        """The verbose=1 line; dynamic: ``\\r`` + coloured line padded over the old one."""
        pieces = []  # (text, ANSI style or None)
        if self.target is not None and self.target > 0:
            done = int(self.width * current / self.target)
            pieces += [(self._count(current), _BOLD), (" ", None)]
            if done > 0:
                pieces.append(("━" * done, _GREEN))
            rest = self.width - done
            pieces.append((("━" if self._dynamic_display else ".") * max(rest, 0), _DIM))
        else:
            pieces.append((f"{int(current):7d}/Unknown", None))
        if self.target is not None and self.target > 0 and not finalize:
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        pieces += [(" ", None), (clock, _BOLD)]
        pieces.append((format_duration(time_per_unit, self.unit_name) + self._metrics(), None))

        width = sum(len(text) for text, _ in pieces)
        if not self._dynamic_display:
            return "".join(text for text, _ in pieces) + "\n"
        line = "".join(text if not style else f"{style}{text}{_RESET}" for text, style in pieces)
        message = "\b" * self._prev_total_width + "\r" + line
        message += " " * max(self._prev_total_width - width, 0)
        self._prev_total_width = width
        return message + ("\n" if finalize else "")

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the first step (compilation) once past it."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
