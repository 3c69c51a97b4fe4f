// scriptbridge engine: caps on memory that V8's heap limit does not count.
//
// A runner's hard heap limit (set from Python) stops runaway objects and strings, but the
// memory of ArrayBuffers, SharedArrayBuffers and WebAssembly memories (their backing stores)
// lives outside the V8 heap: without a cap, one `new Uint8Array(2 ** 30)` takes a gigabyte from
// the host process. This file counts the bytes of every live buffer a script can allocate and
// throws a RangeError, before allocating, when a new buffer would take the total past the cap.
//
// How every allocation is seen:
// - The constructors (ArrayBuffer, SharedArrayBuffer, every typed array, WebAssembly.Memory,
//   .Module and .Instance) are replaced by plain functions that share the built-in prototype
//   objects, so `instanceof`, `.constructor` and subclassing (the prelude's Buffer) keep
//   working, while the built-in constructors are out of reach: no prototype's `constructor`, no
//   wrapper's [[Prototype]] and no Symbol.species getter leads back to them.
// - Arguments are converted once (ToIndex and the like) and the built-ins get the converted
//   values, with no script code running between the check and the allocation. The requested
//   size is reserved before the call, so a huge request fails before allocating, and replaced
//   afterwards by what was actually allocated. An iterable is read into a list first.
// - Built-in methods that allocate are replaced too: ArrayBuffer and SharedArrayBuffer `slice`
//   and typed-array `slice`, `map` and `filter` (reimplemented here, since the built-ins use the
//   original constructors when `constructor` or Symbol.species is undefined), `toReversed`,
//   `toSorted`, `with`, `Uint8Array.fromBase64` and `.fromHex`, and `transfer` and
//   `transferToFixedLength` (a transfer releases the detached buffer's bytes).
// - A resizable ArrayBuffer (growable SharedArrayBuffer) counts its maximum from the start: V8
//   reserves address space for it from a budget all runners share.
// - A WebAssembly memory counts its current size while only JavaScript can grow it (`grow`,
//   or `resize` of its resizable buffer). Wasm code can grow a memory unseen, up to its maximum,
//   so a memory a module defines counts its maximum from instantiation on, and a memory counts
//   its maximum from the moment it is imported into an instance. A memory without a maximum
//   could grow to 4 GiB (wasm64: far more): a module that defines one cannot be instantiated,
//   nor can one be imported. The sizes of a module's own memories are read from its binary.
// - Typed arrays of at most 64 bytes are not counted: V8 keeps their bytes on its heap.
//
// Counts drop when a buffer is garbage collected (FinalizationRegistry). Accounting therefore
// lags collection: a short-lived buffer keeps counting until V8 collects it, so a burst of
// short-lived allocations (within one synchronous stretch, or between two collections) can fail
// under a small cap even though little of it is alive at any time.
//
// Evaluated once per runner, before any other prelude file. The cap is set when a connection
// adopts the runner, through `__sb_boot.setBufferCap(bytes)`; until then nothing is allowed.
// The engine's own buffer is made with `__sb_boot.UncountedSharedArrayBuffer` (runtime.js).
(function () {
  "use strict";
  const G = globalThis;
  const boot = G.__sb_boot;

  // Built-ins used below, captured before any script can replace them.
  const { apply, construct, defineProperty, getOwnPropertyDescriptor } = Reflect;
  const { getPrototypeOf, ownKeys, setPrototypeOf } = Reflect;
  const { assign: ObjectAssign, create: ObjectCreate, hasOwn } = Object;
  const ArrayIsArray = Array.isArray;
  const { ceil: MathCeil, floor: MathFloor, max: MathMax, min: MathMin } = Math;
  const { round: MathRound, trunc: MathTrunc } = Math;
  const NativeBigInt = BigInt;
  const NativeNumber = Number;
  const NativePromise = Promise;
  const NativeRangeError = RangeError;
  const NativeTypeError = TypeError;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const { get: weakGet, has: weakHas, set: weakSet } = WeakMap.prototype;
  const register = FinalizationRegistry.prototype.register;
  const SymbolIterator = Symbol.iterator;
  const SymbolSpecies = Symbol.species;

  function getter(object, key) {
    return getOwnPropertyDescriptor(object, key).get;
  }
  function isObject(value) {
    return (typeof value === "object" && value !== null) || typeof value === "function";
  }
  // ToIntegerOrInfinity: the one conversion of a script's number (valueOf runs once).
  function toInteger(value) {
    const number = +value;
    return number !== number ? 0 : MathTrunc(number) + 0;
  }
  function toLength(value) {
    const integer = toInteger(value);
    return integer <= 0 ? 0 : MathMin(integer, 2 ** 53 - 1);
  }
  // A relative index (slice's start and end) clamped to [0, length].
  function clampIndex(value, length) {
    const relative = toInteger(value);
    if (relative < 0) return relative === -Infinity ? 0 : MathMax(length + relative, 0);
    return MathMin(relative, length);
  }
  // An options object for a built-in: nothing a script could intercept.
  function plainObject(entries) {
    return ObjectAssign(ObjectCreate(null), entries);
  }

  // Replace constructor `Original` (`owner[key]`) by `wrapper`, which takes over its prototype
  // object and static properties; the prototype's `constructor` then names the wrapper.
  function install(owner, key, Original, wrapper) {
    defineProperty(wrapper, "prototype", { value: Original.prototype, writable: false });
    const keys = ownKeys(Original);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== "prototype" && keys[i] !== "name" && keys[i] !== "length") {
        defineProperty(wrapper, keys[i], getOwnPropertyDescriptor(Original, keys[i]));
      }
    }
    defineProperty(Original.prototype, "constructor", {
      value: wrapper,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    const descriptor = getOwnPropertyDescriptor(owner, key);
    descriptor.value = wrapper;
    defineProperty(owner, key, descriptor);
  }
  // Replace properties of `object` by those of `methods`, defined as the methods (or accessors)
  // of an object literal: not constructors, named and sized like the built-ins.
  function replaceMethods(object, methods) {
    const keys = ownKeys(methods);
    for (let i = 0; i < keys.length; i++) {
      const descriptor = getOwnPropertyDescriptor(methods, keys[i]);
      const old = getOwnPropertyDescriptor(object, keys[i]);
      descriptor.enumerable = old === undefined ? false : old.enumerable;
      defineProperty(object, keys[i], descriptor);
    }
  }
  // The prototype of an object that `wrapper` makes for `newTarget` (GetPrototypeFromConstructor).
  // Script code may run here, before anything is reserved. The built-ins are then constructed
  // with themselves as new.target, so that none runs inside them, and the prototype is set after.
  function prototypeFor(newTarget, wrapper, fallback) {
    if (newTarget === wrapper) return fallback;
    const prototype = newTarget.prototype;
    return isObject(prototype) ? prototype : fallback;
  }
  function withPrototype(object, prototype, fallback) {
    if (prototype !== fallback) setPrototypeOf(object, prototype);
    return object;
  }
  // SpeciesConstructor(object, defaultConstructor); the default is always a wrapper.
  function speciesConstructor(object, defaultConstructor) {
    const C = object.constructor;
    if (C === undefined) return defaultConstructor;
    if (!isObject(C)) throw new NativeTypeError("object.constructor is not an object");
    const S = C[SymbolSpecies];
    return S === undefined || S === null ? defaultConstructor : S;
  }

  // --- Accounting ------------------------------------------------------------------------------

  let cap = 0;
  let capMiB = 0;
  boot.setBufferCap = (bytes) => {
    cap = bytes;
    capMiB = MathRound(cap / 1048576);
  };
  let live = 0; // bytes of live buffers, plus reservations for allocations in progress

  // A charge is what one block of memory counts: {bytes, holders}. It is released once every
  // object that keeps the block alive (its holders) has been collected: a buffer holds its own
  // charge; a WebAssembly memory's is held by the memory, by every buffer it handed out and, for
  // a memory that a module defines, by the instance.
  const released = new FinalizationRegistry((charge) => {
    charge.holders -= 1;
    if (charge.holders === 0) {
      live -= charge.bytes;
      charge.bytes = 0;
    }
  });
  const chargeOf = new WeakMap(); // holder -> charge

  function hold(charge, object) {
    if (apply(weakGet, chargeOf, [object]) === charge) return;
    apply(weakSet, chargeOf, [object, charge]);
    charge.holders += 1;
    apply(register, released, [object, charge]);
  }

  // Count `bytes` before allocating them. Returns what was reserved, to give back if the
  // allocation fails or to replace by what it took.
  function reserve(bytes) {
    if (!(bytes > 0)) return 0;
    if (live + bytes > cap) {
      throw new NativeRangeError(
        `Array buffer allocation failed: ${bytes} bytes would exceed the ${capMiB} MiB ` +
          "that scriptbridge allows a script's buffers (connection setting buffer_mb)",
      );
    }
    live += bytes;
    return bytes;
  }
  // Reserve `bytes`, then call `method` on `receiver` with `args`, giving the reservation back
  // if it throws. Returns the result and the amount reserved.
  function reserved(bytes, method, receiver, args) {
    const amount = reserve(bytes);
    try {
      return { result: apply(method, receiver, args), amount };
    } catch (error) {
      live -= amount;
      throw error;
    }
  }
  // A new buffer that counts `bytes` was allocated in place of the `amount` reserved.
  function chargeBuffer(buffer, bytes, amount) {
    if (apply(weakHas, chargeOf, [buffer])) {
      live -= amount; // counted already: a wrapper made it (through a species constructor)
      return;
    }
    live += bytes - amount;
    if (bytes > 0) hold({ bytes, holders: 0 }, buffer);
  }

  // --- ArrayBuffer and SharedArrayBuffer -------------------------------------------------------

  const OriginalArrayBuffer = ArrayBuffer;
  const ArrayBufferPrototype = OriginalArrayBuffer.prototype;
  const abByteLength = getter(ArrayBufferPrototype, "byteLength");
  const abMaxByteLength = getter(ArrayBufferPrototype, "maxByteLength");
  const abResizable = getter(ArrayBufferPrototype, "resizable");
  const abDetached = getter(ArrayBufferPrototype, "detached");
  const abResize = ArrayBufferPrototype.resize;
  const abTransfer = ArrayBufferPrototype.transfer;
  const abTransferToFixedLength = ArrayBufferPrototype.transferToFixedLength;

  const OriginalSharedArrayBuffer = SharedArrayBuffer;
  const SharedArrayBufferPrototype = OriginalSharedArrayBuffer.prototype;
  const sabByteLength = getter(SharedArrayBufferPrototype, "byteLength");
  const sabMaxByteLength = getter(SharedArrayBufferPrototype, "maxByteLength");
  const sabGrowable = getter(SharedArrayBufferPrototype, "growable");
  const sabGrow = SharedArrayBufferPrototype.grow;
  // The engine's own buffer (runtime.js) is not the script's, and is not counted.
  boot.UncountedSharedArrayBuffer = OriginalSharedArrayBuffer;

  // What a buffer counts: its length or, if resizable (growable), its maximum.
  function abBytes(buffer) {
    return apply(apply(abResizable, buffer, []) ? abMaxByteLength : abByteLength, buffer, []);
  }
  function sabBytes(buffer) {
    return apply(apply(sabGrowable, buffer, []) ? sabMaxByteLength : sabByteLength, buffer, []);
  }
  // (No loops over arrays here or below: a script can replace the array iterator.)
  function isAnyArrayBuffer(value) {
    try {
      apply(abByteLength, value, []);
      return true;
    } catch {
      // not an ArrayBuffer
    }
    try {
      apply(sabByteLength, value, []);
      return true;
    } catch {
      return false;
    }
  }

  // Buffers that alias a WebAssembly memory (`memory.buffer` and the like) -> the memory's record.
  const aliases = new WeakMap();

  // Grow a WebAssembly memory by `bytes`, through `method` (Memory#grow, or resize or grow of a
  // buffer aliasing it).
  function growMemory(record, bytes, method, receiver, args) {
    if (record.pinned) return apply(method, receiver, args); // counts its maximum already
    const { result, amount } = reserved(bytes, method, receiver, args);
    record.charge.bytes += amount;
    return result;
  }

  function bufferConstructor(Original, name, bytesOf) {
    const prototype = Original.prototype;
    const wrapper = {
      [name]: function (length) {
        if (new.target === undefined) {
          throw new NativeTypeError(`Constructor ${name} requires 'new'`);
        }
        const options = arguments[1];
        const size = toInteger(length);
        let max = isObject(options) ? options.maxByteLength : undefined;
        if (max !== undefined) max = toInteger(max);
        const target = prototypeFor(new.target, wrapper, prototype);
        const amount = reserve(max === undefined ? size : MathMax(size, max));
        let buffer;
        try {
          buffer =
            max === undefined
              ? new Original(size)
              : new Original(size, plainObject({ maxByteLength: max }));
        } catch (error) {
          live -= amount;
          throw error;
        }
        chargeBuffer(buffer, bytesOf(buffer), amount);
        return withPrototype(buffer, target, prototype);
      },
    }[name];
    install(G, name, Original, wrapper);
    return wrapper;
  }
  const CappedArrayBuffer = bufferConstructor(OriginalArrayBuffer, "ArrayBuffer", abBytes);
  const CappedSharedArrayBuffer = bufferConstructor(
    OriginalSharedArrayBuffer,
    "SharedArrayBuffer",
    sabBytes,
  );

  // Views on existing buffers allocate nothing.
  const OriginalUint8Array = Uint8Array;
  const TypedArray = getPrototypeOf(OriginalUint8Array);
  const TypedArrayPrototype = TypedArray.prototype;
  const taSet = TypedArrayPrototype.set;
  function copyBytes(target, targetOffset, source, sourceOffset, count) {
    if (count > 0) {
      const to = new OriginalUint8Array(target, targetOffset, count);
      apply(taSet, to, [new OriginalUint8Array(source, sourceOffset, count)]);
    }
  }

  // ArrayBuffer#resize and SharedArrayBuffer#grow: a buffer counts its maximum already, unless
  // it aliases a WebAssembly memory, which then grows.
  function resizeBuffer(buffer, byteLength, method, newLength) {
    apply(byteLength, buffer, []); // a TypeError unless the right kind of buffer
    const size = toInteger(newLength);
    const record = apply(weakGet, aliases, [buffer]);
    if (record === undefined) return apply(method, buffer, [size]);
    return growMemory(record, size - apply(byteLength, buffer, []), method, buffer, [size]);
  }

  // ArrayBuffer#transfer and #transferToFixedLength: the new buffer is counted, the detached
  // one no longer is.
  function transferBuffer(buffer, method, newLength) {
    apply(abByteLength, buffer, []); // a TypeError unless an ArrayBuffer
    const args = newLength === undefined ? [] : [toInteger(newLength)];
    if (apply(weakHas, aliases, [buffer])) return apply(method, buffer, args); // not detachable
    const charge = apply(weakGet, chargeOf, [buffer]);
    const old = charge === undefined ? 0 : charge.bytes;
    const length = newLength === undefined ? apply(abByteLength, buffer, []) : args[0];
    // transfer() keeps a resizable buffer resizable, with the same maximum
    const stays = method === abTransfer && apply(abResizable, buffer, []);
    const bytes = stays ? MathMax(length, apply(abMaxByteLength, buffer, [])) : length;
    const { result, amount } = reserved(bytes - old, method, buffer, args);
    if (charge !== undefined) {
      live -= charge.bytes;
      charge.bytes = 0;
    }
    chargeBuffer(result, abBytes(result), amount);
    return result;
  }

  // ArrayBuffer#slice and SharedArrayBuffer#slice, with the new buffer from SpeciesConstructor.
  function sliceBuffer(buffer, start, end, shared) {
    const byteLength = shared ? sabByteLength : abByteLength;
    const detached = (b) => !shared && apply(abDetached, b, []);
    const length = apply(byteLength, buffer, []); // a TypeError unless the right kind
    if (detached(buffer)) throw new NativeTypeError("Cannot slice a detached ArrayBuffer");
    const first = clampIndex(start, length);
    const final = end === undefined ? length : clampIndex(end, length);
    const newLength = MathMax(final - first, 0);
    const C = speciesConstructor(buffer, shared ? CappedSharedArrayBuffer : CappedArrayBuffer);
    const result = construct(C, [newLength]);
    const resultLength = apply(byteLength, result, []); // a TypeError unless the right kind
    if (detached(result)) throw new NativeTypeError("The species constructor's buffer is detached");
    if (result === buffer) throw new NativeTypeError("The species constructor returned the buffer");
    if (resultLength < newLength) {
      throw new NativeTypeError("The species constructor returned a buffer too small");
    }
    if (detached(buffer)) throw new NativeTypeError("Cannot slice a detached ArrayBuffer");
    const current = apply(byteLength, buffer, []);
    if (first < current) copyBytes(result, 0, buffer, first, MathMin(newLength, current - first));
    return result;
  }

  replaceMethods(ArrayBufferPrototype, {
    slice(start, end) {
      return sliceBuffer(this, start, end, false);
    },
    resize(newLength) {
      return resizeBuffer(this, abByteLength, abResize, newLength);
    },
    transfer() {
      return transferBuffer(this, abTransfer, arguments[0]);
    },
    transferToFixedLength() {
      return transferBuffer(this, abTransferToFixedLength, arguments[0]);
    },
  });
  replaceMethods(SharedArrayBufferPrototype, {
    slice(start, end) {
      return sliceBuffer(this, start, end, true);
    },
    grow(newLength) {
      return resizeBuffer(this, sabByteLength, sabGrow, newLength);
    },
  });

  // --- Typed arrays ----------------------------------------------------------------------------

  const taLength = getter(TypedArrayPrototype, "length");
  const taBuffer = getter(TypedArrayPrototype, "buffer");
  const taByteLength = getter(TypedArrayPrototype, "byteLength");
  const taByteOffset = getter(TypedArrayPrototype, "byteOffset");
  const taKind = getter(TypedArrayPrototype, Symbol.toStringTag); // undefined if not one
  const taAt = TypedArrayPrototype.at;
  const taToReversed = TypedArrayPrototype.toReversed;
  const taToSorted = TypedArrayPrototype.toSorted;
  const taWith = TypedArrayPrototype.with;
  // Reading a plain array with the built-in iterator untouched needs no iterator protocol.
  const arrayValues = Array.prototype.values;
  const ArrayIteratorPrototype = getPrototypeOf(apply(arrayValues, [], []));
  const arrayIteratorNext = ArrayIteratorPrototype.next;

  // V8 keeps the bytes of a typed array this small on its heap, which the heap limit covers.
  const ON_HEAP_BYTES = 64;
  function reserveBytes(bytes) {
    return bytes > ON_HEAP_BYTES ? reserve(bytes) : 0;
  }
  // A typed array with a new buffer was made in place of the `amount` reserved.
  function chargeTypedArray(array, amount) {
    const bytes = apply(taByteLength, array, []);
    if (bytes > ON_HEAP_BYTES) {
      chargeBuffer(apply(taBuffer, array, []), bytes, amount);
    } else {
      live -= amount;
    }
    return array;
  }

  const kinds = ObjectCreate(null); // "Uint8Array" -> {wrapper, size, bigint}
  function kindOf(value) {
    return apply(taKind, value, []);
  }
  // ValidateTypedArray: its kind, or a TypeError (not a typed array, detached, out of bounds).
  function validTypedArray(value) {
    const kind = kindOf(value);
    if (kind === undefined) throw new NativeTypeError("this is not a typed array.");
    apply(taAt, value, [0]);
    return kind;
  }
  // TypedArraySpeciesCreate(exemplar, [length]).
  function speciesCreate(exemplar, kind, length) {
    const C = speciesConstructor(exemplar, kinds[kind].wrapper);
    const result = construct(C, [length]);
    const resultKind = validTypedArray(result);
    if (apply(taLength, result, []) < length) {
      throw new NativeTypeError("The species constructor returned a typed array too short");
    }
    if (kinds[resultKind].bigint !== kinds[kind].bigint) {
      throw new NativeTypeError("The species constructor returned another content type");
    }
    return result;
  }
  // A built-in method that makes a copy of `array` (V8 reads its length before anything else).
  function copying(array, method, args) {
    const kind = validTypedArray(array);
    const bytes = apply(taLength, array, []) * kinds[kind].size;
    const amount = reserveBytes(bytes);
    let result;
    try {
      result = apply(method, array, args);
    } catch (error) {
      live -= amount;
      throw error;
    }
    return chargeTypedArray(result, amount);
  }

  // The elements of an iterable, read before anything is allocated (IteratorToList).
  function listOf(iterable, usingIterator) {
    const values = [];
    let count = 0;
    if (
      ArrayIsArray(iterable) &&
      usingIterator === arrayValues &&
      ArrayIteratorPrototype.next === arrayIteratorNext
    ) {
      // what the array iterator does: read the length before each element
      for (let k = 0; k < iterable.length; k++) values[count++] = iterable[k];
    } else {
      for (const value of { [SymbolIterator]: () => apply(usingIterator, iterable, []) }) {
        values[count++] = value;
      }
    }
    return { values, count };
  }

  function typedArrayConstructor(name, Original) {
    const size = Original.BYTES_PER_ELEMENT;
    const prototype = Original.prototype;
    const allocate = (count) => {
      const amount = reserveBytes(count * size);
      let array;
      try {
        array = new Original(count);
      } catch (error) {
        live -= amount;
        throw error;
      }
      return chargeTypedArray(array, amount);
    };
    const wrapper = {
      [name]: function (first, byteOffset, length) {
        if (new.target === undefined) {
          throw new NativeTypeError(`Constructor ${name} requires 'new'`);
        }
        const target = prototypeFor(new.target, wrapper, prototype);
        let result;
        if (!isObject(first)) {
          // new Uint8Array(length)
          result = allocate(toInteger(first));
        } else if (kindOf(first) !== undefined) {
          // a copy of another typed array
          const amount = reserveBytes(apply(taLength, first, []) * size);
          try {
            result = new Original(first);
          } catch (error) {
            live -= amount;
            throw error;
          }
          chargeTypedArray(result, amount);
        } else if (!ArrayIsArray(first) && isAnyArrayBuffer(first)) {
          // a view on an existing buffer
          const offset = toInteger(byteOffset);
          result =
            length === undefined
              ? new Original(first, offset)
              : new Original(first, offset, toInteger(length));
        } else {
          // an iterable or array-like: its elements are read before anything is allocated
          const usingIterator = first[SymbolIterator];
          if (usingIterator !== undefined && usingIterator !== null) {
            if (typeof usingIterator !== "function") {
              throw new NativeTypeError("Symbol.iterator is not a function");
            }
            const { values, count } = listOf(first, usingIterator);
            result = allocate(count);
            apply(taSet, result, [values]); // our own array: only element conversions run
          } else {
            const count = toLength(first.length);
            result = allocate(count);
            for (let k = 0; k < count; k++) result[k] = first[k];
          }
        }
        return withPrototype(result, target, prototype);
      },
    }[name];
    setPrototypeOf(wrapper, TypedArray); // from, of and Symbol.species, as before
    kinds[name] = { wrapper, size, bigint: name.startsWith("Big") };
    install(G, name, Original, wrapper);
  }
  // Every typed-array constructor (Float16Array included), whichever this V8 has.
  const globalNames = ownKeys(G);
  for (let i = 0; i < globalNames.length; i++) {
    const name = globalNames[i];
    const descriptor = getOwnPropertyDescriptor(G, name);
    const value = descriptor.value;
    if (typeof value === "function" && getPrototypeOf(value) === TypedArray) {
      typedArrayConstructor(name, value);
    }
  }

  replaceMethods(TypedArrayPrototype, {
    slice(start, end) {
      const kind = validTypedArray(this);
      let length = apply(taLength, this, []);
      let k = clampIndex(start, length);
      let final = end === undefined ? length : clampIndex(end, length);
      let count = MathMax(final - k, 0);
      const result = speciesCreate(this, kind, count);
      if (count > 0) {
        validTypedArray(this);
        length = apply(taLength, this, []);
        final = MathMin(final, length);
        count = MathMax(final - k, 0);
        if (kindOf(result) === kind) {
          const size = kinds[kind].size;
          copyBytes(
            apply(taBuffer, result, []),
            apply(taByteOffset, result, []),
            apply(taBuffer, this, []),
            apply(taByteOffset, this, []) + k * size,
            MathMin(count * size, apply(taByteLength, result, [])),
          );
        } else {
          for (let n = 0; k < final; k++, n++) result[n] = this[k];
        }
      }
      return result;
    },
    map(callbackfn) {
      const kind = validTypedArray(this);
      const length = apply(taLength, this, []);
      if (typeof callbackfn !== "function") {
        throw new NativeTypeError(`${typeof callbackfn} is not a function`);
      }
      const thisArg = arguments[1];
      const result = speciesCreate(this, kind, length);
      for (let k = 0; k < length; k++) {
        result[k] = apply(callbackfn, thisArg, [this[k], k, this]);
      }
      return result;
    },
    filter(callbackfn) {
      const kind = validTypedArray(this);
      const length = apply(taLength, this, []);
      if (typeof callbackfn !== "function") {
        throw new NativeTypeError(`${typeof callbackfn} is not a function`);
      }
      const thisArg = arguments[1];
      const kept = [];
      let captured = 0;
      for (let k = 0; k < length; k++) {
        const value = this[k];
        if (apply(callbackfn, thisArg, [value, k, this])) kept[captured++] = value;
      }
      const result = speciesCreate(this, kind, captured);
      for (let n = 0; n < captured; n++) result[n] = kept[n];
      return result;
    },
    toReversed() {
      return copying(this, taToReversed, []);
    },
    toSorted(comparefn) {
      if (comparefn !== undefined && typeof comparefn !== "function") {
        throw new NativeTypeError("The comparison function must be either a function or undefined");
      }
      return copying(this, taToSorted, [comparefn]);
    },
    with(index, value) {
      return copying(this, taWith, [index, value]);
    },
  });

  // Uint8Array.fromBase64 and .fromHex: at most 3 bytes per 4 characters, 1 per 2.
  const fromBase64 = OriginalUint8Array.fromBase64;
  const fromHex = OriginalUint8Array.fromHex;
  function decode(method, args, bytes) {
    const amount = reserveBytes(bytes);
    let result;
    try {
      result = apply(method, OriginalUint8Array, args);
    } catch (error) {
      live -= amount;
      throw error;
    }
    return chargeTypedArray(result, amount);
  }
  const decoders = {
    fromBase64(string) {
      if (typeof string !== "string") throw new NativeTypeError("Input must be a string");
      const options = arguments[1];
      let args = [string];
      if (options !== undefined) {
        if (!isObject(options)) throw new NativeTypeError("Options must be an object");
        const { alphabet, lastChunkHandling } = options; // read once
        args = [string, plainObject({ alphabet, lastChunkHandling })];
      }
      return decode(fromBase64, args, MathCeil(string.length / 4) * 3);
    },
    fromHex(string) {
      if (typeof string !== "string") throw new NativeTypeError("Input must be a string");
      return decode(fromHex, [string], MathFloor(string.length / 2));
    },
  };
  if (typeof fromBase64 !== "function") delete decoders.fromBase64;
  if (typeof fromHex !== "function") delete decoders.fromHex;
  replaceMethods(kinds.Uint8Array.wrapper, decoders);

  // --- WebAssembly -----------------------------------------------------------------------------

  if (typeof WebAssembly === "object" && WebAssembly !== null) capWebAssembly(WebAssembly);

  function capWebAssembly(WA) {
    const PAGE = 65536;
    // What a memory without a maximum could grow to: wasm32's 4 GiB; wasm64's is far more.
    const UNBOUNDED_32 = 65536 * PAGE;
    const UNBOUNDED_64 = 2 ** 64;

    const OriginalMemory = WA.Memory;
    const MemoryPrototype = OriginalMemory.prototype;
    const memoryGrow = MemoryPrototype.grow;
    const memoryBuffer = getter(MemoryPrototype, "buffer");
    const memoryToResizable = MemoryPrototype.toResizableBuffer;
    const memoryToFixed = MemoryPrototype.toFixedLengthBuffer;
    const OriginalModule = WA.Module;
    const ModulePrototype = OriginalModule.prototype;
    const moduleImports = OriginalModule.imports;
    const moduleExports = OriginalModule.exports;
    const OriginalInstance = WA.Instance;
    const InstancePrototype = OriginalInstance.prototype;
    const instanceExports = getter(InstancePrototype, "exports");
    const originalCompile = WA.compile;

    // memory -> {charge, pinned, maxBytes, is64}; a pinned memory counts its maximum already
    const memories = new WeakMap();
    // module -> {bytes: the maxima of the memories it defines, defines: how many, canLeak}
    const modules = new WeakMap();

    // The record of a memory, undefined if `value` is no memory.
    function recordOf(value) {
      const record = apply(weakGet, memories, [value]);
      if (record !== undefined) return record;
      try {
        apply(memoryBuffer, value, []);
      } catch {
        return undefined;
      }
      throw new NativeTypeError("scriptbridge does not know this WebAssembly.Memory");
    }
    // `buffer` aliases the memory of `record` and was handed to the script.
    function alias(record, buffer) {
      if (record !== undefined) {
        hold(record.charge, buffer);
        apply(weakSet, aliases, [buffer, record]);
      }
      return buffer;
    }
    function pagesToBytes(pages) {
      const count = NativeNumber(pages);
      return count > 0 ? MathTrunc(count) * PAGE : 0;
    }
    // From now on wasm code may grow `memory` unseen: it counts its maximum.
    function pin(memory) {
      const record = recordOf(memory);
      if (record === undefined || record.pinned) return; // not a memory: V8 throws a LinkError
      const unbounded = record.is64 ? UNBOUNDED_64 : UNBOUNDED_32;
      const max = record.maxBytes === null ? unbounded : record.maxBytes;
      reserve(max - record.charge.bytes);
      record.charge.bytes = max;
      record.pinned = true;
    }

    const CappedMemory = function Memory(descriptor) {
      if (new.target === undefined) {
        throw new NativeTypeError("WebAssembly.Memory must be invoked with 'new'");
      }
      if (!isObject(descriptor)) {
        throw new NativeTypeError("WebAssembly.Memory(): Argument 0 must be a memory descriptor");
      }
      // Each property read once, in V8's order; the built-in gets the plain values.
      const clean = ObjectCreate(null);
      const address = descriptor.address;
      if (address !== undefined) clean.address = `${address}`;
      const is64 = clean.address === "i64";
      const convert = (value) =>
        value === undefined ? undefined : is64 ? NativeBigInt(value) : +value;
      clean.initial = convert(descriptor.initial);
      clean.maximum = convert(descriptor.maximum);
      clean.shared = !!descriptor.shared;
      const target = prototypeFor(new.target, CappedMemory, MemoryPrototype);
      const amount = reserve(pagesToBytes(clean.initial));
      let memory;
      try {
        memory = new OriginalMemory(clean);
      } catch (error) {
        live -= amount;
        throw error;
      }
      const maxBytes = clean.maximum === undefined ? null : pagesToBytes(clean.maximum);
      const record = { charge: { bytes: amount, holders: 0 }, pinned: false, maxBytes, is64 };
      hold(record.charge, memory);
      apply(weakSet, memories, [memory, record]);
      return withPrototype(memory, target, MemoryPrototype);
    };
    install(WA, "Memory", OriginalMemory, CappedMemory);

    const memoryMethods = {
      grow(delta) {
        const record = recordOf(this);
        if (record === undefined) return apply(memoryGrow, this, [delta]); // a TypeError
        const pages = record.is64 ? NativeBigInt(delta) : +delta;
        return growMemory(record, pagesToBytes(pages), memoryGrow, this, [pages]);
      },
      get buffer() {
        return alias(recordOf(this), apply(memoryBuffer, this, []));
      },
      toResizableBuffer() {
        return alias(recordOf(this), apply(memoryToResizable, this, []));
      },
      toFixedLengthBuffer() {
        return alias(recordOf(this), apply(memoryToFixed, this, []));
      },
    };
    if (typeof memoryToResizable !== "function") delete memoryMethods.toResizableBuffer;
    if (typeof memoryToFixed !== "function") delete memoryMethods.toFixedLengthBuffer;
    replaceMethods(MemoryPrototype, memoryMethods);

    // What the memories a module defines count (the sum of their maxima, an unbounded one what
    // it could grow to), how many there are and whether it has a start function, read from the
    // binary. Anything unexpected counts as unbounded; V8 validates the module itself.
    function readModule(source) {
      const unknown = { bytes: UNBOUNDED_64, defines: 1, hasStart: true };
      let bytes;
      try {
        if (!isObject(source)) return unknown;
        if (kindOf(source) !== undefined) {
          bytes = new OriginalUint8Array(
            apply(taBuffer, source, []),
            apply(taByteOffset, source, []),
            apply(taByteLength, source, []),
          );
        } else if (isAnyArrayBuffer(source)) {
          bytes = new OriginalUint8Array(source);
        } else {
          return unknown; // not a buffer source: V8 refuses it
        }
      } catch {
        return unknown;
      }
      const end = apply(taLength, bytes, []);
      let at = 8; // past the magic number and the version
      const leb = () => {
        let value = 0;
        for (let shift = 0; shift < 70; shift += 7) {
          if (at >= end) throw new NativeRangeError("truncated");
          const byte = bytes[at++];
          value += (byte & 0x7f) * 2 ** shift;
          if ((byte & 0x80) === 0) return value;
        }
        throw new NativeRangeError("overlong");
      };
      const result = { bytes: 0, defines: 0, hasStart: false };
      try {
        while (at < end) {
          const id = bytes[at++];
          const size = leb();
          const next = at + size;
          if (id === 5) {
            // the memory section: limits, whose flags are 1 (has a maximum), 2 (shared), 4 (wasm64)
            const count = leb();
            for (let i = 0; i < count; i++) {
              if (at >= end) return unknown;
              const flags = bytes[at++];
              if (flags > 7) return unknown; // e.g. custom page sizes
              leb(); // the minimum
              result.bytes += flags & 1 ? leb() * PAGE : flags & 4 ? UNBOUNDED_64 : UNBOUNDED_32;
              result.defines += 1;
            }
          } else if (id === 8) {
            result.hasStart = true;
          }
          at = next;
        }
      } catch {
        return unknown;
      }
      return result;
    }
    // A compiled module's record. A module can hand out its functions (and so keep its memories
    // alive) while it is being instantiated, even if instantiation then fails, through a start
    // function or through element segments written into an imported table.
    function remember(module, info) {
      let canLeak = info.hasStart;
      const imports = apply(moduleImports, undefined, [module]);
      for (let i = 0; i < imports.length; i++) {
        if (imports[i].kind === "table") canLeak = true;
      }
      apply(weakSet, modules, [module, { bytes: info.bytes, defines: info.defines, canLeak }]);
      return module;
    }

    // The import object as V8 will read it: each import read once from the script's object.
    // Imported memories are pinned.
    function cleanImports(module, importObject) {
      if (importObject === undefined) return undefined;
      if (!isObject(importObject)) {
        throw new NativeTypeError("WebAssembly.Instance(): Argument 1 must be an object");
      }
      const list = apply(moduleImports, undefined, [module]);
      const given = ObjectCreate(null);
      const clean = ObjectCreate(null);
      for (let i = 0; i < list.length; i++) {
        const moduleName = list[i].module;
        if (!hasOwn(given, moduleName)) {
          const value = importObject[moduleName];
          given[moduleName] = value;
          clean[moduleName] = isObject(value) ? ObjectCreate(null) : value;
        }
        const source = given[moduleName];
        if (!isObject(source)) continue; // V8 throws its TypeError
        const value = source[list[i].name];
        clean[moduleName][list[i].name] = value;
        if (list[i].kind === "memory") pin(value);
      }
      return clean;
    }

    function instantiate(module, importObject) {
      const info = apply(weakGet, modules, [module]);
      if (info === undefined) {
        apply(moduleExports, undefined, [module]); // a TypeError unless a module
        throw new NativeTypeError("scriptbridge did not compile this WebAssembly.Module");
      }
      const imports = cleanImports(module, importObject);
      const amount = reserve(info.bytes);
      let instance;
      try {
        instance = new OriginalInstance(module, imports);
      } catch (error) {
        // If the module's code may have run, its memories may be alive: they stay counted.
        if (!info.canLeak) live -= amount;
        throw error;
      }
      if (info.defines > 0) {
        const charge = { bytes: amount, holders: 0 };
        hold(charge, instance); // every function of the instance keeps it alive
        const exported = apply(instanceExports, instance, []);
        const list = apply(moduleExports, undefined, [module]);
        for (let i = 0; i < list.length; i++) {
          if (list[i].kind !== "memory") continue;
          const memory = exported[list[i].name];
          if (apply(weakHas, memories, [memory])) continue; // an import, exported again
          apply(weakSet, memories, [memory, { charge, pinned: true, maxBytes: null, is64: false }]);
          hold(charge, memory);
        }
      }
      return instance;
    }

    const CappedModule = function Module(bytes) {
      if (new.target === undefined) {
        throw new NativeTypeError("WebAssembly.Module must be invoked with 'new'");
      }
      const options = arguments[1];
      const target = prototypeFor(new.target, CappedModule, ModulePrototype);
      // V8 copies the bytes before it reads the options: it compiles what was read here.
      const info = readModule(bytes);
      const module = new OriginalModule(bytes, options);
      return withPrototype(remember(module, info), target, ModulePrototype);
    };
    install(WA, "Module", OriginalModule, CappedModule);

    const CappedInstance = function Instance(module) {
      if (new.target === undefined) {
        throw new NativeTypeError("WebAssembly.Instance must be invoked with 'new'");
      }
      const importObject = arguments[1];
      const target = prototypeFor(new.target, CappedInstance, InstancePrototype);
      return withPrototype(instantiate(module, importObject), target, InstancePrototype);
    };
    install(WA, "Instance", OriginalInstance, CappedInstance);

    // The reactions are attached with the captured `then` to V8's own promises, so they get the
    // real module (`await` would consult the script's Promise.prototype.constructor and `then`,
    // which could hand in another module).
    replaceMethods(WA, {
      compile(bytes) {
        const options = arguments[1];
        const info = readModule(bytes); // V8 copies the bytes synchronously, below
        const compiled = apply(originalCompile, WA, [bytes, options]);
        return apply(promiseThen, compiled, [(module) => remember(module, info)]);
      },
      instantiate(source) {
        const importObject = arguments[1];
        const options = arguments[2];
        if (apply(weakHas, modules, [source])) {
          const start = apply(promiseResolve, NativePromise, [undefined]);
          return apply(promiseThen, start, [() => instantiate(source, importObject)]);
        }
        const info = readModule(source);
        const compiled = apply(originalCompile, WA, [source, options]);
        return apply(promiseThen, compiled, [
          (module) => {
            remember(module, info);
            return { module, instance: instantiate(module, importObject) };
          },
        ]);
      },
    });
    // Streaming compilation needs fetch's Response, which scriptbridge has not got.
    delete WA.compileStreaming;
    delete WA.instantiateStreaming;
  }
})();
