"""Reading a request's fields: JSON objects and form bodies alike, ``null`` taken as absent
(auth0-python sends ``"realm": null``), and each field checked for type and length."""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web

from scriptbridge.errors import InvalidBodyError, InvalidRequestError

#: No single text field of the Authentication API needs more.
MAX_FIELD_CHARS: Final = 1024
_FORM: Final = "application/x-www-form-urlencoded"


async def read_fields(request: web.Request) -> dict[str, Any]:
    """The body's fields; a body neither a JSON object nor a form is an InvalidBodyError."""
    content_type = request.content_type
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise InvalidBodyError("The request body is too large.") from None
    if not raw:
        return {}
    if content_type == _FORM:
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    if content_type in ("application/json", "text/plain", "application/octet-stream", ""):
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidBodyError("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise InvalidBodyError("The request body must be a JSON object.")
        return {key: value for key, value in data.items() if value is not None}
    raise InvalidBodyError(
        f"Unsupported content type {content_type}: send application/json or {_FORM}."
    )


def text(fields: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A text field; missing (when required), empty, non-text or over-long is an error."""
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise InvalidRequestError(f"Missing required parameter: {name}")
        return None
    if not isinstance(value, str):
        raise InvalidBodyError(f"The parameter {name} must be a string.")
    if len(value) > MAX_FIELD_CHARS:
        raise InvalidBodyError(f"The parameter {name} is longer than {MAX_FIELD_CHARS} characters.")
    return value


def required_text(fields: dict[str, Any], name: str) -> str:
    value = text(fields, name)
    assert value is not None  # text() raised otherwise
    return value


async def read_json(request: web.Request) -> dict[str, Any]:
    """A Management API body: a JSON object, nulls kept (they remove metadata keys)."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise InvalidBodyError("Payload validation error: the body is too large.") from None
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidBodyError("Payload validation error: the body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidBodyError("Payload validation error: the body must be a JSON object.")
    return data


def typed(body: dict[str, Any], name: str, kind: type | tuple[type, ...], label: str) -> Any:
    """``body[name]`` when present (None when absent), or a 400 naming the expected type."""
    value = body.get(name)
    if value is None:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int to Python, but a boolean is not a number in JSON.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise InvalidBodyError(
            f"Payload validation error: 'Expected type {label} but found type "
            f"{_json_type(value)}' on property {name}."
        )
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        raise InvalidBodyError(
            f"Payload validation error: 'String is too long' on property {name}."
        )
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "unknown"
