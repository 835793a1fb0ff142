"""The dashboard's pages: overview and ranking, honest voting, telling speakers."""
from flask import current_app, render_template

from .. import fraud, mailer, ranking
from ..pseudonyms import account_token
from ... import params, phases
from ...config import PHASES
from ...errors import ApiError
from ...store import audit, talks, users, votes
from . import bp, charts


@bp.route("/", methods=["GET"])
def overview():
    """The phase and its switch, the schedule, counts, votes per hour, the ranking with moderation, the audit log."""
    config = current_app.config
    standings, voters = ranking.standings()
    return render_template(
        "dashboard/overview.html",
        phase=phases.current(), phases=PHASES,
        schedule=[("Pitching opens", config["PITCHING_OPENS"]), ("Voting opens", config["VOTING_OPENS"]),
                  ("Voting closes", config["VOTING_CLOSES"])],
        totals={"users": users.count(), "talks": talks.count(), "hidden": sum(1 for t in standings if t["rank"] is None),
                "votes": votes.count(), "counted": sum(t["votes"] for t in standings), "voters": voters},
        standings=standings, cutoff=ranking.cutoff(standings, config["TOP_N"]), top_n=config["TOP_N"],
        hourly=charts.hourly(votes.per_hour()),
        top_chart=charts.top_talks(standings, config["TOP_N"]), audit_log=audit.recent(50),
    )


@bp.route("/talks/<talk_id>/voters", methods=["GET"])
def voters_of_talk(talk_id):
    """Who voted for one talk and when; the ranking's rows load this when expanded, so the overview
    stays small at any number of votes."""
    talk = talks.find(params.identifier({"talk": talk_id}, "talk", ApiError("No such talk.", 404)))
    if talk is None:
        raise ApiError("No such talk.", 404)
    cast = votes.of_talk(talk["_id"])
    contacts = users.contacts({vote["user"] for vote in cast})
    voters = [{**contacts.get(vote["user"], {"name": "?", "email": ""}), "at": vote["created_at"],
               "counted": bool(vote.get("counted", True))} for vote in cast]
    return render_template("dashboard/talk_voters.html", talk=talk, voters=voters)


@bp.route("/voters", methods=["GET"])
def honest_voting():
    """Suspicious accounts worst first with their reasons, quarantine, and whether the top N survives without them."""
    report = [{**row, "account": account_token(row["user"])} for row in fraud.screen()]
    return render_template(
        "dashboard/voters.html", report=report, suspects=fraud.suspects(report),
        robustness=fraud.robustness(report, current_app.config["TOP_N"]), suspect_score=fraud.SUSPECT_SCORE,
    )


@bp.route("/speakers", methods=["GET"])
def speakers():
    """The preview of every decision email, which went already, and the button to send the rest."""
    messages = mailer.outbox()
    pending = mailer.pending(messages)
    return render_template("dashboard/speakers.html", messages=messages, pending=pending,
                           sending=mailer.in_flight(messages), digest=mailer.digest(pending),
                           smtp_host=current_app.config["SMTP_HOST"])
