"""require('bcrypt') and require('bcryptjs'): npm bcrypt's call forms, run by a real Engine."""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import bcrypt
import pytest
from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import ConnectionSpec, Engine, Limits, Outcome, Script
from scriptbridge.node.modules.bcrypt import BCRYPT, BCRYPTJS
from scriptbridge.node.modules.crypto import CRYPTO

Login = Callable[..., Awaitable[Outcome]]

LIMITS = Limits(timeout_seconds=5)
PASSWORD = "correct horse battery staple"


def py_hash(password: bytes | str, rounds: int = 4, prefix: bytes = b"2b") -> str:
    """A hash made by Python's bcrypt (the other implementation)."""
    data = password.encode() if isinstance(password, str) else password
    return bcrypt.hashpw(data, bcrypt.gensalt(rounds, prefix=prefix)).decode()


def fill(source: str, **values: Any) -> str:
    """``source`` with each ``__name__`` replaced by ``values[name]`` as a JavaScript literal."""
    for name, value in values.items():
        source = source.replace(f"__{name}__", json.dumps(value))
    return source


@pytest.fixture
async def login() -> AsyncIterator[Login]:
    """Run a login script (full source) on a real Engine with the bcrypt and crypto modules;
    every V8 context it made is freed when the test ends."""
    before = mini_racer_context.context_count()
    names = (f"legacy-{n}" for n in itertools.count())
    async with Engine(host_modules=(BCRYPT, BCRYPTJS, CRYPTO)) as engine:

        async def run(source: str, password: str = PASSWORD) -> Outcome:
            name = next(names)
            scripts = {"login": Script("login", source, "login.js")}
            await engine.load(ConnectionSpec(name, scripts, limits=LIMITS, runners=1))
            return await engine.invoke(name, "login", ["jane@example.com", password])

        yield run
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"


def result(outcome: Outcome) -> Any:
    assert outcome.status == "result", outcome
    return outcome.result


# The Auth0 template's form (20 files of the survey).
TEMPLATE_LOGIN = """
function login(email, password, callback) {
  const bcrypt = require('bcrypt');
  bcrypt.compare(password, __hash__, function (err, isValid) {
    if (err) return callback(err);
    if (!isValid) return callback(new WrongUsernameOrPasswordError(email));
    callback(null, { user_id: '42', email: email, errIsUndefined: err === undefined });
  });
}
"""


async def test_compare_callback_form_accepts_the_right_password(login: Login) -> None:
    """``bcrypt.compare(pw, hash, (err, ok))`` with a hash made by Python's bcrypt."""
    outcome = await login(fill(TEMPLATE_LOGIN, hash=py_hash(PASSWORD)))
    assert result(outcome) == {"user_id": "42", "email": "jane@example.com", "errIsUndefined": True}


async def test_compare_callback_form_rejects_a_wrong_password(login: Login) -> None:
    outcome = await login(fill(TEMPLATE_LOGIN, hash=py_hash(PASSWORD)), password="wrong")
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.name == "WrongUsernameOrPasswordError"


async def test_hash_promise_form_at_the_default_cost_verifies_in_python(login: Login) -> None:
    """``await bcrypt.hash(pw, 10)`` (the survey's promise form) gives a $2b$10$ hash."""
    source = """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const hash = await bcrypt.hash(password, 10);
      callback(null, { user_id: '1', hash, salt: await bcrypt.genSalt() });
    }
    """
    profile = result(await login(source))
    assert profile["hash"].startswith("$2b$10$")
    assert len(profile["hash"]) == 60
    assert bcrypt.checkpw(PASSWORD.encode(), profile["hash"].encode())
    assert profile["salt"].startswith("$2b$10$")  # genSalt's default cost
    assert len(profile["salt"]) == 29


async def test_hash_callback_form_and_compare_promise_form(login: Login) -> None:
    source = """
    function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      bcrypt.hash(password, 4, function (err, hash) {
        if (err) return callback(err);
        bcrypt.compare(password, hash).then(function (same) {
          return bcrypt.compare('other', hash).then(function (other) {
            callback(null, { user_id: '1', hash, same, other, errIsUndefined: err === undefined });
          });
        });
      });
    }
    """
    profile = result(await login(source))
    assert (profile["same"], profile["other"], profile["errIsUndefined"]) == (True, False, True)
    assert profile["hash"].startswith("$2b$04$")
    assert bcrypt.checkpw(PASSWORD.encode(), profile["hash"].encode())


async def test_gen_salt_forms_feed_hash(login: Login) -> None:
    """genSalt with a callback, as a promise and with minor 'a'; hash with the salt string."""
    source = """
    function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      bcrypt.genSalt(4, function (err, salt) {
        bcrypt.hash(password, salt, async function (err, hash) {
          const saltA = await bcrypt.genSalt(5, 'a');
          const hashA = await bcrypt.hash(password, saltA);
          bcrypt.genSalt(function (err, defaultSalt) {
            callback(null, { user_id: '1', salt, hash, saltA, hashA, defaultSalt });
          });
        });
      });
    }
    """
    profile = result(await login(source))
    assert profile["hash"].startswith(profile["salt"])
    assert profile["salt"].startswith("$2b$04$")
    assert profile["hashA"].startswith(profile["saltA"])
    assert profile["saltA"].startswith("$2a$05$")
    assert profile["defaultSalt"].startswith("$2b$10$")
    for key in ("hash", "hashA"):
        assert bcrypt.checkpw(PASSWORD.encode(), profile[key].encode())


async def test_sync_forms(login: Login) -> None:
    """compareSync (legacy MySQL scripts), hashSync, genSaltSync and getRounds."""
    source = fill(
        """
    function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const salt = bcrypt.genSaltSync(5);
      const hash = bcrypt.hashSync(password, salt);
      callback(null, {
        user_id: '1', salt, hash, rounds: bcrypt.getRounds(hash),
        fromRounds: bcrypt.hashSync(password, 4),
        python: bcrypt.compareSync(password, __value__),
        wrong: bcrypt.compareSync('wrong', hash),
        defaultSalt: bcrypt.genSaltSync(),
      });
    }
    """,
        value=py_hash(PASSWORD),
    )
    profile = result(await login(source))
    assert profile["hash"].startswith(profile["salt"])
    assert profile["rounds"] == 5
    assert profile["fromRounds"].startswith("$2b$04$")
    assert (profile["python"], profile["wrong"]) == (True, False)
    assert profile["defaultSalt"].startswith("$2b$10$")
    for key in ("hash", "fromRounds"):
        assert bcrypt.checkpw(PASSWORD.encode(), profile[key].encode())


@pytest.mark.parametrize("prefix", [b"2a", b"2b", b"2y"])
async def test_hashes_of_each_version_verify(login: Login, prefix: bytes) -> None:
    """$2a$, $2b$ and $2y$ (PHP's; bcryptjs verifies it, node's binding would not) hashes."""
    hashed = py_hash(PASSWORD, prefix=b"2b")
    hashed = f"${prefix.decode()}${hashed[4:]}"  # the same algorithm under each name
    source = fill(
        """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      callback(null, { user_id: '1',
        async: await bcrypt.compare(password, __hash__),
        sync: bcrypt.compareSync(password, __hash__),
        wrong: bcrypt.compareSync('wrong', __hash__),
        rounds: bcrypt.getRounds(__hash__) });
    }
    """,
        hash=hashed,
    )
    assert result(await login(source)) == {
        "user_id": "1",
        "async": True,
        "sync": True,
        "wrong": False,
        "rounds": 4,
    }


async def test_a_salt_with_2y_hashes_to_a_2y_hash(login: Login) -> None:
    salt = "$2y$" + bcrypt.gensalt(4).decode()[4:]
    source = fill(
        """
    function login(email, password, callback) {
      callback(null, { user_id: '1', hash: require('bcrypt').hashSync(password, __salt__) });
    }
    """,
        salt=salt,
    )
    hashed = result(await login(source))["hash"]
    assert hashed.startswith(salt)
    assert bcrypt.checkpw(PASSWORD.encode(), hashed.encode())


async def test_only_the_first_72_bytes_of_a_password_count(login: Login) -> None:
    """As in node: longer passwords are cut to 72 UTF-8 bytes, even inside a character."""
    long = "x" * 71 + "é" + "tail that does not count"  # é's 2 bytes straddle byte 72
    cut = long.encode()[:72]
    source = fill(
        """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const hash = await bcrypt.hash(password, 4);
      callback(null, { user_id: '1', hash,
        python: await bcrypt.compare(password, __python__),
        pythonSync: bcrypt.compareSync(password, __python__),
        sameStart: bcrypt.compareSync(password.slice(0, 71) + 'é' + 'other tail', hash),
        otherStart: bcrypt.compareSync('y' + password.slice(1), hash),
        buffer: bcrypt.compareSync(Buffer.from(password), hash),
        shortBuffer: bcrypt.compareSync(Buffer.from(password).subarray(0, 72), hash),
      });
    }
    """,
        python=py_hash(cut),
    )
    profile = result(await login(source, password=long))
    assert bcrypt.checkpw(cut, profile["hash"].encode())
    del profile["hash"]
    assert profile == {
        "user_id": "1",
        "python": True,
        "pythonSync": True,
        "sameStart": True,
        "otherStart": False,
        "buffer": True,
        "shortBuffer": True,
    }


async def test_passwords_are_utf8_with_lone_surrogates_as_replacement_characters(
    login: Login,
) -> None:
    """A lone surrogate hashes as U+FFFD, as V8 encodes strings to UTF-8 for node's binding."""
    source = fill(
        """
    function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      callback(null, { user_id: '1',
        unicode: bcrypt.compareSync('pässwörd ☃ 😀', __unicode__),
        lone: bcrypt.compareSync('a\\uD800b', __lone__) });
    }
    """,
        unicode=py_hash("pässwörd ☃ 😀"),
        lone=py_hash("a\ufffdb"),
    )
    assert result(await login(source)) == {"user_id": "1", "unicode": True, "lone": True}


async def test_malformed_hashes_compare_false_without_an_error(login: Login) -> None:
    """Node's binding answers false when the hash is not a bcrypt hash; so does the shim."""
    good = py_hash(PASSWORD)
    bad = ["", "plain text", good[:-1], good + "x", "$2x$" + good[4:], "$2$" + good[4:]]
    bad += ["$2b$03$" + good[7:], "$2b$32$" + good[7:], "$1$" + good[3:]]
    source = fill(
        """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const out = { user_id: '1', sync: [], async: [], callback: [] };
      for (const hash of __bad__) {
        out.sync.push(bcrypt.compareSync(password, hash));
        out.async.push(await bcrypt.compare(password, hash));
        out.callback.push(await new Promise((resolve) =>
          bcrypt.compare(password, hash, (err, same) => resolve(err ? err.message : same))));
      }
      callback(null, out);
    }
    """,
        bad=bad,
    )
    profile = result(await login(source))
    assert profile["sync"] == profile["async"] == profile["callback"] == [False] * len(bad)


async def test_hash_with_an_invalid_salt_fails_with_nodes_message(login: Login) -> None:
    source = """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const out = { user_id: '1' };
      const seen = (e) => [e.name, e.message];
      try { bcrypt.hashSync(password, 'not a salt'); } catch (e) { out.sync = seen(e); }
      try { await bcrypt.hash(password, '$2b$10$short'); } catch (e) { out.promise = seen(e); }
      bcrypt.hash(password, '$2x$04$abcdefghijklmnopqrstuv', (err, hash) => {
        out.callback = [err.name, err.message, err instanceof Error, hash === undefined];
        callback(null, out);
      });
    }
    """
    message = "Invalid salt. Salt must be in the form of: $Vers$log2(NumRounds)$saltvalue"
    assert result(await login(source)) == {
        "user_id": "1",
        "sync": ["Error", message],
        "promise": ["Error", message],
        "callback": ["Error", message, True, True],
    }


async def test_argument_errors_reach_callbacks_asynchronously(login: Login) -> None:
    """Missing or wrong arguments: the callback gets node's Error after the call returned."""
    source = """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const out = { user_id: '1' };
      const collect = (key, call) => new Promise((resolve) => {
        let returned = false;
        call((err, value) => {
          const message = err instanceof Error ? err.message : 'no error';
          out[key] = [message, returned, value === undefined];
          resolve();
        });
        returned = true;
      });
      await collect('compareNoHash', (cb) => bcrypt.compare(password, undefined, cb));
      await collect('compareNumber', (cb) => bcrypt.compare(password, 42, cb));
      await collect('compareShifted', (cb) => bcrypt.compare(password, cb));
      await collect('hashNoSalt', (cb) => bcrypt.hash(password, null, cb));
      await collect('hashObject', (cb) => bcrypt.hash({}, 10, cb));
      await collect('hashShifted', (cb) => bcrypt.hash(password, cb));
      await collect('genSaltString', (cb) => bcrypt.genSalt('ten', cb));
      await collect('genSaltNegative', (cb) => bcrypt.genSalt(-1, cb));
      await collect('genSaltMinor', (cb) => bcrypt.genSalt(4, 'c', cb));
      callback(null, out);
    }
    """
    profile = result(await login(source))
    required = "data and hash arguments required"
    types = (
        "data must be a string or Buffer and salt must either be a salt string or a number "
        "of rounds"
    )
    assert profile == {
        "user_id": "1",
        "compareNoHash": [required, True, True],
        "compareNumber": ["data and hash must be strings", True, True],
        "compareShifted": [required, True, True],
        "hashNoSalt": ["data and salt arguments required", True, True],
        "hashObject": [types, True, True],
        "hashShifted": [types, True, True],
        "genSaltString": ["rounds must be a number", True, True],
        "genSaltNegative": ["rounds must be a positive integer", True, True],
        "genSaltMinor": ['minor must be either "a" or "b"', True, True],
    }


async def test_argument_errors_reject_promises_and_throw_in_sync_forms(login: Login) -> None:
    source = """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const out = { user_id: '1' };
      const rejected = async (key, promise) => {
        try { await promise; out[key] = 'resolved'; } catch (e) { out[key] = e.message; }
      };
      const thrown = (key, call) => {
        try { call(); out[key] = 'returned'; } catch (e) { out[key] = e.message; }
      };
      await rejected('compare', bcrypt.compare(password));
      await rejected('hash', bcrypt.hash(undefined, 10));
      await rejected('cbNotFunction', bcrypt.compare(password, 'x', 'not a function'));
      thrown('compareSync', () => bcrypt.compareSync(password));
      thrown('compareSyncTypes', () => bcrypt.compareSync(password, 1));
      thrown('hashSync', () => bcrypt.hashSync(password));
      thrown('genSaltSync', () => bcrypt.genSaltSync('4'));
      thrown('getRoundsMissing', () => bcrypt.getRounds());
      thrown('getRoundsType', () => bcrypt.getRounds(4));
      thrown('getRoundsInvalid', () => bcrypt.getRounds('nope'));
      callback(null, out);
    }
    """
    assert result(await login(source)) == {
        "user_id": "1",
        "compare": "data and hash arguments required",
        "hash": "data and salt arguments required",
        "cbNotFunction": "cb must be a function or null to return a Promise",
        "compareSync": "data and hash arguments required",
        "compareSyncTypes": "data must be a string or Buffer and hash must be a string",
        "hashSync": "data and salt arguments required",
        "genSaltSync": "rounds must be a number",
        "getRoundsMissing": "hash argument required",
        "getRoundsType": "hash must be a string",
        "getRoundsInvalid": "invalid hash provided",
    }


async def test_rounds_are_clamped_as_nodes_binding_does(login: Login) -> None:
    """Node's C code reads rounds as 4..31; 0 means the default 10. (No hashing here.)"""
    source = """
    function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      callback(null, { user_id: '1', rounds: [0, 1, 4.9, 12, 99].map(
        (r) => bcrypt.getRounds(bcrypt.genSaltSync(r))) });
    }
    """
    assert result(await login(source))["rounds"] == [10, 4, 4, 12, 31]


async def test_an_error_thrown_in_a_bcrypt_callback_ends_the_invocation(login: Login) -> None:
    """The callback runs attributed to its invocation, so its throw is that invocation's error."""
    source = fill(
        """
    function login(email, password, callback) {
      require('bcrypt').compare(password, __hash__, function (err, ok) {
        throw new Error('thrown after compare: ' + ok);
      });
    }
    """,
        hash=py_hash(PASSWORD),
    )
    outcome = await login(source)
    assert outcome.status == "error"
    assert outcome.error is not None
    assert outcome.error.message == "thrown after compare: true"


async def test_bcryptjs_is_the_same_module(login: Login) -> None:
    source = fill(
        """
    async function login(email, password, callback) {
      const bcryptjs = require('bcryptjs');
      const hash = bcryptjs.hashSync(password, 4);
      callback(null, { user_id: '1', hash,
        python: await bcryptjs.compare(password, __hash__),
        own: bcryptjs.compareSync(password, hash),
        distinct: bcryptjs !== require('bcrypt') });
    }
    """,
        hash=py_hash(PASSWORD, prefix=b"2a"),
    )
    profile = result(await login(source))
    assert (profile["python"], profile["own"], profile["distinct"]) == (True, True, True)
    assert bcrypt.checkpw(PASSWORD.encode(), profile["hash"].encode())


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
async def test_async_hashes_run_in_worker_threads_not_on_the_loop(
    login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bcrypt.hash/compare with callbacks or promises compute in worker threads: the event
    loop's thread never runs bcrypt itself (the speed this gives is in bench/, not here)."""
    threads: list[int] = []
    real_hashpw = bcrypt.hashpw

    def recording_hashpw(password: bytes, salt: bytes) -> bytes:
        threads.append(threading.get_ident())
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", recording_hashpw)
    source = """
    async function login(email, password, callback) {
      const bcrypt = require('bcrypt');
      const hashes = await Promise.all([1, 2, 3, 4].map(() => bcrypt.hash(password, 4)));
      bcrypt.compare(password, hashes[0], (err, ok) => callback(err, {user_id: '1', ok}));
    }
    """
    loop_thread = threading.get_ident()
    assert result(await login(source)) == {"user_id": "1", "ok": True}
    assert len(threads) == 5
    assert loop_thread not in threads
