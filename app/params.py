"""Reading an action's fields from a query string, a form or a JSON body, the same way."""
import unicodedata
import uuid

from flask import request

from .errors import ApiError


def _json_body():
    """The JSON object posted, or None; a body that claims JSON but is not one is a 400."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError("The body is not a JSON object: send {\"field\": \"value\", ...}.")
    return body


def fields():
    """All fields sent, query string first, then form, then JSON, later ones winning."""
    merged = dict(request.args.items())
    merged.update(request.form.items())
    merged.update(_json_body() or {})
    return merged


def _has_control(value, multiline):
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def text(values, name, *, required=True, max_length=200, multiline=False, raw=False):
    """One text field: a string, at most max_length characters; trimmed and free of control
    characters unless `raw` (passwords are taken exactly as typed)."""
    value = values.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(f"Missing {name}.", field=name)
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ApiError(f"{name} must be text.", field=name)
    if len(value) > max_length:
        raise ApiError(f"{name} is too long: at most {max_length} characters.", 413, field=name)
    if raw:
        return value
    value = value.strip()
    if required and not value:
        raise ApiError(f"{name} must not be blank.", field=name)
    if _has_control(value, multiline):
        raise ApiError(f"{name} contains control characters; use plain text.", field=name)
    return value


def identifier(values, name, unknown, *, required=True):
    """An _id field: a UUID string. Anything else cannot name a document, so raise `unknown`."""
    value = text(values, name, required=required, max_length=64)
    if not value:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise unknown from None


def flag(values, name):
    """An optional 1/0 (or true/false) field; None when absent."""
    value = values.get(name)
    if value is None or value == "":
        return None
    words = {"1": True, "true": True, "0": False, "false": False}
    key = str(value).strip().lower() if isinstance(value, (str, int, bool)) else None
    if key not in words:
        raise ApiError(f"{name} must be 1 or 0.", field=name)
    return words[key]
