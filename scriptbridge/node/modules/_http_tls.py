"""TLS for the HTTP modules: one SSLContext per distinct set of a script's TLS options."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from scriptbridge.errors import ScriptbridgeError

# The only secureOptions bit a script may set: Node 18's migration guide shows it for old
# servers. (Other bits could weaken TLS in ways no surveyed script asks for.)
LEGACY_SERVER_CONNECT = 0x4


class TlsOptionsError(ScriptbridgeError, ValueError):
    """A script's key, cert or ca cannot be loaded; ``code`` follows Node's ERR_OSSL_*."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.code = f"ERR_OSSL_{reason}"
        super().__init__(f"the TLS key, cert or ca cannot be loaded: {detail}")


@dataclass(frozen=True)
class TlsOptions:
    key: str | None = None
    cert: str | None = None
    ca: str | None = None
    passphrase: str | None = None
    verify: bool = True
    legacy_server_connect: bool = False


class TlsContexts:
    """One SSLContext per distinct set of TLS options, the most recently used kept."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._contexts: OrderedDict[TlsOptions, ssl.SSLContext] = OrderedDict()

    async def get(self, tls: TlsOptions) -> ssl.SSLContext:
        context = self._contexts.get(tls)
        if context is None:
            # Loading CA bundles and keys reads files and may take tens of milliseconds.
            context = await asyncio.to_thread(_build_context, tls)
            self._contexts[tls] = context
            while len(self._contexts) > self._size:
                self._contexts.popitem(last=False)
        self._contexts.move_to_end(tls)
        return context


def _build_context(tls: TlsOptions) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if not tls.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif tls.ca is not None:  # as in Node, `ca` replaces the default trusted roots
            context.load_verify_locations(cadata=tls.ca)
        else:
            context.load_default_certs()
        if tls.cert is not None:
            # ssl loads a certificate chain only from files: private, and gone at once.
            with tempfile.TemporaryDirectory(prefix="scriptbridge-tls-") as directory:
                certfile = Path(directory, "cert.pem")
                certfile.write_text(tls.cert, encoding="utf-8")
                keyfile = None
                if tls.key is not None:
                    keyfile = Path(directory, "key.pem")
                    keyfile.write_text(tls.key, encoding="utf-8")
                context.load_cert_chain(certfile, keyfile, password=tls.passphrase)
    except ssl.SSLError as exc:
        raise TlsOptionsError(exc.reason or "UNKNOWN", str(exc)) from exc
    if tls.legacy_server_connect:
        context.options |= LEGACY_SERVER_CONNECT
    return context
