"""The HTTP modules (request, axios, node-fetch, https, http): every call form of the survey,
run by a real Engine against real aiohttp servers on 127.0.0.1, mutual TLS included."""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from py_mini_racer import _context as mini_racer_context

from scriptbridge.engine import ConnectionSpec, Engine, HostModule, Limits, Outcome, Script
from scriptbridge.node.modules import http as http_module
from scriptbridge.node.modules.http import http_modules

LIMITS = Limits(timeout_seconds=5)


# -- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    """A running test server: its base URL and the paths it was asked for."""

    base: str
    hits: list[str] = field(default_factory=list)


async def _echo(request: web.Request) -> web.Response:
    peer = request.transport.get_extra_info("peercert") if request.transport else None
    client = None
    if peer:
        client = dict(pair[0] for pair in peer["subject"]).get("commonName")
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": request.raw_path.partition("?")[2],
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": (await request.read()).decode("latin-1"),
            "client": client,
        }
    )


async def _status(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    return web.json_response({"error": f"status {code}"}, status=code)


async def _slow(request: web.Request) -> web.Response:
    await asyncio.wait_for(request.app[RELEASE].wait(), 5)
    return web.Response(text="late")


async def _redirect(request: web.Request) -> web.Response:
    status = int(request.query.get("status", "302"))
    return web.Response(status=status, headers={"Location": request.query.get("to", "/echo")})


async def _cookies(request: web.Request) -> web.Response:
    response = web.Response(text="{}", content_type="application/json")
    response.headers.add("Set-Cookie", "a=1; Path=/")
    response.headers.add("Set-Cookie", "b=2; Path=/")
    response.headers.add("X-Dup", "one")
    response.headers.add("X-Dup", "two")
    return response


async def _binary(request: web.Request) -> web.Response:
    return web.Response(body=bytes(range(256)), content_type="application/octet-stream")


async def _text(request: web.Request) -> web.Response:
    return web.Response(text="plain words, not JSON")


RELEASE = web.AppKey("release", asyncio.Event)
HITS = web.AppKey("hits", list)


@web.middleware
async def _record(request: web.Request, handler: Any) -> web.StreamResponse:
    request.app[HITS].append(request.path)
    response: web.StreamResponse = await handler(request)
    return response


async def _serve(ssl_context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, Server]:
    app = web.Application(middlewares=[_record])
    app[RELEASE] = asyncio.Event()
    app[HITS] = []
    app.router.add_route("*", "/echo", _echo)
    app.router.add_route("*", "/status/{code}", _status)
    app.router.add_get("/slow", _slow)
    app.router.add_route("*", "/redirect", _redirect)
    app.router.add_get("/cookies", _cookies)
    app.router.add_get("/binary", _binary)
    app.router.add_get("/text", _text)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if ssl_context else "http"
    return runner, Server(f"{scheme}://127.0.0.1:{port}", app[HITS])


async def _stop(runner: web.AppRunner) -> None:
    runner.app[RELEASE].set()
    await runner.cleanup()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    """A plain HTTP server with the echo, status, slow, redirect, cookie and binary routes."""
    runner, running = await _serve()
    yield running
    await _stop(runner)


@dataclass(frozen=True)
class Pki:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate (PEM)."""

    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str

    def config(self, base: str) -> dict[str, str]:
        """Configuration as the client-certificate sample keeps it: PEMs in base64."""
        b64 = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
        return {
            "BASE": base,
            "base64ClientKey": b64(self.client_key),
            "base64ClientCert": b64(self.client_cert),
            "base64CA": b64(self.ca),
        }


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _issue(
    name: str,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    usage: x509.ObjectIdentifier,
    san: list[x509.GeneralName],
) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key)


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scriptbridge test CA")])
    now = datetime.datetime.now(datetime.UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_san: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.DNSName("localhost"),
    ]
    server_cert, server_key = _issue(
        "127.0.0.1", ca_key, ca_cert, ExtendedKeyUsageOID.SERVER_AUTH, server_san
    )
    client_cert, client_key = _issue(
        "legacy-client", ca_key, ca_cert, ExtendedKeyUsageOID.CLIENT_AUTH, [x509.DNSName("client")]
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    return Pki(ca_pem, server_cert, server_key, client_cert, client_key)


@pytest.fixture
async def tls_server(pki: Pki, tmp_path: Path) -> AsyncIterator[Server]:
    """An HTTPS server that requires a client certificate issued by the test CA."""
    (tmp_path / "server.pem").write_text(pki.server_cert)
    (tmp_path / "server.key").write_text(pki.server_key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    context.load_verify_locations(cadata=pki.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    runner, running = await _serve(context)
    yield running
    await _stop(runner)


# -- running scripts ---------------------------------------------------------------------------


class Run(Protocol):
    async def __call__(
        self,
        body: str,
        config: Mapping[str, str],
        *,
        modules: tuple[HostModule, ...] | None = None,
        limits: Limits = LIMITS,
    ) -> Outcome: ...


@pytest.fixture
def no_leaked_isolates() -> Iterator[None]:
    before = mini_racer_context.context_count()
    yield
    assert mini_racer_context.context_count() == before, "V8 contexts leaked"


@pytest.fixture
def run(no_leaked_isolates: None) -> Run:
    """Run ``body`` as a login script's body in a fresh Engine with the HTTP modules and
    return the outcome. ``done(value)`` calls back with ``{user_id: '1', value}``."""

    async def run(
        body: str,
        config: Mapping[str, str],
        *,
        modules: tuple[HostModule, ...] | None = None,
        limits: Limits = LIMITS,
    ) -> Outcome:
        source = (
            "function login(email, password, callback) {\n"
            "  function done(value) { callback(null, {user_id: '1', value: value}); }\n"
            f"{body}\n}}"
        )
        engine = Engine(
            host_modules=http_modules() if modules is None else modules, spare_runners=0
        )
        async with engine:
            await engine.load(
                ConnectionSpec(
                    "c",
                    {"login": Script("login", source, "login.js")},
                    configuration=dict(config),
                    limits=limits,
                    runners=1,
                )
            )
            return await engine.invoke("c", "login", ["jane@example.com", "s3cret"])

    return run


def value(outcome: Outcome) -> Any:
    assert outcome.status == "result", outcome.error
    return outcome.result["value"]


def cfg(server: Server) -> dict[str, str]:
    return {"BASE": server.base}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- request -------------------------------------------------------------------------------------


async def test_request_options_and_callback(run: Run, server: Server) -> None:
    """request(opts, cb): url, method, headers and json object; body parsed; statusCode."""
    body = """
  var request = require('request');
  request({url: configuration.BASE + '/echo', method: 'POST', headers: {'X-Api-Key': 'k1'},
           json: {email: email, password: password}}, function (err, response, body) {
    done({err: err, status: response.statusCode, message: response.statusMessage,
          sameBody: response.body === body, echo: body});
  });"""
    got = value(await run(body, cfg(server)))
    assert got["err"] is None
    assert got["status"] == 200
    assert got["message"] == "OK"
    assert got["sameBody"] is True
    echo = got["echo"]
    assert echo["method"] == "POST"
    assert echo["headers"]["x-api-key"] == "k1"
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["accept"] == "application/json"
    assert echo["body"] == '{"email":"jane@example.com","password":"s3cret"}'


async def test_request_verb_functions(run: Run, server: Server) -> None:
    """request.get/post/put/patch/del/delete/head send their methods."""
    body = """
  var request = require('request');
  var url = configuration.BASE + '/echo';
  var verbs = ['get', 'post', 'put', 'patch', 'del', 'delete', 'head'];
  var seen = [];
  (function next(i) {
    if (i === verbs.length) return done(seen);
    request[verbs[i]](url, function (err, res, body) {
      if (err) return callback(err);
      seen.push(verbs[i] === 'head' ? 'HEAD:' + body : JSON.parse(body).method);
      next(i + 1);
    });
  })(0);"""
    got = value(await run(body, cfg(server)))
    assert got == ["GET", "POST", "PUT", "PATCH", "DELETE", "DELETE", "HEAD:"]


async def test_request_post_url_form_callback(run: Run, server: Server) -> None:
    """request.post(url, {form}, cb), the wordpress form: urlencoded with qs's encoding."""
    body = """
  require('request').post(configuration.BASE + '/echo', {
    form: {log: email, pwd: password, note: "a b&c=d/é!'()*", nested: {k: 'v'}, list: [1, 2]}
  }, function (err, response, body) {
    done(JSON.parse(body));
  });"""
    echo = value(await run(body, cfg(server)))
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert echo["body"] == (
        "log=jane%40example.com&pwd=s3cret&note=a%20b%26c%3Dd%2F%C3%A9%21%27%28%29%2A"
        "&nested%5Bk%5D=v&list%5B0%5D=1&list%5B1%5D=2"
    )


async def test_request_qs_adds_to_the_query(run: Run, server: Server) -> None:
    """qs is encoded like the qs package and appended to a query already in the URL."""
    body = """
  request.get({url: configuration.BASE + '/echo?a=1',
               qs: {email: email, q: 'x y', n: null, u: undefined}},
    function (err, response, body) { done(JSON.parse(body).query); });"""
    assert value(await run(body, cfg(server))) == "a=1&email=jane%40example.com&q=x%20y&n="


async def test_request_global_needs_no_require(run: Run, server: Server) -> None:
    """`request` is a global, as in Auth0's sandbox (22 surveyed scripts)."""
    body = "request(configuration.BASE + '/echo', function (e, r, b) { done(r.statusCode); });"
    assert value(await run(body, cfg(server))) == 200


async def test_request_json_true_sends_and_parses(run: Run, server: Server) -> None:
    """json: true with an object body sends JSON; the answer is parsed."""
    body = """
  request.put({uri: configuration.BASE + '/echo', json: true, body: {a: [1, 2]}},
    function (e, r, body) {
      done({type: typeof body, body: body.body, ct: body.headers['content-type']});
    });"""
    got = value(await run(body, cfg(server)))
    assert got == {"type": "object", "body": '{"a":[1,2]}', "ct": "application/json"}


async def test_request_without_json_body_is_a_string(run: Run, server: Server) -> None:
    """Without json the body is a string scripts JSON.parse, and a string body goes as is."""
    body = """
  request.post({url: configuration.BASE + '/echo', body: 'raw=text',
                headers: {'content-type': 'text/plain'}},
    function (e, r, body) { done({type: typeof body, sent: JSON.parse(body).body}); });"""
    assert value(await run(body, cfg(server))) == {"type": "string", "sent": "raw=text"}


async def test_request_json_answer_that_is_not_json_stays_text(run: Run, server: Server) -> None:
    """json: true and a text answer: the body stays the string received."""
    body = """
  request.get({url: configuration.BASE + '/text', json: true},
    function (e, r, body) { done(body); });"""
    assert value(await run(body, cfg(server))) == "plain words, not JSON"


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ("{username: 'ann', password: 'pw'}", "Basic " + base64.b64encode(b"ann:pw").decode()),
        ("{user: 'ann', password: 'pw'}", "Basic " + base64.b64encode(b"ann:pw").decode()),
        ("{user: 'ann', pass: 'pw'}", "Basic " + base64.b64encode(b"ann:pw").decode()),
        ("{bearer: 'tok'}", "Bearer tok"),
    ],
)
async def test_request_auth_sets_authorization(
    run: Run, server: Server, auth: str, expected: str
) -> None:
    """auth {username|user, password|pass} is Basic; {bearer} is a Bearer token."""
    body = f"""
  request.get({{url: configuration.BASE + '/echo', auth: {auth}, json: true}},
    function (e, r, body) {{ done(body.headers.authorization); }});"""
    assert value(await run(body, cfg(server))) == expected


async def test_request_non_2xx_is_not_an_error(run: Run, server: Server) -> None:
    """404 and 500 reach the callback as responses, err null."""
    body = """
  var codes = [];
  request.get({url: configuration.BASE + '/status/404', json: true}, function (e1, r1, b1) {
    request.post({url: configuration.BASE + '/status/500'}, function (e2, r2, b2) {
      done([e1, r1.statusCode, b1.error, e2, r2.statusCode, typeof b2]);
    });
  });"""
    assert value(await run(body, cfg(server))) == [None, 404, "status 404", None, 500, "string"]


async def test_request_headers_as_node_gives_them(run: Run, server: Server) -> None:
    """Lower-case names; set-cookie an array; other repeats joined with ', '."""
    body = """
  request(configuration.BASE + '/cookies', function (e, r) {
    done([r.headers['set-cookie'], r.headers['x-dup'], r.headers['content-type']]);
  });"""
    got = value(await run(body, cfg(server)))
    assert got == [["a=1; Path=/", "b=2; Path=/"], "one, two", "application/json; charset=utf-8"]


async def test_request_encoding_null_gives_a_buffer(run: Run, server: Server) -> None:
    """encoding: null gives the body as a Buffer; a Buffer body is sent as bytes."""
    body = """
  request.get({url: configuration.BASE + '/binary', encoding: null}, function (e, r, bytes) {
    request.post({url: configuration.BASE + '/echo', body: Buffer.from([0, 255, 128])},
      function (e2, r2, b2) {
        done({isBuffer: Buffer.isBuffer(bytes), length: bytes.length, last: bytes[255],
              sent: Array.from(Buffer.from(JSON.parse(b2).body, 'latin1'))});
      });
  });"""
    got = value(await run(body, cfg(server)))
    assert got == {"isBuffer": True, "length": 256, "last": 255, "sent": [0, 255, 128]}


async def test_request_defaults_merge_headers(run: Run, server: Server) -> None:
    """request.defaults(opts): baseUrl and headers merged with each call's own."""
    body = """
  var api = require('request').defaults({baseUrl: configuration.BASE, json: true,
                                         headers: {'X-App': 'legacy'}});
  api.post({url: '/echo', headers: {'X-Call': '1'}, body: {a: 1}}, function (e, r, body) {
    done([body.method, body.headers['x-app'], body.headers['x-call'], body.body]);
  });"""
    assert value(await run(body, cfg(server))) == ["POST", "legacy", "1", '{"a":1}']


async def test_request_follows_get_redirects_only(run: Run, server: Server) -> None:
    """GET follows a 302; POST does not unless followAllRedirects; followRedirect: false."""
    body = """
  var url = configuration.BASE + '/redirect';
  request.get({url: url, json: true}, function (e1, r1, b1) {
    request.post({url: url}, function (e2, r2) {
      request.post({url: url, followAllRedirects: true, json: true}, function (e3, r3, b3) {
        request.get({url: url, followRedirect: false}, function (e4, r4) {
          done([r1.statusCode, b1.path, r1.request.uri.pathname,
                r2.statusCode, r2.headers.location, r3.statusCode, b3.method, r4.statusCode]);
        });
      });
    });
  });"""
    got = value(await run(body, cfg(server)))
    assert got == [200, "/echo", "/echo", 302, "/echo", 200, "GET", 302]


async def test_request_timeout_is_etimedout(run: Run, server: Server) -> None:
    """timeout (ms) ends the request with code ETIMEDOUT, long before the server answers."""
    body = """
  var started = Date.now();
  request.get({url: configuration.BASE + '/slow', timeout: 100}, function (err, res) {
    done({code: err.code, message: err.message, res: res === undefined,
          fast: Date.now() - started < 2000});
  });"""
    got = value(await run(body, cfg(server)))
    assert got == {"code": "ETIMEDOUT", "message": "ETIMEDOUT", "res": True, "fast": True}


async def test_request_connection_refused(run: Run) -> None:
    """A closed port: err.code ECONNREFUSED and Node's wording."""
    port = closed_port()
    body = f"""
  request('http://127.0.0.1:{port}/', function (err, res, body) {{
    done({{code: err.code, message: err.message, isError: err instanceof Error}});
  }});"""
    got = value(await run(body, {}))
    assert got == {
        "code": "ECONNREFUSED",
        "message": f"connect ECONNREFUSED 127.0.0.1:{port}",
        "isError": True,
    }


async def test_request_invalid_uri_reaches_the_callback(run: Run) -> None:
    """A URL that does not parse is an error in the callback, as in request."""
    body = "request.get('not a url', function (err) { done(err.message); });"
    assert value(await run(body, {})) == 'Invalid URI "not a url"'


# -- axios ---------------------------------------------------------------------------------------


async def test_axios_config_form(run: Run, server: Server) -> None:
    """axios(opts): method, url, data object as JSON, headers; response.status and .data."""
    body = """
  var axios = require('axios');
  axios({method: 'post', url: configuration.BASE + '/echo', data: {email: email},
         headers: {'X-Api-Key': 'k'}})
    .then(function (response) {
      done({status: response.status, statusText: response.statusText, data: response.data,
            ct: response.headers['content-type'], hasConfig: response.config.url !== undefined});
    }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got["status"] == 200
    assert got["statusText"] == "OK"
    assert got["ct"] == "application/json; charset=utf-8"
    assert got["hasConfig"] is True
    assert got["data"]["body"] == '{"email":"jane@example.com"}'
    assert got["data"]["headers"]["content-type"] == "application/json"
    assert got["data"]["headers"]["x-api-key"] == "k"
    assert got["data"]["headers"]["accept"] == "application/json, text/plain, */*"


async def test_axios_verb_methods(run: Run, server: Server) -> None:
    """get/delete/head(url, config), post/put/patch(url, data, config), axios(url, config)."""
    body = """
  var axios = require('axios');
  var url = configuration.BASE + '/echo';
  var cfg = {headers: {'X-Form': 'survey'}};
  Promise.all([
    axios.get(url, cfg), axios.delete(url, cfg), axios.head(url, cfg),
    axios.post(url, {a: 1}, cfg), axios.put(url, 'b=2', cfg), axios.patch(url, {c: 3}, cfg),
    axios(url, {method: 'post', data: {d: 4}}), axios.request({url: url})
  ]).then(function (rs) {
    done(rs.map(function (r) {
      if (r.data === '') return 'HEAD';
      return [r.data.method, r.data.body, r.data.headers['x-form'] || null];
    }));
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [
        ["GET", "", "survey"],
        ["DELETE", "", "survey"],
        "HEAD",
        ["POST", '{"a":1}', "survey"],
        ["PUT", "b=2", "survey"],
        ["PATCH", '{"c":3}', "survey"],
        ["POST", '{"d":4}', None],
        ["GET", "", None],
    ]


async def test_axios_rejects_non_2xx(run: Run, server: Server) -> None:
    """404/500 reject with AxiosError: message, code, isAxiosError, error.response."""
    body = """
  var axios = require('axios');
  function describe(err) {
    return {message: err.message, code: err.code, isAxiosError: err.isAxiosError,
            is: axios.isAxiosError(err), status: err.response.status, data: err.response.data,
            statusText: err.response.statusText, error: err instanceof Error};
  }
  axios.get(configuration.BASE + '/status/404').catch(function (e404) {
    axios.post(configuration.BASE + '/status/500', {}).catch(function (e500) {
      var lenient = {validateStatus: function (s) { return s < 500; }};
      axios.get(configuration.BASE + '/status/404', lenient)
        .then(function (ok) { done([describe(e404), describe(e500), ok.status]); });
    });
  });"""
    e404, e500, allowed = value(await run(body, cfg(server)))
    assert e404 == {
        "message": "Request failed with status code 404",
        "code": "ERR_BAD_REQUEST",
        "isAxiosError": True,
        "is": True,
        "status": 404,
        "data": {"error": "status 404"},
        "statusText": "Not Found",
        "error": True,
    }
    assert e500["code"] == "ERR_BAD_RESPONSE"
    assert e500["message"] == "Request failed with status code 500"
    assert allowed == 404


async def test_axios_create_defaults_params_auth_interceptors(run: Run, server: Server) -> None:
    """axios.create(defaults) with baseURL; defaults.headers.common; params; auth; interceptors."""
    body = """
  var axios = require('axios');
  axios.defaults.headers.common['X-Common'] = 'c';
  var api = axios.create({baseURL: configuration.BASE + '/', headers: {'X-Instance': 'i'}});
  api.interceptors.request.use(function (config) {
    config.headers['X-Intercepted'] = 'yes';
    return config;
  });
  api.get('echo', {params: {q: 'a b', list: [1, 2], skip: null},
                   auth: {username: 'u', password: 'p'}})
    .then(function (r) {
      var h = r.data.headers;
      done([r.data.path, r.data.query, h['x-common'], h['x-instance'], h['x-intercepted'],
            h.authorization]);
    }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    basic = "Basic " + base64.b64encode(b"u:p").decode()
    assert got == ["/echo", "q=a+b&list[]=1&list[]=2", "c", "i", "yes", basic]


async def test_axios_data_kinds(run: Run, server: Server) -> None:
    """A string goes as is (form content type), URLSearchParams as a form, a Buffer as bytes."""
    body = """
  var axios = require('axios');
  var url = configuration.BASE + '/echo';
  Promise.all([
    axios.post(url, 'a=1&b=2'),
    axios.post(url, new URLSearchParams({grant_type: 'password', username: email})),
    axios.post(url, Buffer.from([1, 2, 3]), {headers: {'Content-Type': 'application/octet-stream'}})
  ]).then(function (rs) {
    done(rs.map(function (r) { return [r.data.headers['content-type'], r.data.body]; }));
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [
        ["application/x-www-form-urlencoded", "a=1&b=2"],
        [
            "application/x-www-form-urlencoded;charset=utf-8",
            "grant_type=password&username=jane%40example.com",
        ],
        ["application/octet-stream", "\x01\x02\x03"],
    ]


async def test_axios_response_types(run: Run, server: Server) -> None:
    """JSON by default, falling back to text; 'text' keeps JSON a string; 'arraybuffer' bytes."""
    body = """
  var axios = require('axios');
  Promise.all([
    axios.get(configuration.BASE + '/text'),
    axios.get(configuration.BASE + '/status/200', {responseType: 'text'}),
    axios.get(configuration.BASE + '/binary', {responseType: 'arraybuffer'})
  ]).then(function (rs) {
    done([rs[0].data, rs[1].data, Buffer.isBuffer(rs[2].data), rs[2].data.length]);
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == ["plain words, not JSON", '{"error": "status 200"}', True, 256]


async def test_axios_timeout_and_network_errors(run: Run, server: Server) -> None:
    """timeout rejects with ECONNABORTED; a refused connection with ECONNREFUSED, no response."""
    port = closed_port()
    body = f"""
  var axios = require('axios');
  axios.get(configuration.BASE + '/slow', {{timeout: 100}}).catch(function (t) {{
    axios.get('http://127.0.0.1:{port}/').catch(function (n) {{
      done([t.code, t.message, t.isAxiosError, n.code, n.message, n.response === undefined]);
    }});
  }});"""
    got = value(await run(body, cfg(server)))
    assert got == [
        "ECONNABORTED",
        "timeout of 100ms exceeded",
        True,
        "ECONNREFUSED",
        f"connect ECONNREFUSED 127.0.0.1:{port}",
        True,
    ]


async def test_axios_await_and_error_response_in_catch(run: Run, server: Server) -> None:
    """The async form scripts use: await axios.post(url, data, {headers}), error.response."""
    source_body = """
  (async function () {
    var axios = require('axios');
    try {
      await axios.post(configuration.BASE + '/status/404', {email: email}, {headers: {a: 'b'}});
    } catch (error) {
      if (error.response) return done(error.response.status);
      throw error;
    }
  })().catch(callback);"""
    assert value(await run(source_body, cfg(server))) == 404


# -- node-fetch ----------------------------------------------------------------------------------


async def test_fetch_url_string_and_url_object(run: Run, server: Server) -> None:
    """fetch(url|URL, {method, headers, body: JSON.stringify(..)}): status, json(), text()."""
    body = """
  var fetch = require('node-fetch');
  fetch(configuration.BASE + '/echo', {method: 'POST',
                                       headers: {'Content-Type': 'application/json'},
                                       body: JSON.stringify({email: email})})
    .then(function (res) {
      return res.json().then(function (j) { return [res.status, res.ok, j]; });
    })
    .then(function (first) {
      return fetch(new URL('/text', configuration.BASE)).then(function (res) {
        return res.text().then(function (t) { return [first, res.status, res.statusText, t]; });
      });
    }).then(done, callback);"""
    (status, ok, echo), status2, text_status, text = value(await run(body, cfg(server)))
    assert (status, ok, status2, text_status, text) == (
        200,
        True,
        200,
        "OK",
        "plain words, not JSON",
    )
    assert echo["body"] == '{"email":"jane@example.com"}'
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["accept"] == "*/*"
    assert echo["headers"]["user-agent"].startswith("node-fetch/1.0")


async def test_fetch_url_search_params_body(run: Run, server: Server) -> None:
    """body: new URLSearchParams({...}) is a form with node-fetch's content type."""
    body = """
  require('node-fetch@2.6.0')(configuration.BASE + '/echo', {method: 'POST',
      body: new URLSearchParams({username: email, password: password})})
    .then(function (r) { return r.json(); })
    .then(function (j) { done([j.headers['content-type'], j.body]); }, callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [
        "application/x-www-form-urlencoded;charset=UTF-8",
        "username=jane%40example.com&password=s3cret",
    ]


def _querystring_modules() -> tuple[HostModule, ...]:
    try:
        from scriptbridge.node.modules.pure import PURE_MODULES
    except Exception:  # another engineer's module set, possibly unfinished
        return ()
    return tuple(m for m in PURE_MODULES if m.name == "querystring")


async def test_fetch_querystring_body(run: Run, server: Server) -> None:
    """body: querystring.stringify(..), with require('querystring') from the pure modules."""
    querystring = _querystring_modules()
    if not querystring:
        pytest.skip("require('querystring') (scriptbridge.node.modules.pure) is not available")
    body = """
  var fetch = require('node-fetch');
  var querystring = require('querystring');
  fetch(configuration.BASE + '/echo', {method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: querystring.stringify({username: email, scope: 'openid profile'})})
    .then(function (r) { return r.json(); })
    .then(function (j) { done(j.body); }, callback);"""
    outcome = await run(body, cfg(server), modules=(*http_modules(), *querystring))
    assert value(outcome) == "username=jane%40example.com&scope=openid%20profile"


async def test_fetch_headers_object(run: Run, server: Server) -> None:
    """response.headers is a Headers: get (joined), has, forEach, entries, raw()."""
    body = """
  require('node-fetch')(configuration.BASE + '/cookies').then(function (res) {
    var seen = [];
    res.headers.forEach(function (v, name) {
      if (name.indexOf('x-') === 0) seen.push(name + '=' + v);
    });
    var entries = [];
    for (var pair of res.headers.entries()) entries.push(pair[0]);
    done([res.headers.get('Set-Cookie'), res.headers.raw()['set-cookie'], res.headers.has('x-dup'),
          res.headers.get('missing'), seen, entries.indexOf('x-dup') >= 0]);
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [
        "a=1; Path=/, b=2; Path=/",
        ["a=1; Path=/", "b=2; Path=/"],
        True,
        None,
        ["x-dup=one, two"],
        True,
    ]


async def test_fetch_binary_bodies_and_non_2xx(run: Run, server: Server) -> None:
    """buffer() and arrayBuffer() give bytes; a 500 resolves with ok false; a body reads once."""
    body = """
  var fetch = require('node-fetch');
  Promise.all([
    fetch(configuration.BASE + '/binary').then(function (r) { return r.buffer(); }),
    fetch(configuration.BASE + '/binary').then(function (r) { return r.arrayBuffer(); }),
    fetch(configuration.BASE + '/status/500').then(function (r) {
      return r.json().then(function (j) {
        return r.text().then(null, function (e) { return [r.status, r.ok, j.error, e.name]; });
      });
    }),
  ]).then(function (rs) {
    done([Buffer.isBuffer(rs[0]), rs[0][200], rs[1] instanceof ArrayBuffer, rs[1].byteLength,
          rs[2]]);
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [True, 200, True, 256, [500, False, "status 500", "TypeError"]]


async def test_fetch_redirect_modes(run: Run, server: Server) -> None:
    """redirect 'follow' (default), 'manual' (absolute Location) and 'error' (FetchError)."""
    body = """
  var fetch = require('node-fetch');
  var url = configuration.BASE + '/redirect';
  Promise.all([
    fetch(url),
    fetch(url, {redirect: 'manual'}),
    fetch(url, {redirect: 'error'}).catch(function (e) { return e; }),
    fetch(url + '?status=307', {method: 'POST', body: 'kept'})
      .then(function (r) { return r.json(); })
  ]).then(function (rs) {
    done([rs[0].status, rs[0].redirected, rs[0].url.slice(-5), rs[1].status,
          rs[1].headers.get('location') === configuration.BASE + '/echo',
          rs[2].name, rs[2].type, [rs[3].method, rs[3].body]]);
  }).catch(callback);"""
    got = value(await run(body, cfg(server)))
    assert got == [200, True, "/echo", 302, True, "FetchError", "no-redirect", ["POST", "kept"]]


async def test_fetch_errors(run: Run, server: Server) -> None:
    """A refused connection is a FetchError 'system' with the code; bad JSON 'invalid-json'."""
    port = closed_port()
    body = f"""
  var fetch = require('node-fetch');
  fetch('http://127.0.0.1:{port}/x').catch(function (e) {{
    fetch(configuration.BASE + '/text')
      .then(function (r) {{ return r.json(); }})
      .catch(function (j) {{
      done([e.name, e.type, e.code, e.message, j.type]);
    }});
  }});"""
    got = value(await run(body, cfg(server)))
    assert got == [
        "FetchError",
        "system",
        "ECONNREFUSED",
        f"request to http://127.0.0.1:{port}/x failed, reason: connect ECONNREFUSED "
        f"127.0.0.1:{port}",
        "invalid-json",
    ]


async def test_fetch_module_is_the_function(run: Run, server: Server) -> None:
    """require('node-fetch') is fetch, with .default and the classes attached."""
    body = """
  var fetch = require('node-fetch');
  var h = new fetch.Headers({'X-A': '1'});
  h.append('x-a', '2');
  var r = new fetch.Response('{"a":1}', {status: 201});
  r.json().then(function (j) {
    done([typeof fetch, fetch.default === fetch, h.get('x-a'), r.status, r.ok, j.a,
          typeof fetch.Request, typeof fetch.FetchError]);
  });"""
    got = value(await run(body, cfg(server)))
    assert got == ["function", True, "1, 2", 201, True, 1, "function", "function"]


# -- http and https ------------------------------------------------------------------------------


async def test_http_request_write_end_and_events(run: Run, server: Server) -> None:
    """http.request(options, cb) with write/end; the response emits data and end."""
    body = """
  var http = require('http');
  var url = new URL(configuration.BASE);
  var req = http.request({hostname: url.hostname, port: url.port, path: '/echo?x=1', method: 'POST',
                          headers: {'Content-Type': 'application/json'}}, function (res) {
    var chunks = [];
    res.on('data', function (chunk) { chunks.push(chunk); });
    res.on('end', function () {
      var echo = JSON.parse(Buffer.concat(chunks).toString());
      done([res.statusCode, res.headers['content-type'], Buffer.isBuffer(chunks[0]),
            echo.method, echo.query, echo.body]);
    });
  });
  req.on('error', callback);
  req.write('{"a":');
  req.end('1}');"""
    got = value(await run(body, cfg(server)))
    assert got == [200, "application/json; charset=utf-8", True, "POST", "x=1", '{"a":1}']


async def test_http_get_url_and_set_encoding(run: Run, server: Server) -> None:
    """http.get(url string | URL, cb) ends the request itself; setEncoding gives strings."""
    body = """
  var http = require('http');
  http.get(configuration.BASE + '/text', function (res) {
    var text = '';
    res.setEncoding('utf8');
    res.on('data', function (c) { text += c; });
    res.on('end', function () {
      http.get(new URL('/status/404', configuration.BASE), function (res2) {
        res2.resume();
        res2.on('end', function () { done([text, res2.statusCode]); });
      });
    });
  });"""
    assert value(await run(body, cfg(server))) == ["plain words, not JSON", 404]


async def test_http_errors_are_emitted(run: Run) -> None:
    """A refused connection emits 'error' on the request, with Node's code."""
    port = closed_port()
    body = f"""
  require('http').get('http://127.0.0.1:{port}/', function () {{}})
    .on('error', function (err) {{ done([err.code, err.message]); }});"""
    got = value(await run(body, {}))
    assert got == ["ECONNREFUSED", f"connect ECONNREFUSED 127.0.0.1:{port}"]


async def test_http_timeout_event_then_destroy(run: Run, server: Server) -> None:
    """setTimeout emits 'timeout'; destroy() in the handler emits 'error' socket hang up."""
    body = """
  var req = require('http').get(configuration.BASE + '/slow');
  var events = [];
  req.setTimeout(100, function () { events.push('timeout'); req.destroy(); });
  req.on('error', function (err) { events.push(err.code + ':' + err.message); done(events); });"""
    got = value(await run(body, cfg(server)))
    assert got == ["timeout", "ECONNRESET:socket hang up"]


async def test_http_module_refuses_https_urls(run: Run) -> None:
    """As in Node, http.request('https://..') throws ERR_INVALID_PROTOCOL."""
    body = """
  try { require('http').get('https://127.0.0.1/'); }
  catch (err) { done([err.name, err.code]); }"""
    assert value(await run(body, {})) == ["TypeError", "ERR_INVALID_PROTOCOL"]


# -- mutual TLS ----------------------------------------------------------------------------------


async def test_request_mutual_tls_as_the_client_certs_sample(
    run: Run, tls_server: Server, pki: Pki
) -> None:
    """The auth0-samples client-certs form: key/cert/ca from base64 configuration."""
    body = """
  var request = require('request');
  var base64Key = new Buffer(configuration.base64ClientKey, 'base64');
  var base64Cert = new Buffer(configuration.base64ClientCert, 'base64');
  var base64CA = new Buffer(configuration.base64CA, 'base64');
  var options = {
    url: configuration.BASE + '/echo',
    key: base64Key.toString(),
    cert: base64Cert.toString(),
    ca: base64CA.toString(),
    json: {email: email, password: password},
    method: 'POST'
  };
  request.post(options, function (error, response, body) {
    if (!error && response.statusCode == 200) done(body.client);
    else callback(error || new Error('Received status code ' + response.statusCode));
  });"""
    assert value(await run(body, pki.config(tls_server.base))) == "legacy-client"


async def test_request_without_client_cert_fails(run: Run, tls_server: Server, pki: Pki) -> None:
    """The same server refuses a client without a certificate; the CA alone is not enough."""
    body = """
  var ca = Buffer.from(configuration.base64CA, 'base64');
  request.get({url: configuration.BASE + '/echo', ca: ca},
    function (err, res) { done({code: err && err.code, res: res === undefined}); });"""
    got = value(await run(body, pki.config(tls_server.base)))
    assert got["res"] is True
    assert got["code"] in {"ECONNRESET", "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"}


async def test_request_untrusted_server_fails_unless_verification_off(
    run: Run, tls_server: Server, pki: Pki
) -> None:
    """Without `ca` the test CA is not trusted; rejectUnauthorized: false (and the
    misspelled rejectUnhauthorized of a real script) turn verification off."""
    body = """
  var key = Buffer.from(configuration.base64ClientKey, 'base64').toString();
  var cert = Buffer.from(configuration.base64ClientCert, 'base64').toString();
  var url = configuration.BASE + '/echo';
  request.get({url: url, key: key, cert: cert}, function (e1) {
    var off = {url: url, key: key, cert: cert, rejectUnauthorized: false, json: true};
    request.get(off, function (e2, r2, b2) {
      var misspelled = {url: url, key: key, cert: cert, rejectUnhauthorized: false, json: true};
      request.get(misspelled, function (e3, r3, b3) {
        done([e1 && e1.code, e2, b2.client, e3, b3.client]);
      });
    });
  });"""
    got = value(await run(body, pki.config(tls_server.base)))
    assert got[0] in {"UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN"}
    assert got[1:] == [None, "legacy-client", None, "legacy-client"]


async def test_axios_https_agent_with_client_cert(run: Run, tls_server: Server, pki: Pki) -> None:
    """axios.post(url, data, {headers, httpsAgent: new https.Agent({cert, key, ca})})."""
    body = """
  var axios = require('axios');
  var https = require('https');
  var pem = function (name) { return Buffer.from(configuration[name], 'base64').toString(); };
  var httpsAgent = new https.Agent({cert: pem('base64ClientCert'), key: pem('base64ClientKey'),
                                    ca: pem('base64CA'), secureOptions: 4});
  var url = configuration.BASE + '/echo';
  axios.post(url, {email: email}, {headers: {'X-A': 'b'}, httpsAgent: httpsAgent})
    .then(function (r) {
      return axios.get(url, {httpsAgent: new https.Agent({ca: pem('base64CA')})})
        .then(function () { return 'no error'; },
              function (e) { return e.isAxiosError && e.response === undefined; })
        .then(function (second) {
          done([r.status, r.data.client, r.data.headers['x-a'], second]);
        });
    }).catch(callback);"""
    got = value(await run(body, pki.config(tls_server.base)))
    assert got == [200, "legacy-client", "b", True]


async def test_https_request_with_client_cert(run: Run, tls_server: Server, pki: Pki) -> None:
    """https.request({hostname, port, path, key, cert, ca}) succeeds; without key/cert it fails."""
    body = """
  var https = require('https');
  var pem = function (name) { return Buffer.from(configuration[name], 'base64').toString(); };
  var url = new URL(configuration.BASE);
  var options = {hostname: url.hostname, port: url.port, path: '/echo', method: 'GET',
                 ca: pem('base64CA')};
  var bad = https.request(options, function () { callback(new Error('answered without a cert')); });
  bad.on('error', function (err) {
    options.key = pem('base64ClientKey');
    options.cert = pem('base64ClientCert');
    var req = https.request(options, function (res) {
      var body = '';
      res.on('data', function (c) { body += c; });
      res.on('end', function () {
        done([err instanceof Error, res.statusCode, JSON.parse(body).client]);
      });
    });
    req.end();
  });
  bad.end();"""
    got = value(await run(body, pki.config(tls_server.base)))
    assert got == [True, 200, "legacy-client"]


async def test_https_global_agent_options_apply_to_every_client(
    run: Run, tls_server: Server, pki: Pki
) -> None:
    """https.globalAgent.options.ca/key/cert apply to https.get, request, axios and fetch."""
    body = """
  var https = require('https');
  var pem = function (name) { return Buffer.from(configuration[name], 'base64').toString(); };
  https.globalAgent.options.ca = pem('base64CA');
  https.globalAgent.options.key = pem('base64ClientKey');
  https.globalAgent.options.cert = pem('base64ClientCert');
  var url = configuration.BASE + '/echo';
  https.get(url, function (res) {
    res.resume();
    res.on('end', function () {
      request.get({url: url, json: true}, function (err, r, b) {
        if (err) return callback(err);
        require('axios').get(url).then(function (a) {
          var fetched = require('node-fetch')(url).then(function (f) { return f.json(); });
          return fetched.then(function (j) {
            done([res.statusCode, b.client, a.data.client, j.client]);
          });
        }).catch(callback);
      });
    });
  }).on('error', callback);"""
    got = value(await run(body, pki.config(tls_server.base)))
    assert got == [200, "legacy-client", "legacy-client", "legacy-client"]


# -- which hosts scripts reach -------------------------------------------------------------------


async def test_metadata_address_is_refused(run: Run) -> None:
    """169.254.169.254 is refused before connecting, naming the rule."""
    body = """
  request.get('http://169.254.169.254/latest/meta-data/', function (err, res) {
    done({code: err.code, message: err.message, res: res === undefined});
  });"""
    got = value(await run(body, {}))
    assert got["code"] == "ERR_HOST_DENIED"
    assert got["res"] is True
    assert "169.254.169.254/32 (the cloud metadata service)" in got["message"]
    assert got["message"].startswith("scriptbridge refused to connect to 169.254.169.254")


@pytest.mark.parametrize(
    "url", ["http://[::ffff:169.254.169.254]/", "http://169.254.1.1/", "http://0.0.0.0:1/"]
)
async def test_denied_address_forms(run: Run, url: str) -> None:
    """IPv4-mapped IPv6, other link-local and 0.0.0.0/8 addresses are refused too."""
    body = f"""
  require('axios').get('{url}').catch(function (err) {{ done([err.code, err.isAxiosError]); }});"""
    assert value(await run(body, {})) == ["ERR_HOST_DENIED", True]


async def test_allow_hosts_refuses_other_hosts_without_connecting(run: Run, server: Server) -> None:
    """With allow_hosts set, another host (even loopback) is refused and nothing is sent."""
    body = """
  require('node-fetch')(configuration.BASE + '/echo').catch(function (e1) {
    request.get('http://example.com/', function (e2) { done([e1.code, e1.message, e2.code]); });
  });"""
    modules = http_modules(allow_hosts=("api.example.com", "*.example.com"))
    code, message, second = value(await run(body, cfg(server), modules=modules))
    assert (code, second) == ("ERR_HOST_DENIED", "ERR_HOST_DENIED")
    assert "it is not in allow_hosts (api.example.com, *.example.com)" in message
    assert server.hits == []


async def test_allow_hosts_lets_listed_hosts_through(run: Run, server: Server) -> None:
    """A listed host name is reached."""
    base = server.base.replace("127.0.0.1", "localhost")
    body = "request.get(configuration.BASE + '/echo', (e, r) => done(e ? e.code : r.statusCode));"
    assert (
        value(await run(body, {"BASE": base}, modules=http_modules(allow_hosts=("localhost",))))
        == 200
    )


async def test_deny_rules_apply_to_resolved_addresses(run: Run, server: Server) -> None:
    """A name that resolves into a denied network is refused after resolution, before connecting."""
    base = server.base.replace("127.0.0.1", "localhost")
    body = "request.get(configuration.BASE + '/echo', function (e) { done([e.code, e.message]); });"
    modules = http_modules(deny_hosts=("127.0.0.0/8", "::1/128"))
    code, message = value(await run(body, {"BASE": base}, modules=modules))
    assert code == "ERR_HOST_DENIED"
    assert "localhost: it resolves to" in message
    assert server.hits == []


async def test_redirect_to_a_denied_host_is_refused(run: Run, server: Server) -> None:
    """Each redirect hop is checked: a redirect to the metadata service is refused."""
    body = """
  require('axios').get(configuration.BASE + '/redirect?to=http://169.254.169.254/')
    .catch(function (e) { done(e.code); });"""
    assert value(await run(body, cfg(server))) == "ERR_HOST_DENIED"
    assert server.hits == ["/redirect"]


# -- limits --------------------------------------------------------------------------------------


async def test_oversized_response_is_an_error(
    run: Run, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A response past MAX_RESPONSE_BYTES is an error, not a string in V8."""
    monkeypatch.setattr(http_module, "MAX_RESPONSE_BYTES", 100)
    body = "request(configuration.BASE + '/binary', function (e) { done(e.code); });"
    assert value(await run(body, cfg(server))) == "ERR_RESPONSE_TOO_LARGE"


async def test_hanging_request_ends_at_the_invocation_deadline(run: Run, server: Server) -> None:
    """With no timeout of its own, a request is cut off at the script's deadline."""
    body = "request(configuration.BASE + '/slow', function (e) { done(e.code); });"
    outcome = await run(body, cfg(server), limits=Limits(timeout_seconds=0.3))
    assert outcome.status == "timeout"
