// scriptbridge engine: caps on memory that V8's heap limit does not count.
//
// A runner's hard heap limit (set from Python) stops runaway objects and strings, but
// ArrayBuffer backing stores live outside the V8 heap: without a cap, one
// `new Uint8Array(2 ** 30)` takes a gigabyte from the host process. This file replaces the
// buffer constructors with subclasses that count the bytes of live buffers per runner and
// throw a RangeError past the cap. Counts drop again when a buffer is garbage collected.
//
// Evaluated once per runner, before any other prelude file. The cap is set when a connection
// adopts the runner, through `__sb_boot.setBufferCap(bytes)`; until then nothing is allowed.
(function () {
  "use strict";
  let cap = 0;
  let capMiB = 0;
  globalThis.__sb_boot.setBufferCap = (bytes) => {
    cap = bytes;
    capMiB = Math.round(cap / 1048576);
  };
  const OriginalArrayBuffer = ArrayBuffer;
  const OriginalSharedArrayBuffer = SharedArrayBuffer;
  // The engine's own buffer (runtime.js) is not the script's, and is not counted.
  globalThis.__sb_boot.UncountedSharedArrayBuffer = OriginalSharedArrayBuffer;
  let live = 0;
  const released = new FinalizationRegistry((bytes) => {
    live -= bytes;
  });

  function reserve(bytes) {
    if (typeof bytes !== "number" || !(bytes > 0)) return;
    if (live + bytes > cap) {
      throw new RangeError(
        `Array buffer allocation failed: ${bytes} bytes would exceed the ${capMiB} MiB ` +
          "that scriptbridge allows a script's buffers (connection setting buffer_mb)",
      );
    }
  }
  function track(buffer, bytes) {
    if (bytes > 0) {
      live += bytes;
      released.register(buffer, bytes);
    }
    return buffer;
  }

  function wrapBufferClass(Original) {
    class Capped extends Original {
      constructor(length, options) {
        const bytes = Math.max(
          Number(length) || 0,
          options && options.maxByteLength ? Number(options.maxByteLength) || 0 : 0,
        );
        reserve(bytes);
        super(length, options);
        track(this, bytes);
      }
    }
    Object.defineProperty(Capped, "name", { value: Original.name });
    for (const method of ["transfer", "transferToFixedLength"]) {
      const original = Original.prototype[method];
      if (typeof original !== "function") continue;
      Object.defineProperty(Capped.prototype, method, {
        value: function (newLength) {
          const bytes = newLength === undefined ? this.byteLength : Number(newLength) || 0;
          reserve(bytes);
          return track(original.call(this, newLength), bytes);
        },
        writable: true,
        configurable: true,
      });
    }
    return Capped;
  }

  const CappedArrayBuffer = wrapBufferClass(ArrayBuffer);
  const CappedSharedArrayBuffer = wrapBufferClass(SharedArrayBuffer);
  globalThis.ArrayBuffer = CappedArrayBuffer;
  globalThis.SharedArrayBuffer = CappedSharedArrayBuffer;

  // Typed arrays allocate their own buffer when given a length, an array-like or an iterable.
  const typedArrayNames = [
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array",
    "BigUint64Array", "Float16Array",
  ];
  for (const name of typedArrayNames) {
    const Original = globalThis[name];
    if (typeof Original !== "function") continue;
    const size = Original.BYTES_PER_ELEMENT;
    class Capped extends Original {
      constructor(source, byteOffset, length) {
        let elements = 0;
        if (typeof source === "number") {
          elements = source;
        } else if (
          source !== null &&
          typeof source === "object" &&
          !(source instanceof OriginalArrayBuffer) &&
          !(source instanceof OriginalSharedArrayBuffer)
        ) {
          elements = typeof source.length === "number" ? source.length : 0;
        }
        const bytes = elements * size;
        reserve(bytes);
        super(...arguments);
        if (bytes > 0) track(this.buffer, bytes);
      }
    }
    Object.defineProperty(Capped, "name", { value: name });
    globalThis[name] = Capped;
  }

  // WebAssembly memories are buffers too.
  if (typeof WebAssembly === "object" && WebAssembly.Memory) {
    const OriginalMemory = WebAssembly.Memory;
    const page = 65536;
    class CappedMemory extends OriginalMemory {
      constructor(descriptor) {
        const pages = Math.max(
          Number(descriptor && descriptor.initial) || 0,
          Number(descriptor && descriptor.maximum) || 0,
        );
        reserve(pages * page);
        super(descriptor);
        track(this, pages * page);
      }
    }
    WebAssembly.Memory = CappedMemory;
  }
})();
