"""The dashboard's pages: overview and ranking, honest voting, telling speakers."""
from datetime import datetime, timezone

from flask import current_app, render_template, request

from ... import params, phases
from ...config import PHASES
from ...errors import ApiError, wants_page
from ...store import audit, talks, users, votes
from .. import decision_letters, event, fraud, mailer, programme, ranking
from ..pseudonyms import account_token
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


PHASE_EFFECTS = {
    "pitching": "Attendees can pitch talks; voting stops.",
    "voting": "Attendees can vote; pitching stops.",
    "closed": "Voting stops and the counts are final (and public, if LT_SHOW_COUNTS=after hid them).",
    "schedule": "The configured dates decide the phase again, now and when each date comes.",
}


@bp.route("/phase/confirm", methods=["GET"])
def confirm_phase():
    """What a phase switch will do, and the button that does it: no switch happens in one stray click."""
    target = params.text(request.args, "phase", max_length=20).lower()
    if target not in PHASE_EFFECTS:
        raise ApiError(f"Unknown phase {target!r}: use one of {', '.join(PHASE_EFFECTS)}.")
    scheduled = phases.from_schedule(current_app.config, datetime.now(timezone.utc)) or "pitching"
    return render_template("dashboard/phase_confirm.html", phase=phases.current(), target=target,
                           effects=PHASE_EFFECTS, scheduled=scheduled)


def _plan_row(row):
    """A talk of the accept-top plan as an API client gets it."""
    return {name: row[name] for name in ("_id", "title", "speaker", "votes")}


@bp.route("/accept-top", methods=["GET"])
def accept_top():
    """What "accept the top N" will do, with the tie across the line (if any) for the organizer to decide; as JSON
    for a client that asks for it (its `digest` goes with the accept)."""
    config = current_app.config
    standings, _ = ranking.standings()
    plan = ranking.top_n_plan(standings, config["TOP_N"])
    if not wants_page():
        return {"success": True, "n": plan["n"], "seats": plan["seats"], "digest": plan["digest"],
                **{part: [_plan_row(row) for row in plan[part]] for part in ("sure", "tied")}}
    planned = {row["_id"] for row in plan["sure"] + plan["tied"]}
    return render_template(
        "dashboard/accept_top.html", plan=plan, phase=phases.current(),
        robustness=fraud.robustness(fraud.screen(), config["TOP_N"]),
        by_hand=[row for row in standings if row.get("accepted") and row["rank"] is not None and row["_id"] not in planned],
    )


@bp.route("/programme", methods=["GET"])
def programme_page():
    """The accepted talks in running order, with buttons to move each up or down, and the downloads."""
    standings, _ = ranking.standings()
    return render_template("dashboard/programme.html", order=programme.running_order(standings),
                           moved=request.args.get("moved", ""), direction=request.args.get("direction", ""))


@bp.route("/talks/<uuid:talk_id>/voters", methods=["GET"])
def voters_of_talk(talk_id):
    """Who voted for one talk and when; the ranking's rows load this when expanded, so the overview
    stays small at any number of votes."""
    talk = talks.find(str(talk_id))
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
    """The event's details, the emails' wording, the preview of every decision email, which went
    already, and the button to send the rest (or why sending must wait)."""
    return speakers_page()


def speakers_page(draft=None):
    """The speakers page; `draft` is an unsaved wording to preview in place of the stored one."""
    messages = mailer.outbox(draft)
    pending = mailer.pending(messages)
    return render_template(
        "dashboard/speakers.html", messages=messages, pending=pending, digest=mailer.digest(pending),
        refusal=mailer.refusal(messages), sending=mailer.in_flight(messages), draft=draft is not None,
        wording=draft or decision_letters.wording(), event=event.details(), placeholders=decision_letters.PLACEHOLDERS,
        hearing={decision: sum(m["decision"] == decision for m in pending) for decision in decision_letters.DECISIONS},
    )
