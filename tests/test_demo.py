"""Demo data: talks that look like a real event's."""
from app import demo


def test_demo_talks_have_distinct_titles_that_read_like_real_talks(app):
    with app.app_context():  # the demo password is hashed by the configured method
        _, talks, _ = demo.make(20, 60, 10, seed=1)
    titles = [talk["title"] for talk in talks]
    assert len(set(titles)) == len(titles)
    assert all(title[0].isupper() or title[0].isdigit() for title in titles)  # no "caching in five minutes"
    assert len({talk["description"] for talk in talks[:len(demo.PITCHES)]}) == len(demo.PITCHES)
