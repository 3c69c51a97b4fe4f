"""The pure modules (util, events, querystring, url, buffer, assert, path, string_decoder,
timers, timers/promises, os), required by scripts in a real Engine.

Expected values are Node's (checked against Node 20), hard-coded.
"""

from __future__ import annotations

from typing import Any

from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Outcome, Script
from scriptbridge.node.modules.pure import PURE_MODULES

# In scope for every test body: `caught(fn)` and `await rejected(promise)` describe what was
# thrown (or give null when nothing was).
_HELPERS = r"""
  const describe = (e) => ({name: e.name, message: e.message, code: e.code});
  const caught = (fn) => { try { fn(); } catch (e) { return describe(e); } return null; };
  const rejected = async (p) => { try { await p; } catch (e) { return describe(e); } return null; };
"""


async def invoke(source: str) -> Outcome:
    """Run a get_user script with every pure module available; check that the engine's V8
    isolates are all freed afterwards."""
    isolates = mini_racer_context.context_count()
    async with Engine(host_modules=PURE_MODULES) as engine:
        await engine.load(
            ConnectionSpec(
                "c",
                {"get_user": Script("get_user", source, "g.js")},
                limits=Limits(timeout_seconds=5),
                runners=1,
            )
        )
        outcome = await engine.invoke("c", "get_user", ["jane@example.com"])
    assert mini_racer_context.context_count() == isolates, "V8 isolates leaked"
    return outcome


async def run(body: str) -> dict[str, Any]:
    """Run ``body``, the inside of an async function returning an object of values, in a
    script that calls back ``{user_id: '1', ...values}``; return the values."""
    source = (
        "async function getUser(email, callback) {"
        f"{_HELPERS}"
        f"  const values = await (async () => {{\n{body}\n}})();\n"
        "  callback(null, {user_id: '1', ...values});\n"
        "}"
    )
    outcome = await invoke(source)
    assert outcome.error is None, outcome.error
    assert outcome.result is not None
    return {k: v for k, v in outcome.result.items() if k != "user_id"}


def invalid_arg(message: str) -> dict[str, str]:
    return {"name": "TypeError", "message": message, "code": "ERR_INVALID_ARG_TYPE"}


async def test_modules_are_required_with_or_without_the_node_prefix() -> None:
    values = await run(
        "return {same: ['util', 'events', 'querystring', 'url', 'buffer', 'assert', 'path',"
        " 'string_decoder', 'timers', 'timers/promises', 'os']"
        ".every((m) => require(m) === require('node:' + m))};"
    )
    assert values == {"same": True}


# ---- util -----------------------------------------------------------------------------------


async def test_util_promisify_resolves_with_the_callback_value_and_rejects_with_its_error() -> None:
    values = await run(r"""
      const {promisify} = require('util');
      function add(a, b, done) { setTimeout(() => done(null, a + b, 'ignored'), 1); }
      const addAsync = promisify(add);
      const obj = {x: 5, get(done) { done(null, this.x); }};
      obj.getAsync = promisify(obj.get);
      return {
        sum: await addAsync(1, 2), name: addAsync.name, length: addAsync.length,
        self: await obj.getAsync(),
        error: await rejected(promisify((done) => done(new Error('no')))()),
        thrown: await rejected(promisify(() => { throw new Error('sync'); })()),
        idempotent: promisify(addAsync) === addAsync,
      };
    """)
    assert values == {
        "sum": 3,
        "name": "add",
        "length": 3,
        "self": 5,
        "error": {"name": "Error", "message": "no"},
        "thrown": {"name": "Error", "message": "sync"},
        "idempotent": True,
    }


async def test_util_promisify_custom_symbol_supplies_the_promise_version() -> None:
    values = await run(r"""
      const util = require('util');
      const legacy = (done) => done(null, 'callback');
      const modern = () => Promise.resolve('custom');
      legacy[util.promisify.custom] = modern;
      const bad = () => 1;
      bad[util.promisify.custom] = 5;
      return {
        symbol: util.promisify.custom === Symbol.for('nodejs.util.promisify.custom'),
        same: util.promisify(legacy) === modern,
        value: await util.promisify(legacy)(),
        bad: caught(() => util.promisify(bad)),
        notFunction: caught(() => util.promisify(5)),
      };
    """)
    assert values == {
        "symbol": True,
        "same": True,
        "value": "custom",
        "bad": invalid_arg(
            'The "util.promisify.custom" property must be of type function.'
            " Received type number (5)"
        ),
        "notFunction": invalid_arg(
            'The "original" argument must be of type function. Received type number (5)'
        ),
    }


async def test_util_callbackify_calls_back_with_the_promise_outcome() -> None:
    values = await run(r"""
      const {callbackify} = require('util');
      async function double(a) { return a * 2; }
      const cb = callbackify(double);
      const call = (fn, ...args) => new Promise((resolve) => fn(...args, (...r) => resolve(r)));
      const [falsy] = await call(callbackify(() => Promise.reject(null)));
      return {
        name: cb.name, length: cb.length,
        ok: await call(cb, 21),
        failed: (await call(callbackify(async () => { throw new Error('x'); })))[0].message,
        falsy: [falsy.message, falsy.code, falsy.reason, Object.keys(falsy)],
        lastNotFunction: caught(() => cb(1, 2)),
      };
    """)
    assert values == {
        "name": "doubleCallbackified",
        "length": 2,
        "ok": [None, 42],
        "failed": "x",
        "falsy": [
            "Promise was rejected with falsy value",
            "ERR_FALSY_VALUE_REJECTION",
            None,
            ["code", "reason"],
        ],
        "lastNotFunction": invalid_arg(
            "The last argument must be of type function. Received type number (2)"
        ),
    }


async def test_util_format_and_inspect_are_nodes() -> None:
    values = await run(r"""
      const util = require('util');
      class Secret { [util.inspect.custom]() { return 'Secret<hidden>'; } }
      return {
        format: util.format('%s=%d %j %o', 'a', 42, {x: 1}, [1]),
        extra: util.format('%s', 'x', 'extra', 3),
        withOptions: util.formatWithOptions({compact: false}, '%O', {a: 1}),
        nested: util.inspect({a: [1, {b: {c: {d: 1}}}]}),
        depth: util.inspect({a: {b: {}}}, {depth: 0}),
        custom: util.inspect(new Secret()),
        customSymbol: util.inspect.custom === Symbol.for('nodejs.util.inspect.custom'),
        map: util.inspect(new Map([[1, 'one']])),
      };
    """)
    assert values == {
        "format": 'a=42 {"x":1} [ 1, [length]: 1 ]',
        "extra": "x extra 3",
        "withOptions": "{\n  a: 1\n}",
        "nested": "{ a: [ 1, { b: [Object] } ] }",
        "depth": "{ a: [Object] }",
        "custom": "Secret<hidden>",
        "customSymbol": True,
        "map": "Map(1) { 1 => 'one' }",
    }


async def test_util_deprecate_warns_once_per_code_and_keeps_calling_through() -> None:
    values = await run(r"""
      const util = require('util');
      const warnings = [];
      process.emitWarning = (...args) => warnings.push(args.slice(0, 3));
      const old = util.deprecate((a) => a + 1, 'old() is deprecated', 'DEP_OLD');
      const alias = util.deprecate(() => 0, 'old() is deprecated', 'DEP_OLD');
      class Thing { constructor(v) { this.v = v; } }
      const OldThing = util.deprecate(Thing, 'Thing is deprecated');
      return {results: [old(1), old(2), alias(), new OldThing(3).v], warnings};
    """)
    assert values == {
        "results": [2, 3, 0, 3],
        "warnings": [
            ["old() is deprecated", "DeprecationWarning", "DEP_OLD"],
            ["Thing is deprecated", "DeprecationWarning", None],
        ],
    }


async def test_util_inherits_links_prototypes_and_validates() -> None:
    values = await run(r"""
      const util = require('util');
      function Animal() {}
      Animal.prototype.speak = () => 'sound';
      function Dog() { Animal.call(this); }
      util.inherits(Dog, Animal);
      return {
        speaks: new Dog().speak(), isAnimal: new Dog() instanceof Animal,
        super: Dog.super_ === Animal, keys: Object.keys(Dog),
        noSuper: caught(() => util.inherits(function () {}, null)),
        noPrototype: caught(() => util.inherits(function () {}, () => 1)),
      };
    """)
    assert values == {
        "speaks": "sound",
        "isAnimal": True,
        "super": True,
        "keys": [],
        "noSuper": invalid_arg('The "superCtor" argument must be of type function. Received null'),
        "noPrototype": invalid_arg(
            'The "superCtor.prototype" property must be of type object. Received undefined'
        ),
    }


async def test_util_is_deep_strict_equal_compares_structure_types_and_prototypes() -> None:
    values = await run(r"""
      const {isDeepStrictEqual: eq} = require('util');
      const cyclic = () => { const o = {a: 1}; o.self = o; return o; };
      class A { constructor() { this.x = 1; } }
      class B { constructor() { this.x = 1; } }
      return {results: [
        eq({a: [1, {b: 2}], c: new Set([1, {d: 3}])}, {c: new Set([{d: 3}, 1]), a: [1, {b: 2}]}),
        eq(new Map([[{k: 1}, 'v']]), new Map([[{k: 1}, 'v']])),
        eq(cyclic(), cyclic()),
        eq(NaN, NaN), eq(0, -0), eq(1, '1'), eq([1], ['1']),
        eq(new A(), new B()), eq(Object.create(null), {}),
        eq(new Date(1), new Date(1)), eq(/a/g, /a/i),
        eq(new Error('m', {cause: 1}), new Error('m', {cause: 2})),
        eq(Buffer.from('a'), new Uint8Array([97])), eq(new Uint8Array([1]), new Uint8Array([1])),
        eq([, 1], [undefined, 1]), eq({[Symbol.for('s')]: 1}, {[Symbol.for('s')]: 2}),
      ]};
    """)
    assert values == {
        "results": [
            True, True, True,
            True, False, False, False,
            False, False,
            True, False,
            False,
            False, True,
            False, False,
        ]
    }  # fmt: skip


async def test_util_types_recognise_builtin_kinds() -> None:
    values = await run(r"""
      const {types: t} = require('util');
      const ab = new ArrayBuffer(1);
      return {
        count: Object.keys(t).length,
        yes: [t.isDate(new Date()), t.isRegExp(/x/), t.isPromise(Promise.resolve()),
              t.isAsyncFunction(async () => {}), t.isGeneratorFunction(function* () {}),
              t.isTypedArray(new Int8Array(1)), t.isUint8Array(Buffer.alloc(1)),
              t.isArrayBuffer(ab), t.isMap(new Map()), t.isSet(new Set()),
              t.isNativeError(new RangeError()), t.isBoxedPrimitive(new String('')),
              t.isArrayBufferView(new DataView(ab)), t.isDataView(new DataView(ab)),
              t.isMapIterator(new Map().keys()), t.isWeakMap(new WeakMap()),
              t.isArgumentsObject((function () { return arguments; })())],
        no: [t.isDate({}), t.isRegExp('x'), t.isPromise({then() {}}),
             t.isAsyncFunction(() => {}), t.isTypedArray(ab), t.isUint8Array(new Int8Array(1)),
             t.isArrayBuffer(new SharedArrayBuffer(1)), t.isMap(new WeakMap()),
             t.isNativeError({name: 'Error', message: ''}), t.isBoxedPrimitive(''),
             t.isNumberObject(1), t.isMap({[Symbol.toStringTag]: 'Map'})],
      };
    """)
    assert values == {"count": 42, "yes": [True] * 17, "no": [False] * 12}


async def test_util_legacy_checks_and_text_codecs() -> None:
    values = await run(r"""
      const u = require('util');
      return {
        checks: [u.isArray([]), u.isBoolean(false), u.isBuffer(Buffer.alloc(1)),
                 u.isBuffer(new Uint8Array(1)), u.isNull(null), u.isNullOrUndefined(undefined),
                 u.isNumber(NaN), u.isString(''), u.isSymbol(Symbol()), u.isUndefined(),
                 u.isRegExp(/a/), u.isObject(null), u.isDate(new Date()),
                 u.isError(new TypeError()), u.isFunction(class {}), u.isPrimitive({})],
        codecs: u.TextEncoder === TextEncoder && u.TextDecoder === TextDecoder,
        encoded: Array.from(new u.TextEncoder().encode('é')),
        debugEnabled: u.debuglog('section').enabled,
        stripped: u.stripVTControlCharacters('\u001b[31mred\u001b[0m'),
        usv: u.toUSVString('a\ud800b'),
      };
    """)
    assert values == {
        "checks": [True, True, True, False, True, True, True, True, True, True,
                   True, False, True, True, True, False],
        "codecs": True,
        "encoded": [195, 169],
        "debugEnabled": False,
        "stripped": "red",
        "usv": "a\ufffdb",
    }  # fmt: skip


# ---- events ---------------------------------------------------------------------------------


async def test_event_emitter_is_the_module_and_calls_listeners_in_order() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const e = new EventEmitter();
      const calls = [];
      let self;
      e.on('x', function (a, b) { self = this; calls.push(['on', a, b]); });
      e.addListener('x', (a) => calls.push(['add', a]));
      e.prependListener('x', (a) => calls.push(['prepend', a]));
      e.once('x', (a) => calls.push(['once', a]));
      e.prependOnceListener('x', (a) => calls.push(['prependOnce', a]));
      const first = e.emit('x', 1, 2);
      e.emit('x', 3);
      return {
        module: EventEmitter.EventEmitter === EventEmitter, calls, thisIsEmitter: self === e,
        first, unheard: e.emit('nobody'), shape: Object.keys(e),
      };
    """)
    assert values == {
        "module": True,
        "calls": [
            ["prependOnce", 1], ["prepend", 1], ["on", 1, 2], ["add", 1], ["once", 1],
            ["prepend", 3], ["on", 3, None], ["add", 3],
        ],
        "thisIsEmitter": True,
        "first": True,
        "unheard": False,
        "shape": ["_events", "_eventsCount", "_maxListeners"],
    }  # fmt: skip


async def test_event_listeners_are_removed_and_reported() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const e = new EventEmitter();
      const seen = [];
      e.on('newListener', (name, fn) => seen.push(['new', name, fn.name]));
      e.on('removeListener', (name, fn) => seen.push(['removed', name, fn.name]));
      function a() {} function b() {}
      e.on('x', a); e.on('x', b); e.once('y', a); e.on('z', b);
      const names = (fns) => fns.map((f) => f.name);
      const before = {names: e.eventNames(), count: e.listenerCount('x'),
                      countA: e.listenerCount('x', a), listeners: names(e.listeners('y')),
                      raw: names(e.rawListeners('y'))};
      e.off('x', a);
      e.removeListener('x', function notAdded() {});
      e.emit('y');
      e.removeAllListeners('z');
      const afterOne = e.eventNames();
      e.removeAllListeners();
      return {before, seen, afterOne, afterAll: e.eventNames()};
    """)
    assert values == {
        "before": {
            "names": ["newListener", "removeListener", "x", "y", "z"],
            "count": 2,
            "countA": 1,
            "listeners": ["a"],
            "raw": ["bound onceWrapper"],
        },
        "seen": [
            ["new", "removeListener", ""],
            ["new", "x", "a"], ["new", "x", "b"], ["new", "y", "a"], ["new", "z", "b"],
            ["removed", "x", "a"], ["removed", "y", "a"], ["removed", "z", "b"],
            ["removed", "newListener", ""], ["removed", "x", "b"],
        ],
        "afterOne": ["newListener", "removeListener", "x"],
        "afterAll": [],
    }  # fmt: skip


async def test_unhandled_error_event_throws() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const e = new EventEmitter();
      const withContext = (v) => { try { e.emit('error', v); } catch (x) {
        return [x.message, x.code, x.context, x instanceof Error]; } };
      const handled = new EventEmitter();
      let got;
      handled.on('error', (err) => { got = err; });
      handled.emit('error', 'fine');
      return {
        error: caught(() => e.emit('error', new TypeError('boom'))),
        string: withContext('boom'), object: withContext({a: 1}), none: withContext(),
        handled: got,
      };
    """)
    assert values == {
        "error": {"name": "TypeError", "message": "boom"},
        "string": ["Unhandled error. ('boom')", "ERR_UNHANDLED_ERROR", "boom", True],
        "object": ["Unhandled error. ({ a: 1 })", "ERR_UNHANDLED_ERROR", {"a": 1}, True],
        "none": ["Unhandled error. (undefined)", "ERR_UNHANDLED_ERROR", None, True],
        "handled": "fine",
    }


async def test_event_emitter_max_listeners_warns_once_past_the_limit() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const warnings = [];
      process.emitWarning = (w) => warnings.push([w.name, w.message, w.count]);
      const e = new EventEmitter();
      const defaults = [EventEmitter.defaultMaxListeners, e.getMaxListeners()];
      e.setMaxListeners(1);
      e.on('x', () => {}); e.on('x', () => {}); e.on('x', () => {});
      return {
        defaults, max: e.getMaxListeners(), warnings,
        negative: caught(() => e.setMaxListeners(-1)),
        notFunction: caught(() => e.on('x', 5)),
      };
    """)
    assert values == {
        "defaults": [10, 10],
        "max": 1,
        "warnings": [
            [
                "MaxListenersExceededWarning",
                "Possible EventEmitter memory leak detected. 2 x listeners added to "
                "[EventEmitter]. MaxListeners is 1. Use emitter.setMaxListeners() to increase "
                "limit",
                2,
            ]
        ],
        "negative": {
            "name": "RangeError",
            "message": 'The value of "setMaxListeners" is out of range. It must be >= 0. '
            "Received -1",
            "code": "ERR_OUT_OF_RANGE",
        },
        "notFunction": invalid_arg(
            'The "listener" argument must be of type function. Received type number (5)'
        ),
    }


async def test_events_once_and_on_await_events() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const e = new EventEmitter();
      setTimeout(() => e.emit('ready', 1, 2), 1);
      const args = await EventEmitter.once(e, 'ready');
      setTimeout(() => e.emit('error', new Error('failed')), 1);
      const failure = await rejected(EventEmitter.once(e, 'ready'));
      setTimeout(() => { e.emit('tick', 'a'); e.emit('tick', 'b'); e.emit('tick', 'c'); }, 1);
      const ticks = [];
      for await (const [value] of EventEmitter.on(e, 'tick')) {
        ticks.push(value);
        if (ticks.length === 3) break;
      }
      return {args, failure, ticks, left: [e.listenerCount('ready'), e.listenerCount('tick'),
                                            e.listenerCount('error')]};
    """)
    assert values == {
        "args": [1, 2],
        "failure": {"name": "Error", "message": "failed"},
        "ticks": ["a", "b", "c"],
        "left": [0, 0, 0],
    }


async def test_event_emitter_subclasses_old_and_new_style() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const util = require('util');
      function Legacy() { EventEmitter.call(this); }
      util.inherits(Legacy, EventEmitter);
      class Modern extends EventEmitter {}
      const got = [];
      const legacy = new Legacy();
      legacy.on('x', (v) => got.push(v));
      legacy.emit('x', 'legacy');
      const modern = new Modern();
      modern.on('x', (v) => got.push(v));
      modern.emit('x', 'modern');
      return {got, instances: [legacy instanceof EventEmitter, modern instanceof EventEmitter]};
    """)
    assert values == {"got": ["legacy", "modern"], "instances": [True, True]}


async def test_event_emitter_captures_rejections_and_monitors_errors() -> None:
    values = await run(r"""
      const EventEmitter = require('events');
      const e = new EventEmitter({captureRejections: true});
      const seen = [];
      e.on(EventEmitter.errorMonitor, (err) => seen.push('monitor ' + err.message));
      e.on('error', (err) => seen.push('error ' + err.message));
      e.on('work', async () => { throw new Error('async boom'); });
      e.emit('work');
      await new Promise((resolve) => setTimeout(resolve, 5));
      return {seen, symbol: String(EventEmitter.captureRejectionSymbol)};
    """)
    assert values == {
        "seen": ["monitor async boom", "error async boom"],
        "symbol": "Symbol(nodejs.rejection)",
    }


# ---- querystring ----------------------------------------------------------------------------


async def test_querystring_parse_decodes_and_repeats_keys_as_arrays() -> None:
    values = await run(r"""
      const qs = require('querystring');
      return {
        repeated: qs.parse('a=1&b=2&a=3&a=4'),
        plus: qs.parse('+a+=+b+&c=%2B'),
        bare: qs.parse('a&b=&=x&&c=d=e'),
        invalid: qs.parse('x=%zz%41&y=%E2%82'),
        custom: qs.parse('a:1;b:2', ';', ':'),
        maxKeys: qs.parse('a=1&b=2&c=3', null, null, {maxKeys: 2}),
        decoder: qs.parse('a=1+2', null, null, {decodeURIComponent: (s) => `<${s}>`}),
        nullPrototype: Object.getPrototypeOf(qs.parse('a=1')) === null,
        decodeAlias: qs.decode === qs.parse,
      };
    """)
    assert values == {
        "repeated": {"a": ["1", "3", "4"], "b": "2"},
        "plus": {" a ": " b ", "c": "+"},
        "bare": {"a": "", "b": "", "": "x", "c": "d=e"},
        "invalid": {"x": "%zzA", "y": "\ufffd"},
        "custom": {"a": "1", "b": "2"},
        "maxKeys": {"a": "1", "b": "2"},
        "decoder": {"<a>": "<1%202>"},
        "nullPrototype": True,
        "decodeAlias": True,
    }


async def test_querystring_stringify_encodes_as_node() -> None:
    values = await run(r"""
      const qs = require('querystring');
      return {
        types: qs.stringify({a: [1, 2], b: 'x y', c: true, d: null, e: NaN, f: 1e21, g: 10n,
                             h: {}, i: [], j: 'é€😀', 'k l': "!'()*~-._"}),
        custom: qs.stringify({a: 1, b: 2}, ';', ':'),
        encoder: qs.stringify({a: 'é'}, null, null, {encodeURIComponent: (s) => `<${s}>`}),
        notObject: qs.stringify('x'),
        encodeAlias: qs.encode === qs.stringify,
      };
    """)
    assert values == {
        "types": "a=1&a=2&b=x%20y&c=true&d=&e=&f=1e%2B21&g=10&h=&j=%C3%A9%E2%82%AC%F0%9F%98%80"
        "&k%20l=!'()*~-._",
        "custom": "a:1;b:2",
        "encoder": "<a>=<é>",
        "notObject": "",
        "encodeAlias": True,
    }


async def test_querystring_escape_and_unescape() -> None:
    values = await run(r"""
      const qs = require('querystring');
      return {
        escape: qs.escape('a b&c/é'),
        unescape: qs.unescape('a+b%20c'),
        spaces: qs.unescape('%E2%82%AC%zz+x', true),
        buffer: qs.unescapeBuffer('a%41+b', true).toString(),
        loneSurrogate: caught(() => qs.escape('\ud800')),
      };
    """)
    assert values == {
        "escape": "a%20b%26c%2F%C3%A9",
        "unescape": "a+b c",
        "spaces": "€%zz x",
        "buffer": "aA b",
        "loneSurrogate": {
            "name": "URIError",
            "message": "URI malformed",
            "code": "ERR_INVALID_URI",
        },
    }


# ---- url ------------------------------------------------------------------------------------


async def test_url_parse_returns_nodes_url_object() -> None:
    values = await run(r"""
      const url = require('url');
      const parsed = url.parse('https://user:pw@Example.COM:8080/p/a/t/h?query=string#hash');
      return {parsed: {...parsed}, isUrl: parsed instanceof url.Url};
    """)
    assert values == {
        "parsed": {
            "protocol": "https:",
            "slashes": True,
            "auth": "user:pw",
            "host": "example.com:8080",
            "port": "8080",
            "hostname": "example.com",
            "hash": "#hash",
            "search": "?query=string",
            "query": "query=string",
            "pathname": "/p/a/t/h",
            "path": "/p/a/t/h?query=string",
            "href": "https://user:pw@example.com:8080/p/a/t/h?query=string#hash",
        },
        "isUrl": True,
    }


async def test_url_parse_handles_paths_queries_and_odd_input() -> None:
    values = await run(r"""
      const url = require('url');
      const pick = (u) => [u.protocol, u.auth, u.host, u.pathname, u.search, u.hash];
      return {
        query: url.parse('/p?a=1&a=2&b=%20', true).query,
        noQuery: url.parse('http://h/p', true).query,
        relative: pick(url.parse('/p?x=1')),
        protocolRelative: [pick(url.parse('//h/p')), pick(url.parse('//h/p', false, true))],
        backslashes: url.parse('http://h.com\\a\\b?c\\d').href,
        escaped: url.parse('http://h/a b<c>"d').pathname,
        ipv6: pick(url.parse('http://[::1]:8080/p')),
        atSigns: pick(url.parse('http://a@b@c/')),
        mailto: pick(url.parse('mailto:a@b.c')),
        database: pick(url.parse('postgres://user@host/db?ssl=true')),
        notString: caught(() => url.parse(5)),
        badHost: caught(() => url.parse('http://[::1]:x/')),
      };
    """)
    assert values == {
        "query": {"a": ["1", "2"], "b": " "},
        "noQuery": {},
        "relative": [None, None, None, "/p", "?x=1", None],
        "protocolRelative": [
            [None, None, None, "//h/p", None, None],
            [None, None, "h", "/p", None, None],
        ],
        "backslashes": "http://h.com/a/b?c%5Cd",
        "escaped": "/a%20b%3Cc%3E%22d",
        "ipv6": ["http:", None, "[::1]:8080", "/p", None, None],
        "atSigns": ["http:", "a@b", "c", "/", None, None],
        "mailto": ["mailto:", "a", "b.c", None, None, None],
        "database": ["postgres:", "user", "host", "/db", "?ssl=true", None],
        "notString": invalid_arg(
            'The "url" argument must be of type string. Received type number (5)'
        ),
        "badHost": {"name": "TypeError", "message": "Invalid URL", "code": "ERR_INVALID_URL"},
    }


async def test_url_format_builds_hrefs_from_objects_and_urls() -> None:
    values = await run(r"""
      const url = require('url');
      const whatwg = new URL('https://u:p@h.com/p?q#f');
      return {
        object: url.format({protocol: 'https', hostname: 'h', port: 8, pathname: 'p#?',
                            query: {a: [1, 2]}, hash: 'x'}),
        auth: url.format({auth: 'a:b c', host: 'h'}),
        file: url.format({protocol: 'file', pathname: '/x'}),
        string: url.format('http://A.com/x y'),
        whatwg: url.format(whatwg),
        stripped: url.format(whatwg, {auth: false, search: false, fragment: false}),
        roundTrip: url.format(url.parse('http://u@h:1/p?q#h')),
        invalid: caught(() => url.format(5)),
      };
    """)
    assert values == {
        "object": "https://h:8/p%23%3F?a=1&a=2#x",
        "auth": "a:b%20c@h",
        "file": "file:///x",
        "string": "http://a.com/x%20y",
        "whatwg": "https://u:p@h.com/p?q#f",
        "stripped": "https://h.com/p",
        "roundTrip": "http://u@h:1/p?q#h",
        "invalid": invalid_arg(
            'The "urlObject" argument must be one of type object or string. '
            "Received type number (5)"
        ),
    }


async def test_url_resolve_follows_rfc_3986_examples() -> None:
    values = await run(r"""
      const url = require('url');
      const base = 'http://a/b/c/d;p?q';
      const refs = ['g:h', 'g', './g', 'g/', '/g', '//g', '?y', 'g?y', '#s', 'g#s', 'g?y#s',
                    ';x', 'g;x', '', '.', './', '..', '../', '../g', '../..', '../../',
                    '../../g', '../../../g', '/./g', '/../g', 'g.', '.g', 'g..', '..g',
                    './../g', './g/.', 'g/./h', 'g/../h'];
      return {resolved: refs.map((ref) => url.resolve(base, ref))};
    """)
    assert values == {
        "resolved": [
            "g:h", "http://a/b/c/g", "http://a/b/c/g", "http://a/b/c/g/", "http://a/g",
            "http://g/", "http://a/b/c/d;p?y", "http://a/b/c/g?y", "http://a/b/c/d;p?q#s",
            "http://a/b/c/g#s", "http://a/b/c/g?y#s", "http://a/b/c/;x", "http://a/b/c/g;x",
            "http://a/b/c/d;p?q", "http://a/b/c/", "http://a/b/c/", "http://a/b/",
            "http://a/b/", "http://a/b/g", "http://a/", "http://a/", "http://a/g",
            "http://a/g", "http://a/g", "http://a/g", "http://a/b/c/g.", "http://a/b/c/.g",
            "http://a/b/c/g..", "http://a/b/c/..g", "http://a/b/g", "http://a/b/c/g/",
            "http://a/b/c/g/h", "http://a/b/c/h",
        ]
    }  # fmt: skip


async def test_url_resolve_keeps_nodes_legacy_rules() -> None:
    values = await run(r"""
      const url = require('url');
      const object = url.resolveObject('http://a/b', '../c');
      return {
        resolved: [['/one/two/three', 'four'], ['http://example.com/', '/one'],
                   ['http://example.com/one', '/two'], ['http://h/a', 'https:g'],
                   ['http://h/a', 'http:g'], ['mailto:a@b.com', 'c@d.com'],
                   ['http://u:p@h/x/y', '//other/z'], ['file:///a/b', 'c']]
          .map(([from, to]) => url.resolve(from, to)),
        object: [object instanceof url.Url, object.href, object.pathname],
      };
    """)
    assert values == {
        "resolved": [
            "/one/two/four", "http://example.com/one", "http://example.com/two",
            "https://g/", "http://h/g", "mailto:c@d.com", "http://other/z", "file:///a/c",
        ],
        "object": [True, "http://a/c", "/c"],
    }  # fmt: skip


async def test_url_file_paths_convert_both_ways() -> None:
    values = await run(r"""
      const url = require('url');
      return {
        toPath: [url.fileURLToPath('file:///a%20b/c'), url.fileURLToPath(new URL('file:///x/%C3%A9')),
                 url.fileURLToPath('file://localhost/etc')],
        toUrl: [url.pathToFileURL('/a b#c?d%e\\f').href, url.pathToFileURL('rel/x/').href,
                url.pathToFileURL('/').href],
        notFile: caught(() => url.fileURLToPath('http://x/')),
        host: caught(() => url.fileURLToPath('file://host/a')),
        encodedSlash: caught(() => url.fileURLToPath('file:///a%2fb')),
      };
    """)
    assert values == {
        "toPath": ["/a b/c", "/x/é", "/etc"],
        "toUrl": ["file:///a%20b%23c%3Fd%25e%5Cf", "file:///rel/x/", "file:///"],
        "notFile": {
            "name": "TypeError",
            "message": "The URL must be of scheme file",
            "code": "ERR_INVALID_URL_SCHEME",
        },
        "host": {
            "name": "TypeError",
            "message": 'File URL host must be "localhost" or empty on linux',
            "code": "ERR_INVALID_FILE_URL_HOST",
        },
        "encodedSlash": {
            "name": "TypeError",
            "message": "File URL path must not include encoded / characters",
            "code": "ERR_INVALID_FILE_URL_PATH",
        },
    }


async def test_url_exports_the_whatwg_classes_and_http_options() -> None:
    values = await run(r"""
      const url = require('url');
      return {
        classes: url.URL === URL && url.URLSearchParams === URLSearchParams,
        options: url.urlToHttpOptions(new URL('https://u:p%20@[::1]:8080/p?q#h')),
      };
    """)
    assert values == {
        "classes": True,
        "options": {
            "protocol": "https:",
            "hostname": "::1",
            "hash": "#h",
            "search": "?q",
            "pathname": "/p",
            "path": "/p?q",
            "href": "https://u:p%20@[::1]:8080/p?q#h",
            "port": 8080,
            "auth": "u:p ",
        },
    }


# ---- buffer ---------------------------------------------------------------------------------


async def test_buffer_module_exports_buffer_limits_and_base64_helpers() -> None:
    values = await run(r"""
      const buffer = require('buffer');
      return {
        buffer: buffer.Buffer === Buffer, constants: buffer.constants,
        kMaxLength: buffer.kMaxLength, kStringMaxLength: buffer.kStringMaxLength,
        btoa: buffer.btoa('hi'), atob: buffer.atob('aGk='),
      };
    """)
    assert values == {
        "buffer": True,
        "constants": {"MAX_LENGTH": 4294967296, "MAX_STRING_LENGTH": 536870888},
        "kMaxLength": 4294967296,
        "kStringMaxLength": 536870888,
        "btoa": "aGk=",
        "atob": "hi",
    }


async def test_buffer_is_utf8_and_is_ascii_check_bytes() -> None:
    values = await run(r"""
      const {isUtf8, isAscii} = require('buffer');
      const samples = [[0x61], [0xc3, 0xa9], [0xc3], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80],
                       [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xc0, 0x80]];
      return {
        utf8: samples.map((s) => isUtf8(new Uint8Array(s))),
        ascii: [isAscii(Buffer.from('abc')), isAscii(Buffer.from('é'))],
      };
    """)
    assert values == {
        "utf8": [True, True, False, False, False, False, True, False],
        "ascii": [True, False],
    }


# ---- assert ---------------------------------------------------------------------------------

_FAILURE = r"""
  const failure = (fn) => { try { fn(); } catch (e) {
    return [e.name, e.code, e.message, e.generatedMessage, e.operator]; } return null; };
"""


async def test_assert_ok_passes_truthy_values_and_fails_falsy_ones() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      assert(1); assert.ok('yes');
      return {
        same: assert.ok === assert,
        falsy: failure(() => assert(0)),
        message: failure(() => assert.ok(null, 'needs a value')),
        noArgument: failure(() => assert.ok()),
        error: caught(() => assert.ok(false, new RangeError('mine'))),
      };
    """
    )
    assert values == {
        "same": True,
        "falsy": ["AssertionError", "ERR_ASSERTION", "0 == true", True, "=="],
        "message": ["AssertionError", "ERR_ASSERTION", "needs a value", False, "=="],
        "noArgument": [
            "AssertionError", "ERR_ASSERTION", "No value argument passed to `assert.ok()`",
            True, "==",
        ],
        "error": {"name": "RangeError", "message": "mine"},
    }  # fmt: skip


async def test_assert_equal_and_strict_equal_explain_the_difference() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      assert.equal(1, '1'); assert.equal(NaN, NaN); assert.notEqual(1, 2);
      assert.strictEqual(NaN, NaN); assert.notStrictEqual(1, '1');
      return {
        equal: failure(() => assert.equal(1, 2)),
        notEqual: failure(() => assert.notEqual(1, '1')),
        short: failure(() => assert.strictEqual(1, '1')),
        indicator: failure(() => assert.strictEqual(123456, 1234567)),
        sameStructure: failure(() => assert.strictEqual({a: 1}, {a: 1})),
        diff: failure(() => assert.strictEqual([1, 2, 3], [1, 2, 4])),
        notStrict: failure(() => assert.notStrictEqual(1, 1)),
        missing: caught(() => assert.equal(1)),
      };
    """
    )
    assert values == {
        "equal": ["AssertionError", "ERR_ASSERTION", "1 == 2", True, "=="],
        "notEqual": ["AssertionError", "ERR_ASSERTION", "1 != '1'", True, "!="],
        "short": [
            "AssertionError", "ERR_ASSERTION",
            "Expected values to be strictly equal:\n\n1 !== '1'\n", True, "strictEqual",
        ],
        "indicator": [
            "AssertionError", "ERR_ASSERTION",
            "Expected values to be strictly equal:\n+ actual - expected\n\n+ 123456\n- 1234567"
            "\n        ^",
            True, "strictEqual",
        ],
        "sameStructure": [
            "AssertionError", "ERR_ASSERTION",
            "Values have same structure but are not reference-equal:\n\n{\n  a: 1\n}\n",
            True, "strictEqual",
        ],
        "diff": [
            "AssertionError", "ERR_ASSERTION",
            'Expected "actual" to be reference-equal to "expected":\n+ actual - expected\n\n'
            "  [\n    1,\n    2,\n+   3\n-   4\n  ]",
            True, "strictEqual",
        ],
        "notStrict": [
            "AssertionError", "ERR_ASSERTION", 'Expected "actual" to be strictly unequal to: 1',
            True, "notStrictEqual",
        ],
        "missing": {
            "name": "TypeError",
            "message": 'The "actual" and "expected" arguments must be specified',
            "code": "ERR_MISSING_ARGS",
        },
    }  # fmt: skip


async def test_assert_deep_equal_and_deep_strict_equal() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      assert.deepEqual({a: [1, '2']}, {a: ['1', 2]});
      assert.deepStrictEqual({a: [1, {b: new Set([2])}]}, {a: [1, {b: new Set([2])}]});
      assert.notDeepStrictEqual({a: 1}, {a: '1'});
      assert.notDeepEqual({a: 1}, {a: 2});
      return {
        loose: failure(() => assert.deepEqual({a: 1}, {a: 2})),
        strict: failure(() => assert.deepStrictEqual({a: 1, b: {c: [1, 2]}},
                                                     {a: 1, b: {c: [1, 3]}})),
        notStrict: failure(() => assert.notDeepStrictEqual({a: 1}, {a: 1})),
        notLoose: failure(() => assert.notDeepEqual(1, 1)),
      };
    """
    )
    assert values == {
        "loose": [
            "AssertionError", "ERR_ASSERTION",
            "Expected values to be loosely deep-equal:\n\n{\n  a: 1\n}\n\n"
            "should loosely deep-equal\n\n{\n  a: 2\n}",
            True, "deepEqual",
        ],
        "strict": [
            "AssertionError", "ERR_ASSERTION",
            "Expected values to be strictly deep-equal:\n+ actual - expected\n\n  {\n    a: 1,\n"
            "    b: {\n      c: [\n        1,\n+       2\n-       3\n      ]\n    }\n  }",
            True, "deepStrictEqual",
        ],
        "notStrict": [
            "AssertionError", "ERR_ASSERTION",
            'Expected "actual" not to be strictly deep-equal to:\n\n{\n  a: 1\n}\n',
            True, "notDeepStrictEqual",
        ],
        "notLoose": [
            "AssertionError", "ERR_ASSERTION",
            'Expected "actual" not to be loosely deep-equal to:\n\n1', True, "notDeepEqual",
        ],
    }  # fmt: skip


async def test_assertion_error_has_nodes_shape() -> None:
    values = await run(r"""
      const {AssertionError} = require('assert');
      const e = new AssertionError({actual: 1, expected: 2, operator: 'strictEqual'});
      const given = new AssertionError({message: 'mine', actual: 1});
      return {
        name: e.name, code: e.code, keys: Object.keys(e), text: String(e),
        stack: e.stack.split('\n')[0], isError: e instanceof Error,
        given: [given.message, given.generatedMessage],
        badOptions: caught(() => new AssertionError(5)),
      };
    """)
    assert values == {
        "name": "AssertionError",
        "code": "ERR_ASSERTION",
        "keys": ["generatedMessage", "code", "actual", "expected", "operator"],
        "text": "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n"
        "1 !== 2\n",
        "stack": "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "isError": True,
        "given": ["mine", False],
        "badOptions": invalid_arg(
            'The "options" argument must be of type object. Received type number (5)'
        ),
    }


async def test_assert_throws_checks_the_thrown_error() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      const boom = () => { throw new Error('abc'); };
      assert.throws(boom); assert.throws(boom, Error); assert.throws(boom, /abc/);
      assert.throws(boom, {message: 'abc', name: 'Error'}); assert.throws(boom, {message: /b/});
      assert.throws(boom, (e) => e.message === 'abc');
      return {
        missing: failure(() => assert.throws(() => {}, TypeError, 'why')),
        wrongClass: failure(() => assert.throws(() => { throw new RangeError('r'); }, TypeError)),
        regexp: failure(() => assert.throws(boom, /xyz/)),
        object: failure(() => assert.throws(boom, {message: 'abd'})),
        validator: failure(() => assert.throws(boom, function named() { return 1; })),
        notFunction: caught(() => assert.throws('x')),
      };
    """
    )
    assert values == {
        "missing": [
            "AssertionError", "ERR_ASSERTION", "Missing expected exception (TypeError): why",
            False, "throws",
        ],
        "wrongClass": [
            "AssertionError", "ERR_ASSERTION",
            'The error is expected to be an instance of "TypeError". Received "RangeError"\n\n'
            "Error message:\n\nr",
            True, "throws",
        ],
        "regexp": [
            "AssertionError", "ERR_ASSERTION",
            "The input did not match the regular expression /xyz/. Input:\n\n'Error: abc'\n",
            True, "throws",
        ],
        "object": [
            "AssertionError", "ERR_ASSERTION",
            "Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n"
            "+   message: 'abc'\n-   message: 'abd'\n  }",
            True, "throws",
        ],
        "validator": [
            "AssertionError", "ERR_ASSERTION",
            'The "named" validation function is expected to return "true". Received 1\n\n'
            "Caught error:\n\nError: abc",
            True, "throws",
        ],
        "notFunction": invalid_arg(
            "The \"fn\" argument must be of type function. Received type string ('x')"
        ),
    }  # fmt: skip


async def test_assert_does_not_throw_reports_or_rethrows() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      assert.doesNotThrow(() => 1);
      const inner = () => { throw new Error('inner'); };
      return {
        unwanted: failure(() => assert.doesNotThrow(inner, 'while saving')),
        otherError: caught(() => assert.doesNotThrow(inner, TypeError)),
      };
    """
    )
    assert values == {
        "unwanted": [
            "AssertionError", "ERR_ASSERTION",
            'Got unwanted exception: while saving\nActual message: "inner"', False,
            "doesNotThrow",
        ],
        "otherError": {"name": "Error", "message": "inner"},
    }  # fmt: skip


async def test_assert_rejects_and_does_not_reject() -> None:
    values = await run(r"""
      const assert = require('assert');
      await assert.rejects(Promise.reject(new Error('x')), /x/);
      await assert.rejects(async () => { throw new TypeError('t'); }, TypeError);
      await assert.doesNotReject(async () => 1);
      return {
        missing: await rejected(assert.rejects(Promise.resolve(1))),
        notPromise: await rejected(assert.rejects(() => 5)),
        unwanted: await rejected(assert.doesNotReject(Promise.reject(new Error('x')))),
      };
    """)
    assert values == {
        "missing": {
            "name": "AssertionError",
            "message": "Missing expected rejection.",
            "code": "ERR_ASSERTION",
        },
        "notPromise": {
            "name": "TypeError",
            "message": 'Expected instance of Promise to be returned from the "promiseFn" '
            "function but got type number (5).",
            "code": "ERR_INVALID_RETURN_VALUE",
        },
        "unwanted": {
            "name": "AssertionError",
            "message": 'Got unwanted rejection.\nActual message: "x"',
            "code": "ERR_ASSERTION",
        },
    }


async def test_assert_match_fail_and_if_error() -> None:
    values = await run(
        _FAILURE
        + r"""
      const assert = require('assert');
      assert.match('abc', /b/); assert.doesNotMatch('abc', /x/); assert.ifError(null);
      return {
        match: failure(() => assert.match('abc', /x/)),
        doesNotMatch: failure(() => assert.doesNotMatch('abc', /b/)),
        notString: failure(() => assert.match(5, /x/)),
        fail: failure(() => assert.fail()),
        failMessage: failure(() => assert.fail('boom')),
        ifError: failure(() => assert.ifError(new Error('e1'))),
        ifErrorValue: failure(() => assert.ifError('str')),
      };
    """
    )
    assert values == {
        "match": [
            "AssertionError", "ERR_ASSERTION",
            "The input did not match the regular expression /x/. Input:\n\n'abc'\n", True,
            "match",
        ],
        "doesNotMatch": [
            "AssertionError", "ERR_ASSERTION",
            "The input was expected to not match the regular expression /b/. Input:\n\n'abc'\n",
            True, "doesNotMatch",
        ],
        "notString": [
            "AssertionError", "ERR_ASSERTION",
            'The "string" argument must be of type string. Received type number (5)', True,
            "match",
        ],
        "fail": ["AssertionError", "ERR_ASSERTION", "Failed", True, "fail"],
        "failMessage": ["AssertionError", "ERR_ASSERTION", "boom", False, "fail"],
        "ifError": [
            "AssertionError", "ERR_ASSERTION", "ifError got unwanted exception: e1", False,
            "ifError",
        ],
        "ifErrorValue": [
            "AssertionError", "ERR_ASSERTION", "ifError got unwanted exception: 'str'", False,
            "ifError",
        ],
    }  # fmt: skip


async def test_assert_strict_compares_strictly() -> None:
    values = await run(r"""
      const assert = require('assert');
      const {strict} = assert;
      const operator = (fn) => { try { fn(); return 'passed'; } catch (e) { return e.operator; } };
      return {
        aliases: [strict.strict === strict, strict.equal === assert.strictEqual,
                  strict.deepEqual === assert.deepStrictEqual,
                  strict.notEqual === assert.notStrictEqual,
                  strict.notDeepEqual === assert.notDeepStrictEqual],
        operators: [operator(() => strict.equal(1, '1')),
                    operator(() => strict.deepEqual([1], ['1'])),
                    operator(() => strict(0)), operator(() => assert.deepEqual([1], ['1']))],
      };
    """)
    assert values == {
        "aliases": [True] * 5,
        "operators": ["strictEqual", "deepStrictEqual", "==", "passed"],
    }


async def test_uncaught_assertion_failure_ends_the_invocation_with_its_error() -> None:
    outcome = await invoke(
        "function getUser(email, callback) {"
        " require('assert').strictEqual(email, 'someone@example.com');"
        " callback(null, {user_id: '1'}); }"
    )
    assert outcome.status == "error"
    assert outcome.error is not None
    assert (outcome.error.name, outcome.error.code) == ("AssertionError", "ERR_ASSERTION")
    assert outcome.error.data == {
        "generatedMessage": True,
        "actual": "jane@example.com",
        "expected": "someone@example.com",
        "operator": "strictEqual",
    }


# ---- path -----------------------------------------------------------------------------------


async def test_path_join_normalize_and_resolve() -> None:
    values = await run(r"""
      const path = require('path');
      return {
        join: [path.join('/a', 'b', '../c', './d'), path.join(''), path.join('a', '', 'b/'),
               path.join('/', '..'), path.join('..', 'a')],
        normalize: ['', '//', '///a//b/', './', '../..', 'a/../..', '/a/./b/../../c']
          .map(path.normalize),
        resolve: [path.resolve('a', 'b'), path.resolve('/x', 'y', '/z', 'w/'), path.resolve(),
                  path.resolve('..')],
      };
    """)
    assert values == {
        "join": ["/a/c/d", ".", "a/b/", "/", "../a"],
        "normalize": [".", "/", "/a/b/", "./", "../..", "..", "/c"],
        "resolve": ["/a/b", "/z/w", "/", "/"],
    }


async def test_path_dirname_basename_and_extname() -> None:
    values = await run(r"""
      const path = require('path');
      return {
        dirname: ['', '/', '//a', '/a', '/a//b', 'a/b', 'a', '/a/b/c/'].map(path.dirname),
        basename: [path.basename('/a/b.html'), path.basename('/a/b.html', '.html'),
                   path.basename('/a/b/'), path.basename('a.html', 'a.html'),
                   path.basename('/a/b', 'b')],
        extname: ['a.js', '.bashrc', '..', '...', 'a.', 'a.b/', 'x/.y.z'].map(path.extname),
      };
    """)
    assert values == {
        "dirname": [".", "/", "//", "/", "/a/", "a", ".", "/a/b"],
        "basename": ["b.html", "b", "b", "", "b"],
        "extname": [".js", "", "", ".", ".", ".b", ".z"],
    }


async def test_path_relative_and_is_absolute() -> None:
    values = await run(r"""
      const path = require('path');
      return {
        relative: [['/a/b', '/a/b/c/d'], ['/a/b/c', '/a/d'], ['/a', '/'], ['a', 'a'],
                   ['/data/orandea/test/aaa', '/data/orandea/impl/bbb']]
          .map(([from, to]) => path.relative(from, to)),
        absolute: ['/', '', 'a', './a'].map(path.isAbsolute),
      };
    """)
    assert values == {
        "relative": ["c/d", "../../d", "..", "", "../../impl/bbb"],
        "absolute": [True, False, False, False],
    }


async def test_path_parse_and_format_are_inverse() -> None:
    values = await run(r"""
      const path = require('path');
      const parsed = path.parse('/home/user/dir/file.txt');
      return {
        parsed, root: path.parse('/'), dotfile: path.parse('.bashrc'),
        formatted: [path.format(parsed), path.format({root: '/', name: 'file', ext: 'txt'}),
                    path.format({dir: 'a', base: 'b'})],
        constants: [path.sep, path.delimiter, path.posix === path],
        notString: caught(() => path.join('a', 1)),
      };
    """)
    assert values == {
        "parsed": {
            "root": "/",
            "dir": "/home/user/dir",
            "base": "file.txt",
            "ext": ".txt",
            "name": "file",
        },
        "root": {"root": "/", "dir": "/", "base": "", "ext": "", "name": ""},
        "dotfile": {"root": "", "dir": "", "base": ".bashrc", "ext": "", "name": ".bashrc"},
        "formatted": ["/home/user/dir/file.txt", "/file.txt", "a/b"],
        "constants": ["/", ":", True],
        "notString": invalid_arg(
            'The "path" argument must be of type string. Received type number (1)'
        ),
    }


# ---- string_decoder -------------------------------------------------------------------------

_DECODE = r"""
  const {StringDecoder} = require('string_decoder');
  const decode = (encoding, chunks) => {
    const decoder = new StringDecoder(encoding);
    const out = chunks.map((c) => decoder.write(Buffer.from(c)));
    out.push(decoder.end());
    return out;
  };
"""


async def test_string_decoder_holds_utf8_characters_split_across_chunks() -> None:
    values = await run(
        _DECODE
        + r"""
      return {
        euro: decode('utf8', [[0xe2], [0x82], [0xac, 0x41]]),
        emoji: decode('utf-8', [[0xf0, 0x9f], [0x98, 0x80]]),
        interrupted: decode('utf8', [[0xe2], [0x41]]),
        unfinished: decode('utf8', [[0xe2, 0x82]]),
        endChunk: (() => { const d = new StringDecoder(); return [d.write(Buffer.from([0xc3])),
                                                               d.end(Buffer.from([0xa9]))]; })(),
      };
    """
    )
    assert values == {
        "euro": ["", "", "€A", ""],
        "emoji": ["", "😀", ""],
        "interrupted": ["", "\ufffdA", ""],
        "unfinished": ["", "\ufffd"],
        "endChunk": ["", "é"],
    }


async def test_string_decoder_decodes_utf16le_base64_hex_and_latin1() -> None:
    values = await run(
        _DECODE
        + r"""
      return {
        utf16le: decode('utf16le', [[0x41], [0x00, 0x3d, 0xd8], [0x00, 0xde]]),
        base64: decode('base64', [[1], [2, 3, 4], [5]]),
        hex: decode('hex', [[1, 255], [16]]),
        latin1: decode('latin1', [[0xe9, 0x41]]),
        encodings: [undefined, 'UTF-8', 'ucs2', 'binary', 'HEX']
          .map((e) => new StringDecoder(e).encoding),
        string: new StringDecoder().write('as is'),
      };
    """
    )
    assert values == {
        "utf16le": ["", "A", "😀", ""],
        "base64": ["", "AQID", "", "BAU="],
        "hex": ["01ff", "10", ""],
        "latin1": ["éA", ""],
        "encodings": ["utf8", "utf8", "utf16le", "latin1", "hex"],
        "string": "as is",
    }


async def test_string_decoder_rejects_unknown_encodings_and_non_buffers() -> None:
    values = await run(r"""
      const {StringDecoder} = require('string_decoder');
      return {
        encoding: caught(() => new StringDecoder('nope')),
        input: caught(() => new StringDecoder().write(5)),
      };
    """)
    assert values == {
        "encoding": {
            "name": "TypeError",
            "message": "Unknown encoding: nope",
            "code": "ERR_UNKNOWN_ENCODING",
        },
        "input": invalid_arg(
            'The "buf" argument must be an instance of Buffer, TypedArray, or DataView. '
            "Received type number (5)"
        ),
    }


# ---- timers ---------------------------------------------------------------------------------


async def test_timers_module_schedules_and_clears() -> None:
    values = await run(r"""
      const timers = require('timers');
      const fired = [];
      const cancelled = timers.setTimeout(() => fired.push('cancelled'), 1);
      timers.clearTimeout(cancelled);
      const after = (schedule, name) => new Promise((resolve) => schedule(() => {
        fired.push(name);
        resolve();
      }));
      await after((fn) => timers.setTimeout(fn, 2), 'timeout');
      await after((fn) => timers.setImmediate(fn), 'immediate');
      let ticks = 0;
      await new Promise((resolve) => {
        const id = timers.setInterval(() => {
          if (++ticks === 2) { timers.clearInterval(id); resolve(); }
        }, 1);
      });
      return {fired, ticks, promises: timers.promises === require('timers/promises')};
    """)
    assert values == {"fired": ["timeout", "immediate"], "ticks": 2, "promises": True}


async def test_timers_promises_resolve_iterate_and_abort() -> None:
    values = await run(r"""
      const timers = require('timers/promises');
      const ticks = [];
      for await (const value of timers.setInterval(1, 'tick')) {
        ticks.push(value);
        if (ticks.length === 3) break;
      }
      await timers.scheduler.wait(1);
      const listeners = [];
      const signal = {aborted: false, addEventListener: (type, fn) => listeners.push(fn),
                      removeEventListener() {}};
      const aborted = rejected(timers.setTimeout(10000, 'never', {signal}));
      signal.aborted = true;
      listeners.forEach((fn) => fn());
      return {
        timeout: await timers.setTimeout(1, 'later'), immediate: await timers.setImmediate('now'),
        ticks, aborted: await aborted,
      };
    """)
    assert values == {
        "timeout": "later",
        "immediate": "now",
        "ticks": ["tick", "tick", "tick"],
        "aborted": {
            "name": "AbortError",
            "message": "The operation was aborted",
            "code": "ABORT_ERR",
        },
    }


# ---- os -------------------------------------------------------------------------------------


async def test_os_describes_a_fixed_linux_host() -> None:
    values = await run(r"""
      const os = require('os');
      return {values: [os.EOL, os.platform(), os.type(), os.arch(), os.hostname(), os.tmpdir(),
                       os.homedir(), os.cpus(), os.totalmem(), os.freemem(), os.uptime()]};
    """)
    assert values == {
        "values": ["\n", "linux", "Linux", "x64", "scriptbridge", "/tmp", "/", [], 0, 0, 0]
    }
