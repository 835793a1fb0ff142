"""The dashboard's state-changing POSTs. A browser form is sent back to its page; an API client gets JSON."""
from flask import redirect, render_template, request, url_for

from ... import auth, params
from .. import fraud, mailer, moderation
from ..pseudonyms import account_token
from ...errors import ApiError
from . import bp


def _done(page, body, anchor=""):
    """Back to the page for a browser (303, so a reload does not re-post), the result as JSON otherwise."""
    if request.accept_mimetypes.accept_html:
        return redirect(url_for(page) + anchor, 303)
    return {"success": True, **body}


@bp.route("/phase", methods=["POST"], strict_slashes=False)
def switch_phase():
    """Switch the phase now (or back to the schedule); the homepage is re-baked for it."""
    phase = params.text(params.fields(), "phase", max_length=20).lower()
    now = moderation.switch_phase(phase, auth.organizer_name())
    return _done(".overview", {"phase": now})


@bp.route("/talks/<talk_id>/<any(accepted, hidden):field>", methods=["POST"])
def moderate(talk_id, field):
    """Set a talk's `accepted` or `hidden` to value=1/0."""
    talk_id = params.identifier({"talk": talk_id}, "talk", ApiError("No such talk.", 404))
    value = params.flag(params.fields(), "value")
    if value is None:
        raise ApiError("Missing value: 1 or 0.")
    moderation.moderate_talk(talk_id, field, value, auth.organizer_name())
    return _done(".overview", {"talk": talk_id, field: value}, f"#talk-{talk_id}")


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
        user_ids = _accounts_named(request.form.getlist("account"))
        reason = "by hand"
    if not user_ids:
        raise ApiError("No accounts given.")
    by = auth.organizer_name()
    changed = moderation.quarantine(user_ids, by, reason) if action == "quarantine" else moderation.release(user_ids, by)
    return _done(".honest_voting", {"action": action, "changed": changed})


@bp.route("/speakers/send", methods=["POST"])
def send_decisions():
    """Send the decision emails the preview showed, each once; refused if the lineup changed since the preview."""
    sent, failed = mailer.send(params.text(params.fields(), "digest", max_length=64), auth.organizer_name())
    if request.accept_mimetypes.accept_html:
        return render_template("dashboard/sent.html", sent=sent, failed=failed)
    return {"success": True, "sent": len(sent), "failed": [m["to"] for m in failed]}
