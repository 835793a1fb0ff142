"""Reading an action's fields from a query string, a form or a JSON body, the same way."""
import unicodedata
import uuid
from urllib.parse import unquote_to_bytes

from flask import request

from .errors import ApiError

# Fields are flat; a little nesting is allowed so that operator shapes get their own clear refusal.
MAX_JSON_DEPTH = 16
FORM_TYPE = "application/x-www-form-urlencoded"
TOO_DEEP = "The JSON body is nested too deeply: send {\"field\": \"value\", ...}."


def _require_utf8(raw, where):
    """Werkzeug keeps bytes that are not UTF-8 (e.g. %ED%A0%80, an encoded surrogate) as literal
    percent escapes, so a field would silently hold "%ED%A0%80": refuse such input instead."""
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(f"The {where} is not valid UTF-8 text.") from None


def _require_readable_json(body):
    """Refuse JSON nested deeper than fields ever are, or holding lone UTF-16 surrogates
    ("\\ud800"), which no database or mail can store; walked without recursion."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(TOO_DEEP)
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError("The JSON body holds a lone UTF-16 surrogate (like \\ud800): "
                               "send whole characters.") from None


def _parsed_json():
    """The JSON body as parsed (None if it is not JSON); a body nested past Python's recursion
    limit is a 400 like any other unreadable one."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise ApiError(TOO_DEEP) from None


def refuse_unreadable_input():
    """Before any view, and so before any rate limit is spent, refuse (400) input that no field
    can hold: a query string or form that is not UTF-8, JSON too deep or with lone surrogates."""
    _require_utf8(request.query_string, "query string")
    if request.mimetype == FORM_TYPE:
        _require_utf8(request.get_data(), "form body")
    if request.is_json:
        _require_readable_json(_parsed_json())


def _json_body():
    """The JSON object posted, or None; a body that claims JSON but is not one is a 400."""
    if not request.is_json:
        return None
    body = _parsed_json()
    if not isinstance(body, dict):
        raise ApiError("The body is not a JSON object: send {\"field\": \"value\", ...}.")
    return body


def fields():
    """All fields sent, query string first, then form, then JSON, later ones winning."""
    merged = dict(request.args.items())
    merged.update(request.form.items())
    merged.update(_json_body() or {})
    return merged


# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder how the
# text around them is shown: a title or name could display as something else than it holds.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def repeated(name):
    """A field that may be sent many times: its values in the query string, then the form, then a JSON list
    (or a single string) under that name."""
    values = request.args.getlist(name) + request.form.getlist(name)
    sent = (_json_body() or {}).get(name, [])
    sent = [sent] if isinstance(sent, str) else sent
    if not isinstance(sent, list) or not all(isinstance(value, str) for value in sent):
        raise ApiError(f"{name} must be a list of strings.", field=name)
    return values + sent


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
    if BIDI_CONTROLS.intersection(value):
        raise ApiError(f"{name} contains bidirectional control characters (U+202A to U+202E, U+2066 to U+2069), "
                       "which can make text display as something it is not; remove them.", field=name)
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
