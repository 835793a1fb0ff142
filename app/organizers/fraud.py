"""Screening accounts for fake voters: scores with reasons, from one pass over users and votes.

Each signal alone has innocent explanations (venue Wi-Fi puts everyone behind one address;
friends vote for a friend's talk), so signals carry weights and only a score of SUSPECT_SCORE
or more, i.e. two independent signals at least, makes an account a suspect."""
from collections import defaultdict
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from ..store import talks, users, votes
from . import ranking

THROWAWAY_LIST = Path(__file__).resolve().parent / "data" / "throwaway_domains.txt"
SUSPECT_SCORE = 5
WEIGHTS = {
    "fingerprint": 3,  # one browser behind several accounts: the classic sock puppet
    "same_talks": 3,   # new accounts voting as a block
    "throwaway": 2,
    "fast_votes": 2,
    "ip_burst": 2,
    "subnet_burst": 1,
    "shared_ip": 1,    # weak: a venue's NAT shares one address among hundreds
}
SHARED_IP_MIN = 5                     # accounts on one address before it is worth a mention
BURST_WINDOW = timedelta(minutes=10)  # signups this close together count as one burst
BURST_MIN = 4                         # signups in the window from one address (or one /24, below)
SUBNET_BURST_MIN = 6
FAST_SECONDS = 30                     # votes this soon after signing up are "within seconds"
FAST_VOTES_MIN = 3
BLOCK_WINDOW = timedelta(hours=1)     # accounts this new relative to each other form a block
BLOCK_MIN = 3


@lru_cache(maxsize=1)
def throwaway_domains():
    """The maintained list of disposable email domains."""
    lines = THROWAWAY_LIST.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _subnet(ip):
    """The /24 of an IPv4 address (the /64 of an IPv6 one), or None."""
    if not ip:
        return None
    if ":" in ip:
        return ":".join(ip.split(":")[:4]) + "::/64"
    return ".".join(ip.split(".")[:3]) + ".0/24"


def clusters(stamped, window, min_size):
    """Given [(time, item)], the items in any run of min_size or more within `window`, with that run's size."""
    stamped = sorted(stamped, key=lambda pair: pair[0])
    found, start = {}, 0
    for end in range(len(stamped)):
        while stamped[end][0] - stamped[start][0] > window:
            start += 1
        size = end - start + 1
        if size >= min_size:
            for _, item in stamped[start:end + 1]:
                found[item] = max(found.get(item, 0), size)
    return found


def _sharing(accounts, voting, signup_field, voting_field):
    """{value: account ids} for a signal seen at signup and on votes (an account may show several)."""
    shared = defaultdict(set)
    for account in accounts:
        for value in {account["signup"].get(signup_field), *voting.get(account["_id"], {}).get(voting_field, ())}:
            if value:
                shared[value].add(account["_id"])
    return shared


def _shared_signals(accounts, voting, reasons):
    """Fingerprints shared by several accounts, and addresses shared by many."""
    for ids in _sharing(accounts, voting, "fingerprint", "fingerprints").values():
        for account_id in ids if len(ids) > 1 else ():
            reasons[account_id].append(("fingerprint", f"shares a browser fingerprint with {len(ids) - 1} other account(s)"))
    for ip, ids in _sharing(accounts, voting, "ip", "ips").items():
        for account_id in ids if len(ids) >= SHARED_IP_MIN else ():
            reasons[account_id].append(("shared_ip", f"shares IP {ip} with {len(ids) - 1} other accounts"))


def _bursts(accounts, voting, reasons):
    """Signup bursts from one address or one /24, and blocks of new accounts voting for the same talks."""
    by_ip, by_subnet, by_talk_set = defaultdict(list), defaultdict(list), defaultdict(list)
    for account in accounts:
        ip, stamped = account["signup"].get("ip"), (account["created_at"], account["_id"])
        if ip:
            by_ip[ip].append(stamped)
            by_subnet[_subnet(ip)].append(stamped)
        if account["_id"] in voting:
            by_talk_set[frozenset(voting[account["_id"]]["talks"])].append(stamped)
    in_ip_burst = set()
    for ip, stamped in by_ip.items():
        for account_id, size in clusters(stamped, BURST_WINDOW, BURST_MIN).items():
            in_ip_burst.add(account_id)
            reasons[account_id].append(("ip_burst", f"one of {size} signups from {ip} within {_minutes(BURST_WINDOW)}"))
    for subnet, stamped in by_subnet.items():
        for account_id, size in clusters(stamped, BURST_WINDOW, SUBNET_BURST_MIN).items():
            if account_id not in in_ip_burst:  # the same burst seen twice is one reason
                reasons[account_id].append(("subnet_burst", f"one of {size} signups from {subnet} within {_minutes(BURST_WINDOW)}"))
    for talk_set, stamped in by_talk_set.items():
        for account_id, size in clusters(stamped, BLOCK_WINDOW, BLOCK_MIN).items():
            reasons[account_id].append(("same_talks", f"one of {size} accounts, created within {_minutes(BLOCK_WINDOW)}, "
                                                      f"that voted for exactly the same {len(talk_set)} talk(s)"))


def _own_signals(accounts, voting, reasons):
    """What each account shows alone: a throwaway email domain, votes within seconds of signing up."""
    for account in accounts:
        domain = account["email"].rpartition("@")[2].lower()
        if domain in throwaway_domains():
            reasons[account["_id"]].append(("throwaway", f"throwaway email domain {domain}"))
        times = voting.get(account["_id"], {}).get("times", ())
        fast = sum(1 for at in times if (at - account["created_at"]).total_seconds() <= FAST_SECONDS)
        if fast >= FAST_VOTES_MIN:
            reasons[account["_id"]].append(("fast_votes", f"cast {fast} votes within {FAST_SECONDS} s of signing up"))


def _minutes(window):
    return f"{int(window.total_seconds() // 60)} minutes"


def screen():
    """Every account with a reason to doubt it, or quarantined, worst first; one read of users and one aggregation of votes."""
    accounts = users.for_screening()
    for account in accounts:
        account.setdefault("signup", {})
    voting = votes.by_voter()
    reasons = defaultdict(list)
    for find in (_shared_signals, _bursts, _own_signals):
        find(accounts, voting, reasons)
    report = []
    for account in accounts:
        found = reasons.get(account["_id"], [])
        if not found and not account.get("quarantined"):
            continue
        codes = {key for key, _ in found}
        report.append({
            "user": account["_id"], "name": account.get("name", ""), "email": account["email"],
            "created_at": account["created_at"], "quarantined": bool(account.get("quarantined")),
            # A signal seen twice (two shared fingerprints) still weighs once.
            "score": sum(WEIGHTS[key] for key in codes), "codes": sorted(codes), "reasons": [text for _, text in found],
            "talks": voting.get(account["_id"], {}).get("talks", []),
        })
    report.sort(key=lambda row: (-row["score"], row["created_at"]))
    return report


def suspects(report, min_score=SUSPECT_SCORE):
    """The accounts in a report scoring at least min_score."""
    return [row for row in report if row["score"] >= min_score]


def robustness(report, top_n, min_score=SUSPECT_SCORE):
    """Whether the top N holds when the suspects' still-counted votes are left out, and which talks cross the line."""
    visible = {talk["_id"]: talk for talk in talks.ranking() if not talk.get("hidden")}
    now = {talk_id: talk["votes"] for talk_id, talk in visible.items()}
    clean = dict(now)
    excluded = 0
    for row in suspects(report, min_score):
        if row["quarantined"]:  # their votes already do not count
            continue
        for talk_id in row["talks"]:
            if talk_id in clean:
                clean[talk_id] -= 1
                excluded += 1
    top_now, top_clean = ranking.top(now, top_n), ranking.top(clean, top_n)

    def moved(ids):
        return [{"talk": visible[t], "now": now[t], "clean": clean[t]} for t in sorted(ids, key=lambda t: -now[t])]
    return {"n": top_n, "excluded_votes": excluded, "holds": top_now == top_clean,
            "leave": moved(top_now - top_clean), "enter": moved(top_clean - top_now)}
