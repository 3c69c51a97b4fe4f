"""Which hosts scripts may reach over HTTP: the allow and deny rules of the HTTP modules.

A name must be in ``allow_hosts`` when that is set; no address it resolves to may be in a
``deny_hosts`` network. The check runs in the session's resolver (``GuardedResolver``), on the
addresses aiohttp then connects to, so a name cannot resolve one way when checked and another
way when used; IP literals, which aiohttp does not resolve, are checked before each request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import ResolveResult

from scriptbridge.errors import ScriptbridgeError

#: Addresses scripts may never reach, whatever allow_hosts says.
DEFAULT_DENY: tuple[str, ...] = (
    "169.254.169.254/32",
    "fd00:ec2::254/128",
    "169.254.0.0/16",
    "fe80::/10",
    "0.0.0.0/8",
)

_RULE_NAMES = {
    "169.254.169.254/32": "the cloud metadata service",
    "fd00:ec2::254/128": "the AWS metadata service (IPv6)",
    "169.254.0.0/16": "link-local",
    "fe80::/10": "link-local",
    "0.0.0.0/8": "'this network'",
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostDeniedError(ScriptbridgeError, PermissionError):
    """A script asked for a host the HTTP modules' policy refuses; nothing was sent."""

    code = "ERR_HOST_DENIED"

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        self.reason = reason
        super().__init__(
            f"scriptbridge refused to connect to {host}: {reason}; "
            "allow_hosts and deny_hosts of the HTTP modules decide which hosts scripts reach"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _matches(pattern: str, name: str) -> bool:
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


@dataclass(frozen=True)
class HostPolicy:
    """The rules, parsed once: allowed name patterns, denied networks and denied names."""

    allow: tuple[str, ...]
    deny_networks: tuple[tuple[Network, str], ...]
    deny_names: tuple[str, ...]

    @classmethod
    def build(cls, allow_hosts: tuple[str, ...], deny_hosts: tuple[str, ...]) -> HostPolicy:
        networks: list[tuple[Network, str]] = []
        names: list[str] = []
        for entry in deny_hosts:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                names.append(_normal_name(entry))
                continue
            label = _RULE_NAMES.get(str(network))
            networks.append((network, f"{network} ({label})" if label else str(network)))
        # The most specific rule names the refusal: "the cloud metadata service", not "link-local".
        networks.sort(key=lambda item: -item[0].prefixlen)
        allow = tuple(_normal_name(a) for a in allow_hosts)
        return cls(allow, tuple(networks), tuple(names))

    def check_name(self, host: str) -> None:
        """The host of a URL, before anything is resolved: allow list, denied names, and
        denied addresses when it is an IP literal."""
        name = _normal_name(host)
        if self.allow and not any(_matches(p, name) for p in self.allow):
            raise HostDeniedError(name, f"it is not in allow_hosts ({', '.join(self.allow)})")
        for pattern in self.deny_names:
            if _matches(pattern, name):
                raise HostDeniedError(name, f"it matches the deny rule {pattern}")
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return
        self.check_address(name, address)

    def check_address(self, host: str, address: Address) -> None:
        """An address ``host`` is (or resolves to); IPv4-mapped IPv6 counts as its IPv4."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        for network, rule in self.deny_networks:
            if address.version == network.version and address in network:
                where = "is" if host == str(address) else f"resolves to {address}, which is"
                raise HostDeniedError(host, f"it {where} in the deny rule {rule}")


def _normal_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


class GuardedResolver(aiohttp.ThreadedResolver):
    """loop.getaddrinfo, refusing a name when any of its addresses is denied."""

    def __init__(self, policy: HostPolicy) -> None:
        super().__init__()
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self._policy.check_name(host)
        results = await super().resolve(host, port, family)
        for result in results:
            try:
                address = ipaddress.ip_address(result["host"])
            except ValueError:
                raise HostDeniedError(
                    host, f"its address {result['host']!r} is not an IP"
                ) from None
            self._policy.check_address(host, address)
        return results
