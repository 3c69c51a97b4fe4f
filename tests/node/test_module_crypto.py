"""require('crypto'): hashes, HMACs, pbkdf2, scrypt, random bytes, run by a real Engine.

Expected values come from Python's hashlib and hmac, or from the RFCs' test vectors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Outcome, Script
from scriptbridge.node.modules.bcrypt import BCRYPT, BCRYPTJS
from scriptbridge.node.modules.crypto import CRYPTO, DIGESTS

Run = Callable[..., Awaitable[Any]]

LIMITS = Limits(timeout_seconds=5)


def fill(source: str, **values: Any) -> str:
    """``source`` with each ``__name__`` replaced by ``values[name]`` as a JavaScript literal."""
    for name, value in values.items():
        source = source.replace(f"__{name}__", json.dumps(value))
    return source


@pytest.fixture
async def run() -> AsyncIterator[Run]:
    """Run a login script body (``crypto`` and ``password`` in scope, ``async``) on a real
    Engine, and return what it passes to ``done(value)``; fails unless it ends that way. Every
    V8 context made is freed when the test ends."""
    before = mini_racer_context.context_count()
    names = (f"legacy-{n}" for n in itertools.count())
    async with Engine(host_modules=(BCRYPT, BCRYPTJS, CRYPTO)) as engine:

        async def run_body(body: str, password: str = "hunter2") -> Any:
            source = (
                "async function login(email, password, callback) {\n"
                "  const crypto = require('crypto');\n"
                "  const done = (value) => callback(null, { user_id: '1', value });\n"
                f"{body}\n}}"
            )
            name = next(names)
            scripts = {"login": Script("login", source, "login.js")}
            await engine.load(ConnectionSpec(name, scripts, limits=LIMITS, runners=1))
            outcome: Outcome = await engine.invoke(name, "login", ["jane@example.com", password])
            assert outcome.status == "result", outcome
            return outcome.result["value"]

        yield run_body
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"


# Catches what a statement throws, as [name, code, message].
CATCH = """
const caught = (call) => {
  try { call(); return 'no error'; }
  catch (e) { return [e.name, e.code === undefined ? null : e.code, e.message]; }
};
"""


async def test_create_hash_matches_hashlib_for_every_algorithm(run: Run) -> None:
    """Each name getHashes() lists hashes as hashlib does, in hex, base64 and as a Buffer."""
    body = """
    const out = {};
    for (const name of crypto.getHashes()) {
      const digest = crypto.createHash(name).update('The quick brown fox').digest();
      out[name] = [crypto.createHash(name).update('The quick brown fox').digest('hex'),
                   Buffer.isBuffer(digest) ? digest.toString('base64') : 'not a Buffer'];
    }
    done(out);
    """
    digests = await run(body)
    assert set(DIGESTS) <= set(digests)
    for name, (hex_digest, b64_digest) in digests.items():
        canonical = name.lower().removeprefix("rsa-").replace("/", "-")
        expected = hashlib.new(DIGESTS[canonical], b"The quick brown fox").digest()
        assert (hex_digest, b64_digest) == (expected.hex(), base64.b64encode(expected).decode())


async def test_update_is_chainable_and_reads_each_input_encoding(run: Run) -> None:
    body = """
    const h = (alg, ...inputs) => {
      const hash = crypto.createHash(alg);
      for (const [data, enc] of inputs) hash.update(data, enc);
      return hash.digest('hex');
    };
    done({
      chained: crypto.createHash('sha256').update('héllo ').update('wörld').digest('hex'),
      utf8: h('sha1', ['héllo wörld', 'utf8']),
      hex: h('md5', ['00ff10', 'hex']),
      base64: h('sha512', ['AP8Q', 'base64']),
      latin1: h('sha256', ['héllo', 'latin1']),
      binary: h('sha256', ['héllo', 'binary']),
      ucs2: h('sha384', ['héllo', 'ucs2']),
      utf16le: h('sha384', ['héllo', 'utf16le']),
      unknownIsUtf8: h('sha1', ['héllo wörld', 'no-such-encoding']),
      buffer: h('sha256', [Buffer.from([1, 2, 3])]),
      uint8: h('sha256', [new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4)]),
      dataView: h('sha256', [new DataView(new Uint8Array([9, 1, 2, 3, 9]).buffer, 1, 3)]),
      mixed: h('sha256', ['a'], [Buffer.from('b')], ['63', 'hex']),
    });
    """
    digests = await run(body)
    expected = {
        "chained": hashlib.sha256("héllo wörld".encode()).hexdigest(),
        "utf8": hashlib.sha1("héllo wörld".encode()).hexdigest(),
        "hex": hashlib.md5(b"\x00\xff\x10").hexdigest(),
        "base64": hashlib.sha512(b"\x00\xff\x10").hexdigest(),
        "latin1": hashlib.sha256("héllo".encode("latin-1")).hexdigest(),
        "binary": hashlib.sha256("héllo".encode("latin-1")).hexdigest(),
        "ucs2": hashlib.sha384("héllo".encode("utf-16-le")).hexdigest(),
        "utf16le": hashlib.sha384("héllo".encode("utf-16-le")).hexdigest(),
        "unknownIsUtf8": hashlib.sha1("héllo wörld".encode()).hexdigest(),
        "buffer": hashlib.sha256(b"\x01\x02\x03").hexdigest(),
        "uint8": hashlib.sha256(b"\x01\x02\x03").hexdigest(),
        "dataView": hashlib.sha256(b"\x01\x02\x03").hexdigest(),
        "mixed": hashlib.sha256(b"abc").hexdigest(),
    }
    assert digests == expected


async def test_digest_output_encodings(run: Run) -> None:
    body = """
    const d = (enc) => crypto.createHash('sha256').update('abc').digest(enc);
    const buffer = d();
    done({ hex: d('hex'), HEX: d('HEX'), base64: d('base64'), base64url: d('base64url'),
           latin1: d('latin1'), binary: d('binary'), bufferHex: buffer.toString('hex'),
           isBuffer: Buffer.isBuffer(buffer), named: Buffer.isBuffer(d('buffer')),
           unknown: Buffer.isBuffer(d('no-such-encoding')) });
    """
    digest = hashlib.sha256(b"abc").digest()
    assert await run(body) == {
        "hex": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "HEX": digest.hex(),
        "base64": base64.b64encode(digest).decode(),
        "base64url": base64.urlsafe_b64encode(digest).decode().rstrip("="),
        "latin1": digest.decode("latin-1"),
        "binary": digest.decode("latin-1"),
        "bufferHex": digest.hex(),
        "isBuffer": True,
        "named": True,
        "unknown": True,
    }


async def test_aspnet_mvc3_hmac_template(run: Run) -> None:
    """The ASP.NET Membership (MVC3) template: HMAC-SHA256 keyed by the salt four times over,
    of the UTF-16 password: ``createHmac('sha256', key).update(Buffer.from(pw, 'ucs2'))``."""
    salt = bytes(range(16))
    body = fill(
        """
    function hashPassword(password, salt) {
      var key = Buffer.concat([salt, salt, salt, salt]);
      var hmac = crypto.createHmac('sha256', key);
      hmac.update(Buffer.from(password, 'ucs2'));
      return hmac.digest('base64');
    }
    done(hashPassword(password, Buffer.from(__value__, 'base64')));
    """,
        value=base64.b64encode(salt).decode(),
    )
    expected = hmac.new(salt * 4, "pässword".encode("utf-16-le"), "sha256").digest()
    assert await run(body, password="pässword") == base64.b64encode(expected).decode()


async def test_hmac_keys_algorithms_and_second_digest(run: Run) -> None:
    body = """
    const h = crypto.createHmac('sha512', 'key');
    const first = h.update('data').digest('hex');
    done({ first, second: h.digest('hex'), secondBuffer: h.digest().length,
           bufferKey: crypto.createHmac('SHA1', Buffer.from('key')).update('data').digest('hex'),
           rsaName: crypto.createHmac('RSA-MD5', 'key').update('data').digest('hex'),
           hexKey: crypto.createHmac('sha256', '6b6579', { encoding: 'hex' })
             .update('data').digest('hex') });
    """
    assert await run(body) == {
        "first": hmac.new(b"key", b"data", "sha512").hexdigest(),
        "second": "",
        "secondBuffer": 0,
        "bufferKey": hmac.new(b"key", b"data", "sha1").hexdigest(),
        "rsaName": hmac.new(b"key", b"data", "md5").hexdigest(),
        "hexKey": hmac.new(b"key", b"data", "sha256").hexdigest(),
    }


async def test_hash_copy_and_one_shot_hash(run: Run) -> None:
    body = """
    const a = crypto.createHash('sha256').update('ab');
    const b = a.copy();
    done({ a: a.update('c').digest('hex'), b: b.digest('hex'),
           oneShot: crypto.hash('sha1', 'abc'), oneShotBase64: crypto.hash('md5', 'abc', 'base64'),
           large: crypto.createHash('sha256').update('x'.repeat(200000)).digest('hex') });
    """
    assert await run(body) == {
        "a": hashlib.sha256(b"abc").hexdigest(),
        "b": hashlib.sha256(b"ab").hexdigest(),
        "oneShot": hashlib.sha1(b"abc").hexdigest(),
        "oneShotBase64": base64.b64encode(hashlib.md5(b"abc").digest()).decode(),
        "large": hashlib.sha256(b"x" * 200000).hexdigest(),
    }


async def test_hash_errors_are_nodes(run: Run) -> None:
    body = (
        CATCH
        + """
    const used = crypto.createHash('sha1');
    used.digest();
    done({
      unknownHash: caught(() => crypto.createHash('sha257')),
      unknownHmac: caught(() => crypto.createHmac('sha257', 'key')),
      noAlgorithm: caught(() => crypto.createHash()),
      noKey: caught(() => crypto.createHmac('sha256')),
      digestTwice: caught(() => used.digest('hex')),
      updateAfterDigest: caught(() => used.update('x')),
      updateNumber: caught(() => crypto.createHash('md5').update(42)),
      oddHex: caught(() => crypto.createHash('md5').update('abc', 'hex')),
      tooLarge: caught(() => crypto.createHash('sha1').update(Buffer.alloc(600000)).digest()),
    });
    """
    )
    data_types = "of type string or an instance of Buffer, TypedArray, or DataView"
    assert await run(body) == {
        "unknownHash": ["Error", None, "Digest method not supported"],
        "unknownHmac": ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: sha257"],
        "noAlgorithm": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "algorithm" argument must be of type string. Received undefined',
        ],
        "noKey": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "key" argument must be of type string or an instance of ArrayBuffer, Buffer, '
            "TypedArray, DataView, KeyObject, or CryptoKey. Received undefined",
        ],
        "digestTwice": ["Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"],
        "updateAfterDigest": ["Error", "ERR_CRYPTO_HASH_FINALIZED", "Digest already called"],
        "updateNumber": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            f'The "data" argument must be {data_types}. Received type number (42)',
        ],
        "oddHex": [
            "TypeError",
            "ERR_INVALID_ARG_VALUE",
            "The argument 'encoding' is invalid for data of length 3. Received 'hex'",
        ],
        # Past what the synchronous channel carries (about 384 KiB).
        "tooLarge": [
            "RangeError",
            None,
            "synchronous host call crypto.digest: arguments too large",
        ],
    }


async def test_aspnet_mvc4_pbkdf2_template(run: Run) -> None:
    """The ASP.NET SimpleMembership (MVC4) template: ``crypto.pbkdf2(pw, salt, 1000, 32,
    'sha1', cb)`` over the salt and hash stored in one base64 string, compared in fixed time."""
    salt = bytes(range(100, 116))
    key = hashlib.pbkdf2_hmac("sha1", b"hunter2", salt, 1000, 32)
    stored = base64.b64encode(b"\x00" + salt + key).decode()
    body = fill(
        """
    function fixedTimeComparison(a, b) {
      var mismatch = (a.length === b.length ? 0 : 1);
      if (mismatch) { b = a; }
      for (var i = 0, il = a.length; i < il; ++i) {
        mismatch |= (a.charCodeAt(i) ^ b.charCodeAt(i));
      }
      return (mismatch === 0);
    }
    function validatePassword(password, originalHash, callback) {
      var iterations = 1000;
      var hashBytes = Buffer.from(originalHash, 'base64');
      var salt = hashBytes.slice(1, 17);
      var hash = hashBytes.slice(17, 49);
      crypto.pbkdf2(password, salt, iterations, hash.length, 'sha1', function (err, hashed) {
        if (err) return callback(err);
        var hashedBase64 = Buffer.from(hashed, 'binary').toString('base64');
        callback(null, fixedTimeComparison(hash.toString('base64'), hashedBase64));
      });
    }
    validatePassword(password, __stored__, function (err, right) {
      validatePassword('wrong', __stored__, function (err2, wrong) {
        done({ right, wrong, err: err, err2: err2 });
      });
    });
    """,
        stored=stored,
    )
    assert await run(body) == {"right": True, "wrong": False, "err": None, "err2": None}


# RFC 6070's PBKDF2-HMAC-SHA1 test vectors.
RFC6070 = [
    ("password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
    ("password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
    ("password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"),
    (
        "passwordPASSWORDpassword",
        "saltSALTsaltSALTsaltSALTsaltSALTsalt",
        4096,
        25,
        "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
    ),
]


async def test_pbkdf2_sync_and_async_match_the_rfc_6070_vectors(run: Run) -> None:
    body = fill(
        """
    const vectors = __vectors__;
    const hex = (key) => key.toString('hex');
    const sync = vectors.map(([p, s, c, len]) => hex(crypto.pbkdf2Sync(p, s, c, len, 'sha1')));
    const async = await Promise.all(vectors.map(([p, s, c, len]) => new Promise((resolve, reject) =>
      crypto.pbkdf2(p, s, c, len, 'sha1', (err, key) => err ? reject(err) : resolve(hex(key))))));
    done({ sync, async,
           sha512: hex(crypto.pbkdf2Sync(Buffer.from('pw'), new Uint8Array([1, 2]), 3, 64,
                                         'sha512')),
           empty: crypto.pbkdf2Sync('pw', 'salt', 1, 0, 'sha256').length,
           isBuffer: Buffer.isBuffer(crypto.pbkdf2Sync('pw', 'salt', 1, 8, 'sha256')) });
    """,
        vectors=[list(vector[:4]) for vector in RFC6070],
    )
    expected = [vector[4] for vector in RFC6070]
    assert await run(body) == {
        "sync": expected,
        "async": expected,
        "sha512": hashlib.pbkdf2_hmac("sha512", b"pw", b"\x01\x02", 3, 64).hex(),
        "empty": 0,
        "isBuffer": True,
    }


async def test_pbkdf2_argument_errors_are_thrown_at_the_call(run: Run) -> None:
    body = (
        CATCH
        + """
    const cb = () => {};
    done({
      noDigest: caught(() => crypto.pbkdf2('pw', 'salt', 1000, 32, cb)),
      badDigest: caught(() => crypto.pbkdf2('pw', 'salt', 1000, 32, 'sha0', cb)),
      badDigestSync: caught(() => crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha0')),
      zeroIterations: caught(() => crypto.pbkdf2Sync('pw', 'salt', 0, 32, 'sha1')),
      iterationsString: caught(() => crypto.pbkdf2Sync('pw', 'salt', '1000', 32, 'sha1')),
      noCallback: caught(() => crypto.pbkdf2('pw', 'salt', 1000, 32, 'sha1')),
      badPassword: caught(() => crypto.pbkdf2Sync(null, 'salt', 1, 32, 'sha1')),
    });
    """
    )
    bytes_types = "of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView"
    assert await run(body) == {
        "noDigest": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "digest" argument must be of type string. Received undefined',
        ],
        "badDigest": ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: sha0"],
        "badDigestSync": ["TypeError", "ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: sha0"],
        "zeroIterations": [
            "RangeError",
            "ERR_OUT_OF_RANGE",
            'The value of "iterations" is out of range. It must be >= 1 && <= 2147483647. '
            "Received 0",
        ],
        "iterationsString": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            "The \"iterations\" argument must be of type number. Received type string ('1000')",
        ],
        "noCallback": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "callback" argument must be of type function. Received undefined',
        ],
        "badPassword": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            f'The "password" argument must be {bytes_types}. Received null',
        ],
    }


# RFC 7914's scrypt test vectors (the two that fit Node's default 32 MiB maxmem quickly).
RFC7914 = [
    (
        "",
        "",
        {"N": 16, "r": 1, "p": 1},
        64,
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
    ),
    (
        "password",
        "NaCl",
        {"cost": 1024, "blockSize": 8, "parallelization": 16},
        64,
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    ),
]


async def test_scrypt_sync_and_async_match_the_rfc_7914_vectors(run: Run) -> None:
    body = fill(
        """
    const vectors = __vectors__;
    const hex = (key) => key.toString('hex');
    const sync = vectors.map(([p, s, o, len]) => hex(crypto.scryptSync(p, s, len, o)));
    const async = await Promise.all(vectors.map(([p, s, o, len]) => new Promise((resolve, reject) =>
      crypto.scrypt(p, s, len, o, (err, key) => err ? reject(err) : resolve(hex(key))))));
    const defaults = await new Promise((resolve) =>
      crypto.scrypt('pw', 'salt', 16, (err, key) => resolve(err ? err.message : hex(key))));
    done({ sync, async, defaults, defaultsSync: hex(crypto.scryptSync('pw', 'salt', 16)) });
    """,
        vectors=[list(vector[:4]) for vector in RFC7914],
    )
    expected = [vector[4] for vector in RFC7914]
    default = hashlib.scrypt(b"pw", salt=b"salt", n=16384, r=8, p=1, dklen=16).hex()
    assert await run(body) == {
        "sync": expected,
        "async": expected,
        "defaults": default,
        "defaultsSync": default,
    }


async def test_scrypt_parameter_errors(run: Run) -> None:
    body = (
        CATCH
        + """
    done({
      notPowerOfTwo: caught(() => crypto.scryptSync('pw', 'salt', 16, { N: 1000 })),
      overMaxmem: caught(() => crypto.scryptSync('pw', 'salt', 16, { N: 2 ** 20 })),
      overMaxmemAsync: caught(() => crypto.scrypt('pw', 'salt', 16, { N: 2 ** 16 }, () => {})),
      bothNames: caught(() => crypto.scryptSync('pw', 'salt', 16, { N: 16, cost: 16 })),
      noCallback: caught(() => crypto.scrypt('pw', 'salt', 16)),
      withinRaisedMaxmem:
        crypto.scryptSync('pw', 'salt', 4, { N: 2 ** 16, maxmem: 2 ** 27 }).length,
    });
    """
    )
    code = "ERR_CRYPTO_INVALID_SCRYPT_PARAMS"
    assert await run(body) == {
        "notPowerOfTwo": [
            "RangeError",
            code,
            "Invalid scrypt params: N must be a power of 2 greater than 1",
        ],
        "overMaxmem": ["RangeError", code, "Invalid scrypt params: memory limit exceeded"],
        "overMaxmemAsync": ["RangeError", code, "Invalid scrypt params: memory limit exceeded"],
        "bothNames": [
            "TypeError",
            "ERR_INCOMPATIBLE_OPTION_PAIR",
            'Option "N" cannot be used in combination with option "cost"',
        ],
        "noCallback": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "callback" argument must be of type function. Received undefined',
        ],
        "withinRaisedMaxmem": 4,
    }


async def test_random_bytes_forms(run: Run) -> None:
    """``crypto.randomBytes(16)`` (the survey's form), the callback form, and large sizes."""
    body = (
        CATCH
        + """
    const a = crypto.randomBytes(16);
    const b = crypto.randomBytes(16);
    const viaCallback = await new Promise((resolve) =>
      crypto.randomBytes(32, (err, bytes) => resolve([err, Buffer.isBuffer(bytes), bytes.length])));
    const large = crypto.randomBytes(500000);
    const largeViaCallback = await new Promise((resolve) =>
      crypto.randomBytes(100000, (err, bytes) => resolve(bytes.length)));
    done({
      isBuffer: Buffer.isBuffer(a), length: a.length, distinct: !a.equals(b),
      hex: a.toString('hex').length, viaCallback, large: large.length, largeViaCallback,
      largeNotZero: large.subarray(400000).some((byte) => byte !== 0),
      zero: crypto.randomBytes(0).length,
      negative: caught(() => crypto.randomBytes(-1)),
      string: caught(() => crypto.randomBytes('16')),
      badCallback: caught(() => crypto.randomBytes(16, 'cb')),
    });
    """
    )
    assert await run(body) == {
        "isBuffer": True,
        "length": 16,
        "distinct": True,
        "hex": 32,
        "viaCallback": [None, True, 32],
        "large": 500000,
        "largeViaCallback": 100000,
        "largeNotZero": True,
        "zero": 0,
        "negative": [
            "RangeError",
            "ERR_OUT_OF_RANGE",
            'The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received -1',
        ],
        "string": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            "The \"size\" argument must be of type number. Received type string ('16')",
        ],
        "badCallback": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            "The \"callback\" argument must be of type function. Received type string ('cb')",
        ],
    }


async def test_random_uuid_is_a_version_4_uuid(run: Run) -> None:
    uuids = await run("done([crypto.randomUUID(), crypto.randomUUID()]);")
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(pattern.fullmatch(u) for u in uuids)
    assert uuids[0] != uuids[1]


async def test_timing_safe_equal(run: Run) -> None:
    body = (
        CATCH
        + """
    done({
      same: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')),
      different: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')),
      views: crypto.timingSafeEqual(new Uint16Array([1]), new Uint8Array([1, 0]).buffer),
      lengths: caught(() => crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('ab'))),
      string: caught(() => crypto.timingSafeEqual('abc', Buffer.from('abc'))),
    });
    """
    )
    assert await run(body) == {
        "same": True,
        "different": False,
        "views": True,
        "lengths": [
            "RangeError",
            "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
            "Input buffers must have the same byte length",
        ],
        "string": [
            "TypeError",
            "ERR_INVALID_ARG_TYPE",
            'The "buf1" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or '
            "DataView. Received type string ('abc')",
        ],
    }


async def test_constants_are_openssl_3s_as_node_reports_them(run: Run) -> None:
    """``crypto.constants.SSL_OP_LEGACY_SERVER_CONNECT`` (Auth0's Node 18 migration guide) and
    the other SSL_OP_* numbers, checked against Python's ssl module where it has them."""
    body = "done(Object.assign({ frozen: Object.isFrozen(crypto.constants) }, crypto.constants));"
    constants = await run(body)
    assert constants["frozen"] is True
    assert constants["SSL_OP_LEGACY_SERVER_CONNECT"] == 4
    assert constants["SSL_OP_ALL"] == 2147485776
    names = [name for name in constants if name.startswith("SSL_OP_") and name != "SSL_OP_ALL"]
    checked = 0
    for name in names:
        python = getattr(ssl, name.removeprefix("SSL_"), None)
        if python is not None:
            assert constants[name] == int(python), name
            checked += 1
    assert checked >= 8


async def test_get_hashes_and_node_prefix(run: Run) -> None:
    body = """
    done({ hashes: crypto.getHashes(), same: require('node:crypto') === crypto,
           upper: require('crypto').createHash('SHA256').update('').digest('hex') });
    """
    value = await run(body)
    assert {"md5", "sha1", "sha256", "sha384", "sha512", "RSA-SHA256"} <= set(value["hashes"])
    assert value["hashes"] == sorted(value["hashes"])
    assert value["same"] is True
    assert value["upper"] == hashlib.sha256(b"").hexdigest()
