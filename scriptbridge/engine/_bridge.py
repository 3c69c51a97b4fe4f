"""The one module that touches mini-racer's private internals.

Two things need them. A runner must be created off the event loop yet be bound to it, which
``_make_context(loop)`` offers. And synchronous host calls (``crypto.createHash().digest()``)
need a JavaScript-to-Python notification that runs *on the isolate's thread* while JavaScript
waits: mini-racer dispatches every notification through ``Context.handle_callback_from_v8``
(on a frozen dataclass), which we replace per context with a dispatcher that answers our two
callback ids in place and hands every other id to the original. JavaScript and Python share a
SharedArrayBuffer: JS writes a request, calls the notification, and reads the answer that the
Python handler wrote before returning.

V8 itself is initialised here too, with the multi-threaded default platform rather than
mini-racer's default ``--single-threaded`` one: with that, creating an isolate while another
runs on its own thread crashes the process (reproduced within a few hundred creations).
Creating and freeing isolates are also serialised by one lock, as a precaution.

Tested against mini-racer 0.14 only (the minor version pyproject.toml pins);
:func:`check_internals` fails loudly at start-up when the internals moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final, cast

import py_mini_racer
from py_mini_racer import JSEvalException, JSFunction, JSMappedObject, _set_timeout
from py_mini_racer import _mini_racer as _mr_module

from scriptbridge.engine.host import describe_host_error
from scriptbridge.errors import MiniRacerIncompatibleError

#: JavaScript's Uint16Array and Uint32Array use the machine's byte order, so Python does too.
_UTF16: Final = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"

#: Bytes at the start of the shared buffer that hold the length of the request or answer.
_HEADER: Final = 8

SyncHandler = Callable[[str, list[Any]], Any]
EvalDone = Callable[[Any, "JSEvalException | None"], None]

#: JSON for V8: ASCII only (a lone surrogate is escaped, not an encoding error) and no NaN.
#: Raises TypeError or ValueError for what JSON cannot carry.
json_text: Final[Callable[[Any], str]] = json.JSONEncoder(
    separators=(",", ":"), allow_nan=False
).encode

# Creating and freeing isolates hold this lock (see the module docstring).
_lifecycle = threading.Lock()

_CONTEXT_MEMBERS: Final = (
    "_dll",
    "_ctx",
    "_next_async_callback_id",
    "_active_cancelable_mr_task_callbacks",
    "handle_callback_from_v8",
    "_wrap_raw_handle",
    "_value_handle_to_python",
    "_python_to_value_handle",
)
_DLL_FUNCTIONS: Final = ("mr_make_js_callback", "mr_free_value", "mr_eval", "mr_cancel_task")

#: mini-racer's setTimeout/clearTimeout (on Atomics.waitAsync), which the prelude builds on.
TIMERS_JS: Final[str] = _set_timeout.INSTALL_SET_TIMEOUT

#: V8 flags for the whole process: none, so V8 uses its thread-safe default platform.
V8_FLAGS: Final[tuple[str, ...]] = ()


def init_v8() -> None:
    """Initialise V8 for scriptbridge; call before any MiniRacer is created in the process."""
    py_mini_racer.init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)


@functools.cache
def check_internals() -> None:
    """Raise MiniRacerIncompatibleError unless mini-racer has what this module relies on."""
    version = _installed_version()
    if not hasattr(_mr_module, "_make_context"):
        raise MiniRacerIncompatibleError(version, "py_mini_racer._mini_racer._make_context is gone")
    context_class = py_mini_racer._context.Context
    missing = [
        m
        for m in _CONTEXT_MEMBERS
        if m not in context_class.__dataclass_fields__ and not hasattr(context_class, m)
    ]
    if missing:
        raise MiniRacerIncompatibleError(version, f"Context lacks {', '.join(missing)}")
    dll = py_mini_racer.init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)
    absent = [f for f in _DLL_FUNCTIONS if not hasattr(dll, f)]
    if absent:
        raise MiniRacerIncompatibleError(version, f"the library lacks {', '.join(absent)}")


def _installed_version() -> str:
    from importlib.metadata import version

    return version("mini-racer")


class Isolate:
    """One V8 isolate bound to the running event loop, with our two notifications installed.

    :meth:`open`, :meth:`eval_blocking`, :meth:`attach` and :meth:`close` block: call them from
    a worker thread. On the loop use only :meth:`start_eval` and :meth:`terminate`, which never
    wait for V8.
    """

    def __init__(self, maker: AbstractContextManager[Any], context: Any) -> None:
        self._maker: AbstractContextManager[Any] | None = maker
        self._context = context
        self._shared: memoryview | None = None
        self._lengths: memoryview | None = None  # the two lengths at the buffer's start
        self._sync_handler: SyncHandler | None = None
        self._eval_task: int | None = None
        self._eval_ended: asyncio.Future[None] | None = None
        self._blocking_evals: dict[int, Callable[[Any], None]] = {}
        self._sync_id = self._bell_id = -1
        #: Runs on the loop when JavaScript rings the doorbell (set by the runner adopting this).
        self.on_bell: Callable[[], None] | None = None

    @classmethod
    def open(cls, loop: asyncio.AbstractEventLoop) -> Isolate:
        """Start an isolate bound to ``loop``."""
        check_internals()
        init_v8()
        maker = _mr_module._make_context(loop)
        with _lifecycle:
            context = maker.__enter__()
        isolate = cls(maker, context)
        try:
            isolate._install(loop)
        except BaseException:
            isolate.close()
            raise
        return isolate

    def set_heap_limit(self, heap_bytes: int) -> None:
        """V8's hard heap limit: past it the running script fails (cheap: a flag in V8)."""
        self._context.set_hard_memory_limit(heap_bytes)

    def set_sync_handler(self, handler: SyncHandler) -> None:
        """What answers JavaScript's synchronous calls: ``handler(name, args) -> value``."""
        self._sync_handler = handler

    def _install(self, loop: asyncio.AbstractEventLoop) -> None:
        ctx = self._context
        dll = ctx._dll
        raw_ctx = ctx._ctx
        self._sync_id = sync_id = next(ctx._next_async_callback_id)
        self._bell_id = bell_id = next(ctx._next_async_callback_id)
        original = ctx.handle_callback_from_v8
        call_soon = loop.call_soon_threadsafe
        blocking = self._blocking_evals

        def dispatch(callback_id: int, raw_handle: Any) -> None:
            # Runs on the isolate's thread, with JavaScript waiting for it to return.
            if callback_id == sync_id:
                dll.mr_free_value(raw_ctx, raw_handle)
                self._answer_sync()
            elif callback_id == bell_id:
                dll.mr_free_value(raw_ctx, raw_handle)
                call_soon(self._ring)
            elif callback_id in blocking:
                blocking.pop(callback_id)(ctx._wrap_raw_handle(raw_handle))
            else:
                original(callback_id, raw_handle)

        object.__setattr__(ctx, "handle_callback_from_v8", dispatch)

    def _ring(self) -> None:
        if self.on_bell is not None:
            self.on_bell()

    def _make_notification(self, callback_id: int) -> JSFunction:
        ctx = self._context
        raw = ctx._dll.mr_make_js_callback(ctx._ctx, callback_id)
        return cast(JSFunction, ctx._value_handle_to_python(ctx._wrap_raw_handle(raw)))

    def eval_blocking(self, code: str, timeout: float | None = None) -> Any:
        """Evaluate during start-up. The result comes straight back to this thread from the
        isolate's, without a trip through the event loop.

        Raises TimeoutError (after terminating the JavaScript) when ``timeout`` passes first.
        """
        ctx = self._context
        code_handle = ctx._python_to_value_handle(code)
        arrived = threading.Event()
        results: list[Any] = []

        def on_result(value_handle: Any) -> None:
            results.append(value_handle)
            arrived.set()

        callback_id = next(ctx._next_async_callback_id)
        self._blocking_evals[callback_id] = on_result
        task = ctx._dll.mr_eval(ctx._ctx, code_handle.raw, callback_id)
        if not arrived.wait(timeout):
            ctx._dll.mr_cancel_task(ctx._ctx, task)
            if not arrived.wait(1.0):
                self._blocking_evals.pop(callback_id, None)
            raise TimeoutError(f"start-up code ran longer than {timeout:g} s")
        del code_handle
        return ctx._value_handle_to_python(results[0])

    def attach(self, hooks: Any) -> None:
        """Connect the runtime's ``hooks`` object (see runtime.js) to Python: adopt its
        SharedArrayBuffer for synchronous calls and give it the two notifications."""
        if not isinstance(hooks, JSMappedObject):
            raise TypeError("start-up did not return the runtime's hooks")
        shared = hooks["shared"]
        if not isinstance(shared, memoryview):
            raise TypeError("the runtime's hooks hold no SharedArrayBuffer")
        self._shared = shared
        self._lengths = shared[0:_HEADER].cast("I")
        hooks["sync"] = self._make_notification(self._sync_id)
        hooks["bell"] = self._make_notification(self._bell_id)

    def start_eval(self, code: str, done: EvalDone) -> None:
        """Start evaluating ``code``; ``done(value, error)`` runs on the loop when it ends.

        The loop never waits for V8 here: mini-racer queues the eval on the isolate's thread.
        This is mini-racer's own cancelable eval without a coroutine and a task around it,
        which saves a third of the cost of an invocation.
        """
        ctx = self._context
        code_handle = ctx._python_to_value_handle(code)
        callback_id = next(ctx._next_async_callback_id)
        callbacks = ctx._active_cancelable_mr_task_callbacks

        def on_result(value_handle: Any) -> None:
            callbacks.pop(callback_id, None)
            self._eval_task = None
            del code_handle_ref[:]
            if self._eval_ended is not None:
                # Terminated on purpose (see terminate): the value is not wanted.
                if not self._eval_ended.done():
                    self._eval_ended.set_result(None)
                return
            try:
                value = ctx._value_handle_to_python(value_handle)
            except JSEvalException as exc:
                done(None, exc)
                return
            done(value, None)

        # V8 reads the code from this handle later, on its own thread: keep it alive until then.
        code_handle_ref = [code_handle]
        callbacks[callback_id] = on_result
        self._eval_task = ctx._dll.mr_eval(ctx._ctx, code_handle.raw, callback_id)

    async def terminate(self, grace: float) -> None:
        """Terminate the eval in flight, if any, and wait up to ``grace`` seconds for V8 to
        report that it ended; from now on no eval result is delivered."""
        self._eval_ended = asyncio.get_running_loop().create_future()
        task = self._eval_task
        if task is None:
            return
        self._context._dll.mr_cancel_task(self._context._ctx, task)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._eval_ended), grace)

    def _answer_sync(self) -> None:
        # Layout (see runtime.js exchange): answer length at 0, request length at 4, both in
        # UTF-16 code units, text from byte 8. The answer is ASCII JSON.
        shared = self._shared
        lengths = self._lengths
        handler = self._sync_handler
        if shared is None or lengths is None:
            return
        name = "?"
        try:
            if handler is None:
                raise RuntimeError("the runner is not ready for synchronous calls yet")
            name, args = json.loads(str(shared[_HEADER : _HEADER + 2 * lengths[1]], _UTF16))
            data = json_text({"v": handler(name, args)})
        except Exception as exc:  # any failure becomes a JavaScript exception
            data = json_text({"e": describe_host_error(exc)})
        if 2 * len(data) + _HEADER > len(shared):
            message = f"synchronous host call {name}: answer too large"
            data = json_text({"e": {"name": "RangeError", "message": message}})
        shared[_HEADER : _HEADER + 2 * len(data)] = data.encode(_UTF16)
        lengths[0] = len(data)

    def close(self) -> None:
        """Free the isolate; V8 stops whatever it was running. Call :meth:`terminate` first if
        an eval may be in flight, so that its report is not on its way."""
        maker, self._maker = self._maker, None
        if maker is None:
            return
        self._sync_handler = None
        for view in (self._lengths, self._shared):
            if view is not None:
                with contextlib.suppress(BufferError):
                    view.release()
        self._lengths = self._shared = None
        with _lifecycle:
            maker.__exit__(None, None, None)
