"""Where the client's requests go: the base URL checked and taken apart once."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["Origin", "check_base_url"]


class Origin:
    """A base URL: scheme, host, port and path prefix, and the Host header they make."""

    __slots__ = ("host", "host_header", "port", "prefix", "scheme", "url")

    def __init__(self, url: str, scheme: str, host: str, port: int, prefix: str) -> None:
        self.url, self.scheme, self.host, self.port, self.prefix = url, scheme, host, port, prefix
        default = 443 if scheme == "https" else 80
        name = f"[{host}]" if ":" in host else host
        self.host_header = (name if port == default else f"{name}:{port}").encode("ascii")

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"Origin({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Origin) and (self.scheme, self.host, self.port, self.prefix) == (
            other.scheme, other.host, other.port, other.prefix)

    def __hash__(self) -> int:
        return hash((self.scheme, self.host, self.port, self.prefix))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> Origin:
    """Refuse a URL the token must not travel to: plain http is allowed only to loopback."""
    refused = ValueError(
        f"Refusing base URL {base_url!r}: the API token is only sent over https "
        "(or plain http to this computer's loopback address).")
    try:
        parts = urlsplit(base_url.strip())
        port = parts.port
        host = (parts.hostname or "").lower()
        host.encode("ascii")
    except (ValueError, UnicodeError):
        raise refused from None
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise refused
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        default = 443 if parts.scheme == "https" else 80
        return Origin(base_url, parts.scheme, host, port or default, parts.path.rstrip("/"))
    raise refused
