// util.inspect: values printed the way Node's console prints them. Defines
// `__sb_internals.inspect`, which format.js publishes.
//
// Differences from Node: no colors, no `sorted`/`getters`/`showProxy` options, `compact: true`
// is treated as 3, a Proxy prints as its target, and a Promise prints its state as unknown
// (plain JavaScript cannot read it).
(function () {
  'use strict';

  const internals = globalThis.__sb_internals;
  const { types, codec } = internals;
  const CUSTOM = Symbol.for('nodejs.util.inspect.custom');
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const isIndex = (key) => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  // Like Node, anything inheriting from Error.prototype prints as an error.
  const isError = (value) => value instanceof Error ||
    (typeof Error.isError === 'function' && Error.isError(value));

  // Node's util.inspect.defaultOptions.
  const DEFAULTS = Object.freeze({
    showHidden: false, depth: 2, colors: false, customInspect: true, showProxy: false,
    maxArrayLength: 100, maxStringLength: 10000, breakLength: 80, compact: 3, sorted: false,
    getters: false, numericSeparator: false,
  });

  function inspect(value, options) {
    const ctx = { ...DEFAULTS, seen: [], circular: new Map(), indentation: 0, currentDepth: 0 };
    if (typeof options === 'boolean') {
      ctx.showHidden = options; // the legacy inspect(value, showHidden, depth) form
      if (arguments[2] !== undefined) ctx.depth = arguments[2];
    } else if (options !== null && typeof options === 'object') {
      for (const key of Object.keys(DEFAULTS)) {
        if (options[key] !== undefined) ctx[key] = options[key];
      }
    }
    if (ctx.depth === null) ctx.depth = Infinity;
    if (ctx.compact === true) ctx.compact = 3;
    if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = CUSTOM;
  inspect.defaultOptions = DEFAULTS;

  // ---- Primitives -------------------------------------------------------------------------

  const ESCAPES = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 92: '\\\\' };

  // Single quotes unless the text has some: then double quotes, then backticks, then escapes.
  function quote(text) {
    let mark = "'";
    if (text.includes("'")) {
      if (!text.includes('"')) mark = '"';
      else if (!text.includes('`') && !text.includes('${')) mark = '`';
    }
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code === 0x7f || code === 92 || text[i] === mark) {
        out += ESCAPES[code] || (text[i] === mark ? `\\${mark}`
          : `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`);
      } else if (code >= 0xd800 && code <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          out += text[i] + text[++i];
        } else {
          out += `\\u${code.toString(16)}`; // a lone surrogate
        }
      } else {
        out += text[i];
      }
    }
    return mark + out + mark;
  }

  const formatNumber = (number) => (Object.is(number, -0) ? '-0' : String(number));

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case 'string': {
        const extra = value.length - ctx.maxStringLength;
        if (extra > 0) {
          return `${quote(value.slice(0, ctx.maxStringLength))}... ${extra} more character${
            extra > 1 ? 's' : ''}`;
        }
        return quote(value);
      }
      case 'number': return formatNumber(value);
      case 'bigint': return `${value}n`;
      case 'symbol': return Symbol.prototype.toString.call(value);
      default: return String(value);
    }
  }

  // ---- Names and prefixes -----------------------------------------------------------------

  function isInstance(value, constructor) {
    try {
      return value instanceof constructor;
    } catch {
      return false;
    }
  }

  // The first named constructor up the prototype chain that the value is an instance of.
  function constructorName(value) {
    for (let object = value; object !== null; object = Object.getPrototypeOf(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, 'constructor');
      if (descriptor && typeof descriptor.value === 'function' && descriptor.value.name !== '' &&
          isInstance(value, descriptor.value)) {
        return String(descriptor.value.name);
      }
    }
    return null;
  }

  // Symbol.toStringTag, shown only when it adds something and is not already a listed key.
  function tagOf(ctx, value, constructor) {
    const tag = value[Symbol.toStringTag];
    const listed = ctx.showHidden ? hasOwn(value, Symbol.toStringTag)
      : Object.prototype.propertyIsEnumerable.call(value, Symbol.toStringTag);
    return typeof tag === 'string' && tag !== constructor && !listed ? tag : '';
  }

  // "Foo(2) [tag] ", or "[Array(2): null prototype] " without a constructor.
  function prefixOf(constructor, tag, fallback, size = '') {
    if (constructor === null) {
      const shownTag = tag !== '' && tag !== fallback ? `[${tag}] ` : '';
      return `[${fallback}${size}: null prototype] ${shownTag}`;
    }
    return `${constructor}${size} ${tag !== '' ? `[${tag}] ` : ''}`;
  }

  function functionBase(value, constructor, tag) {
    const source = Function.prototype.toString.call(value);
    const name = typeof value.name === 'string' ? value.name : '';
    if (source.startsWith('class') && source.endsWith('}')) {
      let base = `class ${(hasOwn(value, 'name') && name) || '(anonymous)'}`;
      if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
      if (tag !== '') base += ` [${tag}]`;
      const parent = constructor === null ? null : Object.getPrototypeOf(value).name;
      if (constructor === null) base += ' extends [null prototype]';
      else if (parent) base += ` extends ${parent}`;
      return `[${base}]`;
    }
    // Function, AsyncFunction, GeneratorFunction or AsyncGeneratorFunction.
    const type = Object.prototype.toString.call(value).slice(8, -1);
    let base = `[${type}${constructor === null ? ' (null prototype)' : ''}`;
    base += name === '' ? ' (anonymous)]' : `: ${name}]`;
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    return tag !== '' && tag !== type ? `${base} [${tag}]` : base;
  }

  // Node's errors print as their stack, with the constructor named when the stack does not.
  function errorBase(ctx, error, constructor, keys) {
    const name = error.name != null ? String(error.name) : 'Error';
    let stack = error.stack ? String(error.stack) : Error.prototype.toString.call(error);
    for (const key of ['name', 'message', 'stack']) {
      const at = keys.indexOf(key);
      if (at !== -1 && typeof error[key] === 'string' && stack.includes(error[key])) {
        keys.splice(at, 1); // already shown in the stack
      }
    }
    for (const key of ['cause', 'errors']) {
      if (key in error && !keys.includes(key) && (key === 'cause' || Array.isArray(error.errors))) {
        keys.push(key);
      }
    }
    const afterName = stack.slice(name.length, name.length + 1);
    if (constructor !== null && constructor !== name && name.endsWith('Error') &&
        stack.startsWith(name) && (afterName === '' || afterName === ':' || afterName === '\n')) {
      const label = constructor.includes(name) ? constructor : `${constructor} [${name}]`;
      stack = label + stack.slice(name.length);
    }
    const messageEnd = error.message ? stack.indexOf(error.message) : -1;
    const from = messageEnd === -1 ? -1 : messageEnd + error.message.length;
    if (stack.indexOf('\n    at', from) === -1) stack = `[${stack}]`; // no stack frames
    return ctx.indentation === 0 ? stack : stack.replace(/\n/g, `\n${' '.repeat(ctx.indentation)}`);
  }

  const BOXED = { Number, String, Boolean, BigInt, Symbol };

  // [Number: 3], [String: 'ab'], ...; `kind` is one of BOXED's keys.
  function boxedBase(ctx, value, kind, constructor) {
    const shown = formatPrimitive(ctx, BOXED[kind].prototype.valueOf.call(value));
    return `[${kind}${constructor !== kind ? ` (${constructor})` : ''}: ${shown}]`;
  }

  // ---- Objects ----------------------------------------------------------------------------

  function ownKeys(ctx, value) {
    if (ctx.showHidden) {
      return [...Object.getOwnPropertyNames(value), ...Object.getOwnPropertySymbols(value)];
    }
    const symbols = Object.getOwnPropertySymbols(value)
      .filter((symbol) => Object.prototype.propertyIsEnumerable.call(value, symbol));
    return [...Object.keys(value), ...symbols];
  }

  function formatKey(key, enumerable) {
    if (typeof key === 'symbol') return `[${Symbol.prototype.toString.call(key)}]`;
    if (key === '__proto__') return "['__proto__']";
    if (!enumerable) return `[${key}]`;
    return /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(key) ? key : quote(key);
  }

  // One "key: value" entry, or just the value for array items (showKey false).
  function formatProperty(ctx, object, recurseTimes, key, showKey) {
    const descriptor = Object.getOwnPropertyDescriptor(object, key) ||
      { value: object[key], enumerable: true };
    let text;
    if (descriptor.value !== undefined) {
      ctx.indentation += 2;
      text = formatValue(ctx, descriptor.value, recurseTimes);
      ctx.indentation -= 2;
    } else if (descriptor.get !== undefined) {
      text = descriptor.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else {
      text = descriptor.set !== undefined ? '[Setter]' : 'undefined';
    }
    return showKey ? `${formatKey(key, descriptor.enumerable)}: ${text}` : text;
  }

  function moreItems(count) {
    return `... ${count} more item${count > 1 ? 's' : ''}`;
  }

  // Items of an array or array-like; runs of holes print as "<n empty items>".
  function formatArrayItems(ctx, value, recurseTimes) {
    const output = [];
    let present = null; // indices that exist, listed once the first hole shows up
    let i = 0;
    while (i < value.length && output.length < ctx.maxArrayLength) {
      if (hasOwn(value, i)) {
        output.push(formatProperty(ctx, value, recurseTimes, i, false));
        i++;
        continue;
      }
      present = present || Object.keys(value).filter(isIndex).map(Number);
      const next = present.find((index) => index > i);
      const end = next === undefined ? value.length : next;
      output.push(`<${end - i} empty item${end - i > 1 ? 's' : ''}>`);
      i = end;
    }
    if (i < value.length) output.push(moreItems(value.length - i));
    return output;
  }

  function formatTypedArrayItems(ctx, value) {
    const shown = Math.min(value.length, ctx.maxArrayLength);
    const output = [];
    for (let i = 0; i < shown; i++) output.push(formatPrimitive(ctx, value[i]));
    if (shown < value.length) output.push(moreItems(value.length - shown));
    return output;
  }

  // Set items, or Map entries as "key => value".
  function formatCollection(ctx, entries, size, recurseTimes, isMap) {
    const output = [];
    ctx.indentation += 2;
    for (const entry of entries) {
      if (output.length >= ctx.maxArrayLength) break;
      output.push(isMap
        ? `${formatValue(ctx, entry[0], recurseTimes)} => ${
          formatValue(ctx, entry[1], recurseTimes)}`
        : formatValue(ctx, entry, recurseTimes));
    }
    ctx.indentation -= 2;
    if (size > output.length) output.push(moreItems(size - output.length));
    return output;
  }

  function formatBytes(ctx, bytes) {
    return `[Uint8Contents]: <${codec.hexPreview(bytes, ctx.maxArrayLength)}>`;
  }

  function formatValue(ctx, value, recurseTimes) {
    if (value === null) return 'null';
    if (typeof value !== 'object' && typeof value !== 'function') {
      return formatPrimitive(ctx, value);
    }
    if (ctx.customInspect) {
      const custom = value[CUSTOM];
      if (typeof custom === 'function' && custom !== inspect) {
        const options = {};
        for (const key of Object.keys(DEFAULTS)) options[key] = ctx[key];
        const result = custom.call(value, ctx.depth - recurseTimes, options, inspect);
        if (result !== value) {
          if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes);
          return result.replace(/\n/g, `\n${' '.repeat(ctx.indentation)}`);
        }
      }
    }
    if (ctx.seen.includes(value)) {
      if (!ctx.circular.has(value)) ctx.circular.set(value, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(value)}]`;
    }
    return formatRaw(ctx, value, recurseTimes);
  }

  function formatRaw(ctx, value, recurseTimes) {
    const constructor = constructorName(value);
    const tag = tagOf(ctx, value, constructor);
    let keys = ownKeys(ctx, value);
    let base = '';
    let braces = ['{', '}'];
    let items = () => []; // the entries before the keys: array items, Map entries, ...
    let isList = false; // items without keys, which long lists group into columns
    const typedArray = types.typedArrayName(value);
    const kind = types.kindOf(value);

    if (Array.isArray(value) || typedArray !== undefined) {
      keys = keys.filter((key) => typeof key === 'symbol' || !isIndex(key));
      let prefix = '';
      if (typedArray !== undefined || constructor !== 'Array' || tag !== '') {
        prefix = prefixOf(constructor, tag, typedArray || 'Array', `(${value.length})`);
      }
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      isList = true;
      items = (depth) => (typedArray !== undefined
        ? formatTypedArrayItems(ctx, value) : formatArrayItems(ctx, value, depth));
    } else if (kind === 'Set' || kind === 'Map') {
      const isMap = kind === 'Map';
      const size = (isMap ? mapSize : setSize).call(value);
      const prefix = prefixOf(constructor, tag, kind, `(${size})`);
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      const entries = isMap ? Map.prototype.entries : Set.prototype.values;
      items = (depth) => formatCollection(ctx, entries.call(value), size, depth, isMap);
    } else if (typeof value === 'function') {
      base = functionBase(value, constructor, tag);
      if (keys.length === 0) return base;
    } else if (kind === 'RegExp') {
      base = RegExp.prototype.toString.call(value);
      if (constructor !== 'RegExp') base = `${prefixOf(constructor, tag, 'RegExp')}${base}`;
      if (keys.length === 0) return base;
    } else if (kind === 'Date') {
      const time = Date.prototype.getTime.call(value);
      base = Number.isNaN(time) ? 'Invalid Date' : Date.prototype.toISOString.call(value);
      if (constructor !== 'Date') base = `${prefixOf(constructor, tag, 'Date')}${base}`;
      if (keys.length === 0) return base;
    } else if (isError(value)) {
      base = errorBase(ctx, value, constructor, keys);
      if (keys.length === 0) return base;
    } else if (kind === 'ArrayBuffer' || kind === 'SharedArrayBuffer') {
      braces[0] = `${prefixOf(constructor, tag, kind)}{`;
      keys.unshift('byteLength');
      items = () => [formatBytes(ctx, new Uint8Array(value))];
    } else if (ArrayBuffer.isView(value)) {
      braces[0] = `${prefixOf(constructor, tag, 'DataView')}{`;
      keys.unshift('byteLength', 'byteOffset', 'buffer');
    } else if (kind === 'Promise') {
      braces[0] = `${prefixOf(constructor, tag, 'Promise')}{`;
      items = () => ['<state unknown>'];
    } else if (kind === 'WeakMap' || kind === 'WeakSet') {
      braces[0] = `${prefixOf(constructor, tag, 'Object')}{`;
      items = () => ['<items unknown>'];
    } else if (Object.prototype.hasOwnProperty.call(BOXED, kind)) {
      base = boxedBase(ctx, value, kind, constructor);
      if (kind === 'String') keys = keys.filter((key) => !isIndex(key)); // the characters
      if (keys.length === 0) return base;
    } else {
      if (Object.prototype.toString.call(value) === '[object Arguments]') {
        braces[0] = '[Arguments] {';
      } else if (constructor !== 'Object' || tag !== '') {
        braces[0] = `${prefixOf(constructor, tag, 'Object')}{`;
      }
      if (keys.length === 0) return `${braces[0]}}`;
    }

    if (recurseTimes > ctx.depth) {
      const name = prefixOf(constructor, tag, 'Object').slice(0, -1);
      return constructor === null ? name : `[${name}]`;
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    const output = items(recurseTimes);
    for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, true));
    ctx.seen.pop();
    if (ctx.circular.has(value)) {
      const reference = `<ref *${ctx.circular.get(value)}>`;
      base = base === '' ? reference : `${reference} ${base}`;
    }
    return combine(ctx, output, base, braces, isList, recurseTimes, value);
  }

  // ---- Layout -----------------------------------------------------------------------------

  // One line when the entries fit in breakLength and nest at most `compact` levels deep;
  // otherwise one entry (or one row of grouped entries) per line.
  function combine(ctx, output, base, braces, isList, recurseTimes, value) {
    const head = base === '' ? braces[0] : `${base} ${braces[0]}`;
    const lines = ctx.compact !== false && isList && output.length > 6
      ? groupColumns(ctx, output, value) : output;
    if (ctx.compact !== false && ctx.currentDepth - recurseTimes < ctx.compact &&
        lines.length === output.length) {
      let width = output.length + output.length + ctx.indentation + braces[0].length +
        base.length + 10;
      if (width + output.length <= ctx.breakLength && !base.includes('\n') &&
          output.every((entry) => (width += entry.length) <= ctx.breakLength)) {
        const joined = output.join(', ');
        if (!joined.includes('\n')) return `${head} ${joined} ${braces[1]}`;
      }
    }
    const indentation = `\n${' '.repeat(ctx.indentation)}`;
    return `${head}${indentation}  ${lines.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }

  // Long lists of short entries print in aligned columns, roughly as wide as they are tall;
  // numbers are right-aligned. The "... more items" line stays on its own.
  function groupColumns(ctx, output, value) {
    const count = output.length - (ctx.maxArrayLength < output.length ? 1 : 0);
    const lengths = output.slice(0, count).map((entry) => entry.length);
    const total = lengths.reduce((sum, length) => sum + length + 2, 0);
    const longest = Math.max(...lengths);
    const cell = longest + 2; // an entry, its comma and a space
    if (cell * 3 + ctx.indentation >= ctx.breakLength || (total / cell <= 5 && longest > 6)) {
      return output;
    }
    const bias = Math.sqrt(cell - total / output.length);
    const biasedCell = Math.max(cell - 3 - bias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedCell * count) / biasedCell), // characters are ~2.5 tall
      Math.floor((ctx.breakLength - ctx.indentation) / cell),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const widths = [];
    for (let column = 0; column < columns; column++) {
      let width = 0;
      for (let j = column; j < count; j += columns) width = Math.max(width, lengths[j]);
      widths.push(width + 2);
    }
    const numeric = value !== undefined && output.every((_, i) =>
      typeof value[i] === 'number' || typeof value[i] === 'bigint');
    const rows = [];
    for (let start = 0; start < count; start += columns) {
      const end = Math.min(start + columns, count);
      let row = '';
      for (let j = start; j < end; j++) {
        const width = widths[j - start];
        if (j < end - 1) {
          row += numeric ? `${output[j]}, `.padStart(width) : `${output[j]}, `.padEnd(width);
        } else {
          row += numeric ? output[j].padStart(width - 2) : output[j];
        }
      }
      rows.push(row);
    }
    if (count < output.length) rows.push(output[count]);
    return rows;
  }

  internals.inspect = inspect;
})();
