"""Progress lines on stderr, for runs that last more than a few seconds.

A run announces its stages (``stage("building the model")``); nothing is printed until the run
has lasted ``after_s`` seconds, so the district default stays silent. A long stage that waits on
a solver (``wait``) says every ``every_s`` seconds that it is still running. Ctrl-C during a
wait asks the solver to stop (``cancel``) before the interrupt goes on. A stage of many like steps
(the points of a frontier, their folders) also counts them with a tqdm bar when stderr is a
terminal (``steps``, ``counter``); in a log there is just its line.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO


class Progress:
    def __init__(self, enabled: bool = True, stream: TextIO | None = None, after_s: float = 2.0, every_s: float = 10.0):
        self.enabled = enabled
        self.stream = stream
        self.after_s = after_s
        self.every_s = every_s
        self.started = time.perf_counter()
        self.current = ""
        self.shown = True  # the current stage's line has been printed
        self.last_line = self.started

    def stage(self, text: str) -> None:
        """A new stage begins."""
        self.current, self.shown = text, False
        self._maybe_show()

    def steps(self, text: str, items: list):
        """A stage that goes through ``items``, counted on a terminal."""
        for item in self._bar(text, len(items), items):
            yield item
            self._maybe_show()

    def counter(self, text: str) -> Callable[[int, int], None]:
        """A stage of counted steps, as the ``progress(done, total)`` callback of ``optimizer.frontier``."""
        bar = self._bar(text, None)

        def done(count: int, of: int) -> None:
            bar.total = of
            bar.update(count - bar.n)
            self._maybe_show()
            if count >= of:
                bar.close()

        return done

    def _bar(self, text: str, total: int | None, items=None):
        from tqdm import tqdm

        self.stage(text)
        stream = self.stream or sys.stderr
        terminal = self.enabled and hasattr(stream, "isatty") and stream.isatty()
        waited = time.perf_counter() - self.started
        return tqdm(items, total=total, desc=text, file=stream, disable=not terminal, leave=False,
                    delay=max(0.0, self.after_s - waited), dynamic_ncols=True)

    def wait(self, work: Callable[[], Any], cancel: Callable[[], Any] | None = None) -> Any:
        """Run ``work`` (a solver call that releases the GIL), reporting while it lasts."""
        if not self.enabled:
            return work()
        outcome: dict[str, Any] = {}

        def run():
            try:
                outcome["value"] = work()
            except BaseException as error:  # handed to the caller below
                outcome["error"] = error

        worker = threading.Thread(target=run, name="solver", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.25)
                self._maybe_show(still=True)
        except KeyboardInterrupt:
            if cancel is not None:
                cancel()
            raise
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def _maybe_show(self, still: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or now - self.started < self.after_s:
            return
        if not self.shown:
            self._print(f"{self.current} …")
            self.shown = True
        elif still and now - self.last_line >= self.every_s:
            self._print(f"{self.current}: still running")

    def _print(self, text: str) -> None:
        now = time.perf_counter()
        self.last_line = now
        print(f"[{now - self.started:6.1f} s] {text}", file=self.stream or sys.stderr, flush=True)
