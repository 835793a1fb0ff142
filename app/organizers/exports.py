"""Downloads for organizers: results as CSV and JSON, and every vote with the voter's id hashed."""
import csv
import hashlib
import hmac
import io

from flask import current_app

from ..store import talks, votes

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RESULT_FIELDS = ("rank", "tied", "title", "description", "speaker", "email", "votes", "share_of_voters", "accepted",
                 "hidden", "talk_id")
VOTE_FIELDS = ("voter", "talk_id", "talk", "voted_at", "counted")


def neutralise(value):
    """The cell as a spreadsheet will show it but never run it: text that looks like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(fields, rows):
    """CSV text with a header row, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([neutralise(row[name]) for name in fields])
    return out.getvalue()


def result_rows(standings):
    """The ranking as flat records: one per talk, hidden ones last and unranked."""
    return [{
        "rank": row["rank"], "tied": row["tied"], "title": row["title"], "description": row.get("description", ""),
        "speaker": row["speaker"],
        "email": row["email"], "votes": row["votes"], "share_of_voters": round(row["share"], 4),
        "accepted": bool(row.get("accepted")), "hidden": bool(row.get("hidden")), "talk_id": row["_id"],
    } for row in standings]


def voter_key(user_id):
    """A stable pseudonym for a voter: a keyed hash, so nobody without LT_SECRET_KEY can map it back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"voter:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def vote_rows():
    """Every vote, oldest first, with a hashed voter and the talk's title."""
    titles = {talk["_id"]: talk["title"] for talk in talks.ranking()}
    return ({
        "voter": voter_key(vote["user"]), "talk_id": vote["session"], "talk": titles.get(vote["session"], ""),
        "voted_at": vote["created_at"].isoformat(), "counted": bool(vote.get("counted", True)),
    } for vote in votes.every())
