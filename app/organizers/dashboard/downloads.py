"""Results and votes as downloads, behind the dashboard's login."""
from datetime import datetime, timezone

from flask import Response, current_app

from .. import event, exports, programme, ranking
from ... import phases
from ...store import talks, users, votes
from . import bp


def _attachment(body, filename, mimetype):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/results.csv", methods=["GET"])
def results_csv():
    """The ranking, one row per talk, safe to open in a spreadsheet."""
    standings, _ = ranking.standings()
    return _attachment(exports.to_csv(exports.RESULT_FIELDS, exports.result_rows(standings)),
                       event.file_name("results", "csv"), "text/csv")


@bp.route("/results.json", methods=["GET"])
def results_json():
    """The ranking with the counts and the top-N setting, as JSON."""
    standings, voters = ranking.standings()
    body = current_app.json.dumps({
        "generated_at": datetime.now(timezone.utc).isoformat(), "phase": phases.current(),
        "top_n": current_app.config["TOP_N"],
        "totals": {"users": users.count(), "talks": talks.count(), "votes": votes.count(), "voters": voters},
        "talks": exports.result_rows(standings),
    })
    return _attachment(body, event.file_name("results", "json"), "application/json")


@bp.route("/votes.csv", methods=["GET"])
def votes_csv():
    """Every vote with the voter's id replaced by a keyed hash, so it can be shared."""
    return _attachment(exports.to_csv(exports.VOTE_FIELDS, exports.vote_rows()), event.file_name("votes", "csv"), "text/csv")


@bp.route("/programme.csv", methods=["GET"])
def programme_csv():
    """The accepted talks in running order, with descriptions and speakers' contacts, safe to open in a spreadsheet."""
    standings, _ = ranking.standings()
    rows = programme.rows(programme.running_order(standings))
    return _attachment(exports.to_csv(programme.PROGRAMME_FIELDS, rows), event.file_name("programme", "csv"), "text/csv")


@bp.route("/programme.json", methods=["GET"])
def programme_json():
    """The programme with the event's details, as JSON."""
    standings, _ = ranking.standings()
    body = current_app.json.dumps({
        "generated_at": datetime.now(timezone.utc).isoformat(), "event": event.details(),
        "talks": programme.rows(programme.running_order(standings)),
    })
    return _attachment(body, event.file_name("programme", "json"), "application/json")
