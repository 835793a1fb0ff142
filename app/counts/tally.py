"""Recounting every talk's votes from the vote documents, and repairing drift."""
from ..store import talks, votes


def tally(fix=True):
    """Compare stored counts with one aggregation over the votes; fix drift. Return [(talk, was, now)]."""
    actual = votes.counts_by_talk()
    drift = [(talk_id, stored, actual.get(talk_id, 0))
             for talk_id, stored in talks.counts().items() if stored != actual.get(talk_id, 0)]
    if fix:
        for talk_id, _, now in drift:
            talks.set_count(talk_id, now)
    return drift
