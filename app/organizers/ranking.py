"""The organizers' ranking: visible talks by votes, ties shown as ties, and the LT_TOP_N cutoff."""
import hashlib
from collections import Counter

from ..store import talks, users, votes


def competition_ranks(vote_counts):
    """Ranks for counts sorted most first, ties sharing a rank ("1, 2, 2, 4")."""
    ranks = []
    for i, votes in enumerate(vote_counts):
        ranks.append(ranks[-1] if i and votes == vote_counts[i - 1] else i + 1)
    return ranks


def ranked(talks, voters):
    """Visible talks (sorted most votes first) with rank, tie mark and share of voters, then hidden ones unranked."""
    visible = [talk for talk in talks if not talk.get("hidden")]
    counts = [talk["votes"] for talk in visible]
    ties = Counter(counts)
    rows = [{**talk, "rank": rank, "tied": ties[talk["votes"]] > 1, "share": talk["votes"] / voters if voters else 0.0}
            for talk, rank in zip(visible, competition_ranks(counts))]
    return rows + [{**talk, "rank": None, "tied": False, "share": 0.0} for talk in talks if talk.get("hidden")]


def cutoff(rows, top_n):
    """Where the top-N line falls among ranked rows: the margin between talk N and N+1, and whether they tie.
    None when there are not more than N ranked talks, so nothing is cut."""
    ranked_rows = [row for row in rows if row["rank"] is not None]
    if len(ranked_rows) <= top_n:
        return None
    last_in, first_out = ranked_rows[top_n - 1], ranked_rows[top_n]
    margin = last_in["votes"] - first_out["votes"]
    return {"n": top_n, "margin": margin, "tie": margin == 0, "last_in": last_in, "first_out": first_out}


def top(counts_by_talk, top_n):
    """The talks that make the top N by rank, given {talk: votes}; a tie at the line takes everyone tied."""
    ordered = sorted(counts_by_talk.items(), key=lambda item: -item[1])
    ranks = competition_ranks([votes for _, votes in ordered])
    return {talk for (talk, _), rank in zip(ordered, ranks) if rank <= top_n}


def standings():
    """Every talk ranked now, with its speaker's email; and how many accounts have a counted vote."""
    voters = votes.distinct_voters()
    all_talks = talks.ranking()
    speakers = users.contacts({talk["user"] for talk in all_talks})
    rows = ranked(all_talks, voters)
    for row in rows:
        row["email"] = speakers.get(row["user"], {}).get("email", "")
    return rows, voters


def top_n_plan(rows, top_n):
    """What accepting the top N would take: the talks surely in, and the talks tied across the line,
    among which the organizer chooses `seats` (or all); never decided silently by the order they sort in.
    The digest fingerprints the counts it was made from, so acting on a stale preview is refused."""
    ranked_rows = [row for row in rows if row["rank"] is not None]
    sure, tied = ranked_rows[:top_n], []
    found = cutoff(rows, top_n)
    if found and found["tie"]:
        line = found["last_in"]["votes"]
        sure = [row for row in ranked_rows if row["votes"] > line]
        tied = [row for row in ranked_rows if row["votes"] == line]
    fingerprint = "\n".join(f"{row['_id']}|{row['votes']}" for row in sure + tied)
    return {"n": top_n, "sure": sure, "tied": tied, "seats": top_n - len(sure),
            "digest": hashlib.sha256(fingerprint.encode()).hexdigest()}
