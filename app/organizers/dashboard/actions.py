"""The dashboard's state-changing POSTs. A browser form is sent back to its page; an API client gets JSON."""
from flask import current_app, redirect, render_template, url_for

from ... import auth, params
from ...errors import ApiError, wants_page
from ...homepage import bake
from .. import decision_letters, event, fraud, mailer, moderation, programme, ranking
from ..pseudonyms import account_token
from . import bp, pages


def _done(page, body, anchor=""):
    """Back to the page for a browser (303, so a reload does not re-post), the result as JSON otherwise."""
    if wants_page():
        return redirect(url_for(page) + anchor, 303)
    return {"success": True, **body}


@bp.route("/phase", methods=["POST"], strict_slashes=False)
def switch_phase():
    """Switch the phase now (or back to the schedule); the homepage is re-baked for it."""
    phase = params.text(params.fields(), "phase", max_length=20).lower()
    now = moderation.switch_phase(phase, auth.organizer_name())
    return _done(".overview", {"phase": now})


@bp.route("/talks/<uuid:talk_id>/<any(accepted, hidden):field>", methods=["POST"])
def moderate(talk_id, field):
    """Set a talk's `accepted` or `hidden` to value=1/0."""
    talk_id = str(talk_id)  # ids are stored as UUID strings; routing already refused anything else with a 404
    value = params.flag(params.fields(), "value")
    if value is None:
        raise ApiError("Missing value: 1 or 0.")
    moderation.moderate_talk(talk_id, field, value, auth.organizer_name())
    return _done(".overview", {"talk": talk_id, field: value}, f"#talk-{talk_id}")


@bp.route("/accept-top", methods=["POST"])
def accept_top_n():
    """Accept the top N as previewed, with the organizer's choice among talks tied across the line (`tied` fields)."""
    standings, _ = ranking.standings()
    plan = ranking.top_n_plan(standings, current_app.config["TOP_N"])
    if params.text(params.fields(), "digest", max_length=64) != plan["digest"]:
        raise ApiError("The ranking changed since your preview: look at it again, then accept.", 409)
    unknown = ApiError("No such talk among those tied.", 400)
    chosen = [params.identifier({"tied": value}, "tied", unknown) for value in params.repeated("tied")]
    accepted = moderation.accept_top(plan, chosen, auth.organizer_name())
    return _done(".overview", {"accepted": [talk["_id"] for talk in accepted]}, "#ranking")


@bp.route("/programme/move", methods=["POST"])
def move_in_programme():
    """Move an accepted talk one place up or down the running order (`talk`, `direction`)."""
    values = params.fields()
    talk_id = params.identifier(values, "talk", ApiError("No such talk.", 404))
    direction = params.text(values, "direction", max_length=10)
    if direction not in ("up", "down"):
        raise ApiError("direction must be up or down.")
    standings, _ = ranking.standings()
    place = programme.move(standings, talk_id, direction, auth.organizer_name())
    if wants_page():
        # Back to the same button, focused (autofocus, which also scrolls to it), so a keyboard user can keep
        # moving the talk. No #fragment: a page with a target element ignores autofocus.
        return redirect(url_for(".programme_page", moved=talk_id, direction=direction), 303)
    return {"success": True, "talk": talk_id, "order": place}


def _accounts_named(tokens):
    """The ids of the accounts whose tokens the honest-voting page gave; every account it lists is in the screen."""
    ids_by_token = {account_token(row["user"]): row["user"] for row in fraud.screen()}
    unknown = [token for token in tokens if token not in ids_by_token]
    if unknown:
        raise ApiError("No such account on the honest-voting page: reload it and try again.", 404)
    return [ids_by_token[token] for token in tokens]


@bp.route("/accounts/<any(quarantine, release):action>", methods=["POST"])
def accounts(action):
    """Quarantine or release the accounts named by `account` fields (the page's tokens, never ids), or
    (quarantine) every suspect with suspects=1."""
    if action == "quarantine" and params.flag(params.fields(), "suspects"):
        user_ids = [row["user"] for row in fraud.suspects(fraud.screen()) if not row["quarantined"]]
        reason = f"suspect: fraud score {fraud.SUSPECT_SCORE} or more"
    else:
        user_ids = _accounts_named(params.repeated("account"))
        reason = "by hand"
    if not user_ids:
        raise ApiError("No accounts given.")
    by = auth.organizer_name()
    changed = moderation.quarantine(user_ids, by, reason) if action == "quarantine" else moderation.release(user_ids, by)
    return _done(".honest_voting", {"action": action, "changed": changed})


@bp.route("/event", methods=["POST"])
def save_event():
    """Store the event's name, date, time and place (blank: the setting's value)."""
    found = event.save(params.fields(), auth.organizer_name())
    bake.rebake()  # the homepage shows the event's name
    return _done(".speakers", {"event": found}, "#event")


@bp.route("/speakers/wording", methods=["POST"])
def speakers_wording():
    """The emails' wording: intent=preview shows it on every message unsaved, save stores it, reset
    goes back to the default."""
    intent = params.text(params.fields(), "intent", max_length=10)
    if intent == "reset":
        decision_letters.save(None, auth.organizer_name())
        return _done(".speakers", {"wording": decision_letters.wording()}, "#wording")
    found = decision_letters.from_form(params.fields())
    if intent == "preview":
        return pages.speakers_page(draft=found)
    if intent != "save":
        raise ApiError("intent must be preview, save or reset.")
    decision_letters.save(found, auth.organizer_name())
    return _done(".speakers", {"wording": found}, "#wording")


@bp.route("/speakers/send", methods=["POST"])
def send_decisions():
    """Send the decision emails the preview showed, each once; refused if the lineup changed since the preview."""
    sent, failed = mailer.send(params.text(params.fields(), "digest", max_length=64), auth.organizer_name())
    if wants_page():
        return render_template("dashboard/sent.html", sent=sent, failed=failed)
    return {"success": True, "sent": len(sent), "failed": [m["to"] for m in failed]}
