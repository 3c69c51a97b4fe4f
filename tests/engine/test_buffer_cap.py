"""The buffer cap (buffer_mb, limits.js): no path a script can reach allocates buffer memory
past it, and ordinary buffer use under it works as in V8.

Each case is a JavaScript function in a table that a ``verify`` script runs by name. A refused
allocation ends the invocation with a RangeError naming buffer_mb, before anything is
allocated. Every bypass case would take at least 256 MiB if it got through (and touches what it
allocates), so a bypass would also show in the process's peak memory.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from harness import Harness, StartEngine

from scriptbridge.engine import Limits, Outcome

LIMITS = Limits(timeout_seconds=1, memory_mb=32, buffer_mb=8, probe_seconds=0.2)
MiB = 1024 * 1024

#: Helpers for the cases: sizes, and WebAssembly modules assembled byte by byte.
HELPERS = r"""
  const M = 1024 * 1024;
  const leb = (n) => {
    const out = [];
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      out.push(n ? b | 0x80 : b);
    } while (n);
    return out;
  };
  const str = (s) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const section = (id, body) => [id, ...leb(body.length), ...body];
  const limits = (min, max) =>
    max === undefined ? [0, ...leb(min)] : [1, ...leb(min), ...leb(max)];
  const wasm = (...sections) => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...sections.flat()]);
  // (func (param i32) (result i32) (memory.grow (local.get 0)))
  const growType = section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]);
  const growCode = section(10, [1, 6, 0, 0x20, 0, 0x40, 0, 0x0b]);
  // a module that defines a memory, exported as "mem", and a function "grow" that grows it
  const definesMemory = (min, max) => wasm(
    growType,
    section(3, [1, 0]),
    section(5, [1, ...limits(min, max)]),
    section(7, [2, ...str("mem"), 2, 0, ...str("grow"), 0, 0]),
    growCode,
  );
  // a module that imports m.mem, with a function "grow" that grows it
  const importsMemory = (min, max) => wasm(
    growType,
    section(2, [1, ...str("m"), ...str("mem"), 2, ...limits(min, max)]),
    section(3, [1, 0]),
    section(7, [1, ...str("grow"), 0, 0]),
    growCode,
  );
  // 100 allocations kept alive
  const keep = (make, times = 100) => {
    const kept = [];
    for (let i = 0; i < times; i++) kept.push(make());
    return kept.length;
  };
"""

#: Ways to allocate past the cap, each refused. Many escaped the cap before (so did the original
#: constructors reached through the prototype chain, see test_original_constructors_are_out_of_
#: reach, and arguments converted twice, see test_arguments_are_converted_once); the rest guard
#: against regressions.
BYPASSES_JS = r"""
  // the constructors, reached in other ways
  "constructor-of-an-instance": () => new (new Uint8Array(1).constructor)(256 * M).fill(1),
  "constructor-of-a-prototype": () =>
    new (Object.getPrototypeOf(new ArrayBuffer(1)).constructor)(256 * M),
  "reflect-construct": () => Reflect.construct(ArrayBuffer, [256 * M], function () {}),
  "subclass": () => new (class extends Uint8Array {})(256 * M).fill(1),
  "species-of-a-subclass": () => {
    class X extends Float64Array {
      static get [Symbol.species]() { return Uint8Array; }
    }
    const x = new X(M / 8);
    return keep(() => x.slice());
  },
  // built-ins that fell back to the original constructors
  "arraybuffer-slice-without-constructor": () => {
    const b = new ArrayBuffer(3 * M);
    b.constructor = undefined;
    return keep(() => b.slice());
  },
  "typed-array-slice-without-constructor": () => {
    const a = new Uint8Array(3 * M);
    a.constructor = undefined;
    return keep(() => a.slice());
  },
  "typed-array-map-with-null-species": () => {
    const a = new Uint8Array(3 * M);
    a.constructor = { [Symbol.species]: null };
    return keep(() => a.map((x) => x));
  },
  "typed-array-filter": () => {
    const a = new Float64Array(3 * M / 8);
    a.constructor = undefined;
    return keep(() => a.filter(() => true));
  },
  "to-reversed": () => {
    const a = new Uint8Array(3 * M);
    return keep(() => a.toReversed());
  },
  "to-sorted": () => {
    const a = new Uint8Array(3 * M);
    return keep(() => a.toSorted());
  },
  "with": () => {
    const a = new Uint8Array(3 * M);
    return keep(() => a.with(0, 1));
  },
  "typed-array-from": () => Uint8Array.from({ length: 256 * M }),
  "typed-array-of": () => keep(() => Float64Array.of(...new Array(100000).fill(1)), 400),
  "copy-of-a-typed-array": () => {
    const a = new Uint8Array(3 * M);
    return keep(() => new Float64Array(a));
  },
  "from-base64": () => {
    const text = "AAAA".repeat(M);
    return keep(() => Uint8Array.fromBase64(text));
  },
  "from-hex": () => {
    const text = "00".repeat(2 * M);
    return keep(() => Uint8Array.fromHex(text));
  },
  "structured-clone": () => {
    const b = new ArrayBuffer(3 * M);
    return keep(() => structuredClone(b));
  },
  "iterable-of-unknown-length": () =>
    new Float64Array((function* () { for (let i = 0; i < 9 * M / 8; i++) yield 1; })()),
  // sizes that change after the check
  "resizable-arraybuffer": () =>
    new ArrayBuffer(1, { maxByteLength: 256 * M }).resize(256 * M),
  "growable-sharedarraybuffer": () =>
    new SharedArrayBuffer(1, { maxByteLength: 256 * M }).grow(256 * M),
  "transfer": () => new Uint8Array(new ArrayBuffer(1).transfer(256 * M)).fill(1),
  "transfer-to-fixed-length": () =>
    new Uint8Array(new ArrayBuffer(1).transferToFixedLength(256 * M)).fill(1),
  "sharedarraybuffer-slice": () => {
    const s = new SharedArrayBuffer(3 * M);
    return keep(() => s.slice());
  },
  // WebAssembly
  "memory-grow": () => {
    const m = new WebAssembly.Memory({ initial: 1 });
    m.grow(4096);
    return new Uint8Array(m.buffer).fill(1).length;
  },
  "memory-resizable-buffer": () =>
    new WebAssembly.Memory({ initial: 1, maximum: 65536 }).toResizableBuffer().resize(256 * M),
  "module-memory": () =>
    new WebAssembly.Instance(new WebAssembly.Module(definesMemory(4096, 4096))),
  "module-memory-without-maximum": () =>
    new WebAssembly.Instance(new WebAssembly.Module(definesMemory(1))),
  "module-memory-instantiated-async": () => WebAssembly.instantiate(definesMemory(4096, 4096)),
  "module-compiled-async": () =>
    WebAssembly.compile(definesMemory(4096, 4096)).then((m) => new WebAssembly.Instance(m)),
  "imported-memory-without-maximum": () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(importsMemory(1));
    return new WebAssembly.Instance(module, { m: { mem } }).exports.grow(4096);
  },
  "imported-memory-over-the-cap": () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
    const module = new WebAssembly.Module(importsMemory(1, 4096));
    return new WebAssembly.Instance(module, { m: { mem } }).exports.grow(4000);
  },
"""

#: What ordinary scripts do under the cap, and what each case returns.
ALLOWED_JS = r"""
  "identities": () => [
    new Uint8Array(1).constructor === Uint8Array,
    new Uint8Array(2) instanceof Uint8Array,
    Buffer.from("a") instanceof Uint8Array,
    Buffer.from("a").constructor === Buffer,
    new TextEncoder().encode("x").buffer instanceof ArrayBuffer,
    new ArrayBuffer(1).constructor === ArrayBuffer,
    ArrayBuffer.isView(new DataView(new ArrayBuffer(1))),
    Object.getPrototypeOf(ArrayBuffer) === Function.prototype,
    Object.getPrototypeOf(Uint8Array) === Object.getPrototypeOf(Int8Array),
    Uint8Array[Symbol.species] === Uint8Array,
    new WebAssembly.Memory({ initial: 1 }).constructor === WebAssembly.Memory,
    [Uint8Array.name, Uint8Array.length, ArrayBuffer.name, ArrayBuffer.length],
  ],
  "buffers": () => [
    Buffer.from("héllo").toString("base64"),
    Buffer.concat([Buffer.from("a"), Buffer.alloc(2)]).length,
    Buffer.alloc(2 * M).length,
    Array.from(new Uint8Array([1, 2, 300])),
    new TextDecoder().decode(new TextEncoder().encode("ok")),
    Buffer.from("abc").map((x) => x + 1).toString(),
    Buffer.from("abc").slice(1) instanceof Buffer,
    new Float64Array(4 * M / 8).length,
  ],
  "subclasses-and-species": () => {
    class X extends Uint8Array {}
    const x = new X([1, 2, 3]);
    const y = new Uint8Array([1, 2]);
    y.constructor = { [Symbol.species]: Int16Array };
    return [
      x.slice(1) instanceof X,
      x.map((v) => v * 2) instanceof X,
      Array.from(x.filter((v) => v > 1)),
      x.subarray(1) instanceof X,
      y.slice().constructor.name,
      X.from([1]) instanceof X,
    ];
  },
  "slices-and-transfers": () => {
    const b = new ArrayBuffer(2 * M);
    new Uint8Array(b).set([1, 2, 3, 4]);
    const s = b.slice(1, 3);
    const t = b.transfer(3 * M);
    const f = t.transferToFixedLength(4);
    return [
      Array.from(new Uint8Array(s)),
      b.detached,
      t.detached,
      Array.from(new Uint8Array(f)),
      Array.from(new Uint8Array([5, 6, 7]).slice(-2)),
      Array.from(new Int8Array([3, 1, 2]).toSorted()),
      new Uint8Array(structuredClone(new ArrayBuffer(M))).length,
    ];
  },
  "resizable-within-the-cap": () => {
    const b = new ArrayBuffer(1, { maxByteLength: 4 * M });
    const view = new Uint8Array(b); // tracks the length
    b.resize(4 * M);
    view.fill(1);
    const g = new SharedArrayBuffer(1, { maxByteLength: M });
    g.grow(M);
    return [view.length, b.byteLength, g.byteLength];
  },
  "views-and-atomics": () => {
    const s = new SharedArrayBuffer(6 * M);
    const views = [];
    for (let i = 0; i < 1000; i++) {
      views.push(new DataView(s, i * 8, 8), new Int32Array(s, i * 8, 2));
    }
    Atomics.add(views[1], 0, 5);
    views[0].setInt32(4, 7, true);
    return [Atomics.load(views[1], 0), views[1][1], views.length];
  },
  "wasm-memory-within-the-cap": () => {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 8 });
    m.grow(3);
    const r = new WebAssembly.Memory({ initial: 1, maximum: 65536 }).toResizableBuffer();
    r.resize(2 * 65536);
    const own = new WebAssembly.Instance(new WebAssembly.Module(definesMemory(1, 16))).exports;
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 32 });
    const module = new WebAssembly.Module(importsMemory(1, 32));
    const imported = new WebAssembly.Instance(module, { m: { mem } }).exports;
    return [
      m.buffer.byteLength,
      r.byteLength,
      [own.grow(15), own.grow(1), own.mem.buffer.byteLength],
      [imported.grow(31), mem.buffer.byteLength],
    ];
  },
  "wasm-instantiated-async": () =>
    WebAssembly.instantiate(definesMemory(1, 2)).then(({ module, instance }) => [
      module instanceof WebAssembly.Module,
      instance instanceof WebAssembly.Instance,
      instance.exports.mem.buffer.byteLength,
    ]),
"""
ALLOWED: dict[str, Any] = {
    "identities": [True] * 11 + [["Uint8Array", 3, "ArrayBuffer", 1]],
    "buffers": ["aMOpbGxv", 3, 2 * MiB, [1, 2, 44], "ok", "bcd", True, 4 * MiB // 8],
    "subclasses-and-species": [True, True, [2, 3], True, "Int16Array", True],
    "slices-and-transfers": [[2, 3], True, True, [1, 2, 3, 4], [6, 7], [1, 2, 3], MiB],
    "resizable-within-the-cap": [4 * MiB, 4 * MiB, MiB],
    "views-and-atomics": [5, 7, 2000],
    "wasm-memory-within-the-cap": [4 * 65536, 2 * 65536, [1, -1, 16 * 65536], [1, 32 * 65536]],
    "wasm-instantiated-async": [True, True, 65536],
}

#: No prototype chain, `constructor` or Symbol.species getter leads to a built-in constructor.
REACH_JS = r"""
  "reach": () => {
    const TypedArray = Object.getPrototypeOf(Uint8Array);
    const W = WebAssembly;
    const wrappers = [ArrayBuffer, SharedArrayBuffer, W.Memory, W.Module, W.Instance];
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      const C = globalThis[name];
      if (typeof C === "function" && Object.getPrototypeOf(C) === TypedArray) wrappers.push(C);
    }
    const found = [];
    const ways = (C) => ({
      "[[Prototype]]": Object.getPrototypeOf(C),
      "prototype.constructor": C.prototype.constructor,
      "Symbol.species": C[Symbol.species],
    });
    for (const C of wrappers) {
      for (const [way, D] of Object.entries(ways(C))) {
        const fine = [undefined, C, TypedArray, Function.prototype];
        if (!fine.includes(D)) found.push(`${C.name} ${way}`);
      }
    }
    for (const C of [TypedArray, Object.getPrototypeOf(ArrayBuffer)]) {
      try {
        new C(256 * M);
        found.push(`${C.name} constructs`);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
      }
    }
    return [wrappers.length, found];
  },
"""

#: Arguments whose conversion answers differently each time are converted once.
ONCE_JS = r"""
  "value-of": () => {
    let calls = 0;
    const n = { valueOf() { return calls++ ? 256 * M : 16; } };
    return [new ArrayBuffer(n).byteLength, calls];
  },
  "array-like": () => {
    let calls = 0;
    const a = { get length() { return calls++ ? 256 * M : 2; } };
    return [new Uint8Array(a).byteLength, calls];
  },
  "max-byte-length": () => {
    let calls = 0;
    const o = { get maxByteLength() { return calls++ ? 256 * M : 32; } };
    return [new ArrayBuffer(8, o).maxByteLength, calls];
  },
  "memory-initial": () => {
    let calls = 0;
    const d = { get initial() { return calls++ ? 4096 : 1; } };
    return [new WebAssembly.Memory(d).buffer.byteLength, calls];
  },
  "huge-first": () => new ArrayBuffer({ valueOf() { return 256 * M; } }),
"""

#: One runner, used by several invocations in a row.
SEQUENCE_JS = r"""
  "refused": () => new Uint8Array(256 * M),
  "one": () => new Uint8Array(M).length,
  "pinned": () => {
    globalThis.mem = new WebAssembly.Memory({ initial: 1, maximum: 96 });
    const module = new WebAssembly.Module(importsMemory(1, 96));
    new WebAssembly.Instance(module, { m: { mem } });
    return mem.buffer.byteLength;
  },
  "three": () => new Uint8Array(3 * M).length,
  "six": () => new Uint8Array(6 * M).fill(1).length,
"""


def names(cases: str) -> list[str]:
    return re.findall(r'^  "([\w-]+)":', cases, re.MULTILINE)


def verify_script(cases: str) -> str:
    return (
        "async function verify(which, callback) {\n"
        f"{HELPERS}\n"
        f"  const CASES = {{\n{cases}\n  }};\n"
        "  callback(null, await CASES[which]());\n"
        "}"
    )


async def start(start_engine: StartEngine, cases: str) -> Harness:
    return await start_engine({"verify": verify_script(cases)}, limits=LIMITS)


async def run_case(start_engine: StartEngine, cases: str, which: str) -> Outcome:
    harness = await start(start_engine, cases)
    outcome = await harness.invoke("verify", which)
    assert harness.restarts == 0
    return outcome


def assert_refused(outcome: Outcome) -> None:
    assert outcome.status == "error", outcome
    assert outcome.error is not None
    assert outcome.error.name == "RangeError", outcome.error
    assert "would exceed the 8 MiB" in outcome.error.message
    assert "(connection setting buffer_mb)" in outcome.error.message


@contextmanager
def peak_memory_growth() -> Iterator[list[int]]:
    """Yield a list that receives by how much the process's peak RSS grew meanwhile, in bytes.
    Linux only (the peak is reset through /proc/self/clear_refs); elsewhere it stays empty."""
    growth: list[int] = []
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_bytes(status, "VmRSS")
    except OSError:
        yield growth
        return
    yield growth
    growth.append(_status_bytes(status, "VmHWM") - before)


def _status_bytes(status: Path, key: str) -> int:
    for line in status.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise OSError(f"no {key} in {status}")


@pytest.mark.parametrize("which", names(BYPASSES_JS))
async def test_bypass_is_refused_before_allocating(start_engine: StartEngine, which: str) -> None:
    """Each way around the cap ends in the cap's RangeError, with no memory taken."""
    with peak_memory_growth() as growth:
        outcome = await run_case(start_engine, BYPASSES_JS, which)
    assert_refused(outcome)
    if growth:
        assert growth[0] < 128 * MiB, f"the peak RSS grew by {growth[0] / MiB:.0f} MiB"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
async def test_peak_memory_check_sees_a_big_allocation(start_engine: StartEngine) -> None:
    """The memory check above is live: an allowed 6 MiB buffer, touched, shows up in it."""
    with peak_memory_growth() as growth:
        outcome = await run_case(start_engine, SEQUENCE_JS, "six")
    assert outcome.result == 6 * MiB
    assert growth
    assert growth[0] >= 5 * MiB


async def test_original_constructors_are_out_of_reach(start_engine: StartEngine) -> None:
    """Every constructor reachable from a wrapper is the wrapper itself, %TypedArray% or
    Function.prototype, and the last two construct nothing."""
    outcome = await run_case(start_engine, REACH_JS, "reach")
    assert outcome.status == "result", outcome.error
    count, found = outcome.result
    assert count >= 16  # the buffers, the wasm classes and 11 typed arrays or more
    assert found == []


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("value-of", [16, 1]),
        ("array-like", [2, 1]),
        ("max-byte-length", [32, 1]),
        ("memory-initial", [65536, 1]),
    ],
)
async def test_arguments_are_converted_once(
    start_engine: StartEngine, which: str, expected: list[int]
) -> None:
    """A length that answers differently each time it is converted is read once: the buffer
    has the size that was checked (the second answer would be 256 MiB)."""
    outcome = await run_case(start_engine, ONCE_JS, which)
    assert (outcome.status, outcome.result) == ("result", expected), outcome.error


async def test_a_huge_length_is_refused(start_engine: StartEngine) -> None:
    assert_refused(await run_case(start_engine, ONCE_JS, "huge-first"))


@pytest.mark.parametrize("which", names(ALLOWED_JS))
async def test_ordinary_buffer_use_under_the_cap_works(
    start_engine: StartEngine, which: str
) -> None:
    outcome = await run_case(start_engine, ALLOWED_JS, which)
    assert outcome.status == "result", outcome.error
    assert outcome.result == ALLOWED[which]


async def test_refusal_leaves_the_runner_working(start_engine: StartEngine) -> None:
    """After a refused allocation the same runner serves the next invocations. A memory that
    wasm code may grow counts its maximum (6 MiB here) as long as it lives."""
    harness = await start(start_engine, SEQUENCE_JS)
    assert_refused(await harness.invoke("verify", "refused"))
    assert (await harness.invoke("verify", "one")).result == MiB
    assert (await harness.invoke("verify", "pinned")).result == 65536
    # 6 MiB for the memory (alive: a global) + 3 MiB is over 8, collected garbage or not
    assert_refused(await harness.invoke("verify", "three"))
    assert harness.restarts == 0


def test_every_case_is_found() -> None:
    """names() sees every case of every table (a name it cannot read would be skipped)."""
    for cases in (BYPASSES_JS, ALLOWED_JS, REACH_JS, ONCE_JS, SEQUENCE_JS):
        found = names(cases)
        assert len(found) == cases.count('\n  "') == len(set(found))
    assert sorted(names(ALLOWED_JS)) == sorted(ALLOWED)
