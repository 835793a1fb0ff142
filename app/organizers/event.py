"""The event the talks are given at: its name, date, time and place, from the settings unless an
organizer changed them on the dashboard. The speakers' email says them; download names carry them."""
import re
import unicodedata
from datetime import date, datetime, timezone

from flask import current_app

from .. import params
from ..errors import ApiError
from ..store import audit, overrides

FIELDS = {"name": "EVENT_NAME", "date": "EVENT_DATE", "time": "EVENT_TIME", "place": "EVENT_PLACE"}
MAX_LENGTH = 120


def details():
    """{name, date, time, place}: each the dashboard's value if an organizer set one, else the setting's ("" if unset)."""
    edited = overrides.edited("event")
    return {field: edited.get(field) or current_app.config[setting] for field, setting in FIELDS.items()}


def save(values, by):
    """Store the event's details from the dashboard's form (a blank field falls back to the setting); audited."""
    fields = {field: params.text(values, field, required=False, max_length=MAX_LENGTH) for field in FIELDS}
    if fields["date"]:
        try:
            date.fromisoformat(fields["date"])
        except ValueError:
            raise ApiError(f"The date {fields['date']!r} is not a date like 2026-03-14.") from None
    overrides.set_edited("event", fields, by)
    audit.record(by, "event details", fields["name"] or current_app.config["EVENT_NAME"],
                 ", ".join(f"{field}: {value}" for field, value in fields.items() if field != "name" and value))
    return details()


def file_name(kind, extension):
    """A download's name carrying the event's name and date (today's until a date is set), e.g.
    "pycon-lightning-talks-2026-03-14-programme.csv"."""
    found = details()
    ascii_name = unicodedata.normalize("NFKD", found["name"]).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "lightning-talks"
    day = found["date"] or datetime.now(timezone.utc).date().isoformat()
    return f"{slug}-{day}-{kind}.{extension}"
