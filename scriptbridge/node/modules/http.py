"""HTTP for scripts: ``request``, ``axios``, ``node-fetch``, ``https`` and ``http``.

Five JavaScript facades (``js/``) over one Python function, ``fetch``, which makes the request
with the engine's one shared aiohttp session. The facades turn each library's call forms into
this JSON shape and the answer back into the library's objects:

    fetch({method, url, headers: [[name, value], ...], body: str | null, base64: bool,
           timeout: ms | null, redirect: "follow" | "manual", maxRedirects: int,
           tls: {key, cert, ca, passphrase: PEM str | null, rejectUnauthorized: bool,
                 secureOptions: int} | null})
    -> {status, statusText, headers: [[name, value], ...], body: base64, url, redirected}

Attack surface: a script reaches every host the policy lets through, over HTTP(S) only, with
no cookie jar, proxy or environment settings. Before connecting, every host is checked:
a name must be in ``allow_hosts`` when that is set, and no address it resolves to (or an IP
literal) may be in ``deny_hosts`` (link-local and cloud-metadata addresses by default). The
check runs in the session's resolver, so the addresses checked are the ones connected to, and
again on every redirect. Loopback stays reachable: legacy APIs often run next to the engine.
Responses are capped at ``MAX_RESPONSE_BYTES``; every request ends within ``timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import errno
import functools
import re
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from scriptbridge.engine import HostModule
from scriptbridge.errors import ScriptbridgeError
from scriptbridge.node.modules._http_hosts import (
    DEFAULT_DENY,
    GuardedResolver,
    HostDeniedError,
    HostPolicy,
)
from scriptbridge.node.modules._http_tls import LEGACY_SERVER_CONNECT, TlsContexts, TlsOptions

__all__ = [
    "DEFAULT_DENY",
    "MAX_RESPONSE_BYTES",
    "HostDeniedError",
    "HttpRequestError",
    "HttpTimeoutError",
    "InvalidHttpRequestError",
    "http_modules",
]

#: A response body larger than this is an error, not a string in V8.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Node's names for the OpenSSL certificate-verification failures scripts meet most.
_VERIFY_CODES = {
    2: "UNABLE_TO_GET_ISSUER_CERT",
    10: "CERT_HAS_EXPIRED",
    18: "DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "SELF_SIGNED_CERT_IN_CHAIN",
    20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    62: "ERR_TLS_CERT_ALTNAME_INVALID",
}


class HttpRequestError(ScriptbridgeError, ConnectionError):
    """An HTTP request got no response; ``code`` is what Node calls the same failure."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(detail)

    def __str__(self) -> str:
        return self.detail


class HttpTimeoutError(HttpRequestError):
    """A request ran past its timeout. (Not a TimeoutError: the engine keeps that for the
    invocation's deadline.)"""

    def __init__(self, url: str, seconds: float) -> None:
        self.url = url
        self.seconds = seconds
        super().__init__("ETIMEDOUT", f"request to {url} timed out after {seconds * 1000:g} ms")


class InvalidHttpRequestError(ScriptbridgeError, ValueError):
    """A facade passed a request ``fetch`` cannot make (bad URL, method, header or TLS key)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(detail)

    def __str__(self) -> str:
        return self.detail


# -- the request JSON ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    method: str
    url: URL
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    timeout: float
    follow: bool
    max_redirects: int
    tls: TlsOptions


def _invalid(detail: str, code: str = "ERR_INVALID_ARG_VALUE") -> InvalidHttpRequestError:
    return InvalidHttpRequestError(code, detail)


def _optional_text(spec: Mapping[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _invalid(f"tls.{key} must be a PEM string, not {type(value).__name__}")


def _parse_tls(raw: Any) -> TlsOptions:
    if raw is None:
        return TlsOptions()
    if not isinstance(raw, dict):
        raise _invalid("tls must be an object")
    secure = raw.get("secureOptions") or 0
    if not isinstance(secure, int):
        raise _invalid("tls.secureOptions must be an integer")
    # `rejectUnhauthorized` is a misspelling a real script relies on to turn verification off.
    verify = (
        raw.get("rejectUnauthorized") is not False and raw.get("rejectUnhauthorized") is not False
    )
    return TlsOptions(
        key=_optional_text(raw, "key"),
        cert=_optional_text(raw, "cert"),
        ca=_optional_text(raw, "ca"),
        passphrase=_optional_text(raw, "passphrase"),
        verify=verify,
        legacy_server_connect=bool(secure & LEGACY_SERVER_CONNECT),
    )


def _parse_url(text: Any) -> URL:
    if not isinstance(text, str):
        raise _invalid("url must be a string")
    # The facades send WHATWG-serialized URLs (already percent-encoded), sent as they are.
    if not text.isascii() or any(c.isspace() or not c.isprintable() for c in text):
        raise _invalid(f"Invalid URL: {text}", "ERR_INVALID_URL")
    try:
        url = URL(text, encoded=True)
    except ValueError as exc:
        raise _invalid(f"Invalid URL: {text}", "ERR_INVALID_URL") from exc
    if url.scheme not in ("http", "https"):
        raise _invalid(
            f'Protocol "{url.scheme}:" not supported. Expected "http:" or "https:"',
            "ERR_INVALID_PROTOCOL",
        )
    if not url.host:
        raise _invalid(f"Invalid URL: {text}", "ERR_INVALID_URL")
    return url


def _parse_headers(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        raise _invalid("headers must be a list of [name, value] pairs")
    headers: list[tuple[str, str]] = []
    for pair in raw:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            raise _invalid("headers must be a list of [name, value] pairs")
        name, value = pair
        if not _TOKEN.match(name):
            raise _invalid(
                f'Header name must be a valid HTTP token ["{name}"]', "ERR_INVALID_HTTP_TOKEN"
            )
        if "\r" in value or "\n" in value or "\0" in value:
            raise _invalid(f'Invalid character in header content ["{name}"]', "ERR_INVALID_CHAR")
        headers.append((name, value))
    return tuple(headers)


def _parse_body(spec: Mapping[str, Any]) -> bytes | None:
    body = spec.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise _invalid("body must be a string")
    if not spec.get("base64"):
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise _invalid("body is not valid base64") from exc


def _parse_request(args: list[Any], timeout_cap: float) -> _Request:
    """The one place the facades' JSON is read and checked."""
    if len(args) != 1 or not isinstance(args[0], dict):
        raise _invalid("fetch takes one request object")
    spec: dict[str, Any] = args[0]
    method = spec.get("method") or "GET"
    if not isinstance(method, str) or not _TOKEN.match(method):
        raise _invalid(f"Method must be a valid HTTP token [{method!r}]", "ERR_INVALID_HTTP_TOKEN")
    timeout = spec.get("timeout")
    seconds = timeout_cap
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        seconds = min(timeout / 1000, timeout_cap)
    max_redirects = spec.get("maxRedirects", 10)
    if not isinstance(max_redirects, int) or isinstance(max_redirects, bool):
        raise _invalid("maxRedirects must be an integer")
    return _Request(
        method=method.upper(),
        url=_parse_url(spec.get("url")),
        headers=_parse_headers(spec.get("headers", [])),
        body=_parse_body(spec),
        timeout=seconds,
        follow=spec.get("redirect", "follow") == "follow" and max_redirects > 0,
        max_redirects=max(0, min(max_redirects, 50)),
        tls=_parse_tls(spec.get("tls")),
    )


# -- the client ----------------------------------------------------------------------------------


class _Client:
    """The session and TLS contexts the five modules share, opened by the engine (lifespan)."""

    def __init__(self, policy: HostPolicy, timeout_seconds: float) -> None:
        self._policy = policy
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._users = 0
        self._tls = TlsContexts()

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Every module enters this; the first opens the session, the last closes it."""
        loop = asyncio.get_running_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(resolver=GuardedResolver(self._policy), limit=100)
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # no cookies shared between scripts
                # Only the headers the facade sends, as the Node library would send them.
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                timeout=aiohttp.ClientTimeout(total=None),
                trust_env=False,
            )
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                "these HTTP modules are open in another event loop; "
                "call http_modules() once for each engine"
            )
        self._users += 1
        try:
            yield
        finally:
            self._users -= 1
            if self._users == 0 and self._session is not None:
                session, self._session, self._loop = self._session, None, None
                await session.close()

    async def fetch(self, args: list[Any]) -> dict[str, Any]:
        request = _parse_request(args, self._timeout)
        session = self._session
        if session is None:
            raise RuntimeError("the HTTP modules' session is not open: the engine opens it")
        context = await self._tls.get(request.tls)
        try:
            async with asyncio.timeout(request.timeout):
                return await self._exchange(session, context, request)
        except TimeoutError as exc:  # our own: the engine's deadline cancels this task instead
            raise HttpTimeoutError(str(request.url), request.timeout) from exc
        except aiohttp.ClientError as exc:
            raise _node_error(exc) from exc

    async def _exchange(
        self, session: aiohttp.ClientSession, context: ssl.SSLContext, request: _Request
    ) -> dict[str, Any]:
        url, method, body, headers = request.url, request.method, request.body, request.headers
        for hop in range(request.max_redirects + 1):
            self._policy.check_name(url.raw_host or "")
            async with session.request(
                method,
                url,
                headers=CIMultiDict(headers),
                data=body,
                allow_redirects=False,
                ssl=context if url.scheme == "https" else True,
            ) as response:
                location = response.headers.get("Location")
                if request.follow and response.status in _REDIRECTS and location is not None:
                    target = url.join(URL(location))
                    if target.scheme not in ("http", "https"):
                        raise _invalid(
                            f'redirect to unsupported protocol "{target.scheme}:"',
                            "ERR_INVALID_PROTOCOL",
                        )
                    if _becomes_get(response.status, method):
                        method, body = "GET", None
                        headers = _without(headers, {"content-type", "content-length"})
                    if target.origin() != url.origin():
                        headers = _without(headers, {"authorization", "cookie", "host"})
                    url = target
                    continue
                payload = await _read_body(response)
                return {
                    "status": response.status,
                    "statusText": response.reason or "",
                    "headers": [
                        [name.decode("latin-1"), value.decode("latin-1")]
                        for name, value in response.raw_headers
                    ],
                    "body": base64.b64encode(payload).decode("ascii"),
                    "url": str(response.url),
                    "redirected": hop > 0,
                }
        raise HttpRequestError(
            "ERR_TOO_MANY_REDIRECTS",
            f"Maximum number of redirects exceeded ({request.max_redirects}) at {url}",
        )


def _becomes_get(status: int, method: str) -> bool:
    """Whether a redirect turns the request into a GET without a body, as Node's clients do."""
    if status == 303:
        return method != "HEAD"
    return status in (301, 302) and method == "POST"


def _without(headers: tuple[tuple[str, str], ...], names: set[str]) -> tuple[tuple[str, str], ...]:
    return tuple(h for h in headers if h[0].lower() not in names)


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    too_large = HttpRequestError(
        "ERR_RESPONSE_TOO_LARGE",
        f"the response from {response.url} is larger than {MAX_RESPONSE_BYTES} bytes",
    )
    if (response.content_length or 0) > MAX_RESPONSE_BYTES:
        raise too_large
    data = bytearray()
    async for chunk in response.content.iter_chunked(1 << 16):
        data += chunk
        if len(data) > MAX_RESPONSE_BYTES:
            raise too_large
    return bytes(data)


def _node_error(exc: aiohttp.ClientError) -> Exception:
    """Node's code and wording for an aiohttp failure."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
        detail = str(cert_error)
        if isinstance(cert_error, ssl.SSLCertVerificationError):
            code = _VERIFY_CODES.get(cert_error.verify_code, code)
            detail = cert_error.verify_message or detail
        return HttpRequestError(code, detail)
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, HostDeniedError):
            return cause
        if isinstance(cause, ssl.SSLError):
            return _ssl_error(cause)
        if isinstance(cause, socket.gaierror):
            return HttpRequestError("ENOTFOUND", f"getaddrinfo ENOTFOUND {exc.host}")
        code = errno.errorcode.get(cause.errno or 0, "ECONNREFUSED")
        return HttpRequestError(code, f"connect {code} {exc.host}:{exc.port}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return HttpRequestError("ECONNRESET", "socket hang up")
    if isinstance(exc, aiohttp.InvalidURL):
        return _invalid(f"Invalid URL: {exc}", "ERR_INVALID_URL")
    if isinstance(exc, aiohttp.ClientResponseError):
        return HttpRequestError(
            "ERR_INVALID_HTTP_RESPONSE", f"invalid HTTP response: {exc.message}"
        )
    origin = exc.__cause__ or exc.__context__
    if isinstance(origin, ssl.SSLError):
        return _ssl_error(origin)
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno:
        code = errno.errorcode.get(exc.errno, "ECONNRESET")
        return HttpRequestError(code, f"{code}: {exc.strerror or exc}")
    return HttpRequestError("ECONNRESET", str(exc) or "socket hang up")


def _ssl_error(exc: ssl.SSLError) -> HttpRequestError:
    reason = exc.reason or "UNKNOWN"
    return HttpRequestError(f"ERR_SSL_{reason}", str(exc))


# -- the modules ---------------------------------------------------------------------------------

#: Module name -> (npm version whose API the facade follows, its source files in order).
_FACADES: dict[str, tuple[str, tuple[str, ...]]] = {
    "request": ("2.88.2", ("_http.js", "request.js")),
    "axios": ("0.27.2", ("_http.js", "axios.js")),
    "node-fetch": ("2.6.0", ("_http.js", "node-fetch.js")),
    "https": ("", ("_http.js", "_node_http.js", "https.js")),
    "http": ("", ("_http.js", "_node_http.js", "http.js")),
}


@functools.cache
def _source(files: tuple[str, ...]) -> str:
    folder = resources.files("scriptbridge.node.modules").joinpath("js")
    parts = ("_emitter.js", *files)
    return "\n".join(folder.joinpath(f).read_text(encoding="utf-8") for f in parts)


def http_modules(
    *,
    allow_hosts: tuple[str, ...] = (),
    deny_hosts: tuple[str, ...] = DEFAULT_DENY,
    timeout_seconds: float = 20.0,
) -> tuple[HostModule, ...]:
    """The HTTP modules, to pass to ``Engine(host_modules=...)``; register all five together.

    ``allow_hosts``: when non-empty, the only host names scripts may reach (exact names or
    ``*.example.com`` for any subdomain). ``deny_hosts``: networks (CIDR) or host names no
    script may reach, checked against every address a name resolves to. ``timeout_seconds``:
    the longest any request may take (a script's own ``timeout`` can only shorten it).
    """
    client = _Client(HostPolicy.build(allow_hosts, deny_hosts), timeout_seconds)
    return tuple(
        HostModule(
            name=name,
            source=_source(files),
            functions={"fetch": client.fetch},
            version=version,
            lifespan=client.lifespan,
        )
        for name, (version, files) in _FACADES.items()
    )
