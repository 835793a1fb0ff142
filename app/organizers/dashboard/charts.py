"""Geometry for the dashboard's two charts, drawn as inline SVG by the templates (no chart library)."""
from datetime import datetime, timedelta, timezone

HOURLY = {"width": 720, "height": 150, "top": 16, "bottom": 22, "left": 34}
BARS = {"width": 720, "row": 22, "label": 260, "gap": 4}
TITLE_CHARS = 38


def _hour(key):
    return datetime.strptime(key, "%Y-%m-%dT%H").replace(tzinfo=timezone.utc)


def hourly(per_hour):
    """Bars for votes per hour, every hour from the first vote to the last (empty hours too), with day ticks."""
    if not per_hour:
        return None
    counts = {_hour(key): n for key, n in per_hour}
    first, last = min(counts), max(counts)
    hours = [first + timedelta(hours=i) for i in range(int((last - first).total_seconds() // 3600) + 1)]
    box = HOURLY
    plot_w, plot_h = box["width"] - box["left"], box["height"] - box["top"] - box["bottom"]
    peak = max(counts.values())
    step = plot_w / len(hours)
    bars = []
    for i, hour in enumerate(hours):
        n = counts.get(hour, 0)
        h = plot_h * n / peak
        bars.append({"x": round(box["left"] + i * step, 2), "y": round(box["top"] + plot_h - h, 2),
                     "w": round(max(step - 1, 0.5), 2), "h": round(h, 2), "n": n, "hour": hour})
    ticks = [{"x": bar["x"], "label": bar["hour"].strftime("%a %d %b")} for bar in bars
             if bar["hour"].hour == 0 or bar is bars[0]]
    # Keep the first tick unless the first midnight is so close its label would overprint it.
    if len(ticks) > 1 and ticks[1]["x"] - ticks[0]["x"] < 80:
        ticks.pop(0)
    return {**box, "plot_h": plot_h, "base": box["top"] + plot_h, "peak": peak, "bars": bars, "ticks": ticks,
            "total": sum(counts.values())}


def top_talks(standings, top_n, extra=3):
    """Horizontal bars for the top N talks and a few just below the line, scaled to the leader."""
    shown = [row for row in standings if row["rank"] is not None][:top_n + extra]
    if not shown:
        return None
    box = BARS
    leader = max(shown[0]["votes"], 1)
    plot_w = box["width"] - box["label"] - 40
    bars = []
    for i, row in enumerate(shown):
        title = row["title"] if len(row["title"]) <= TITLE_CHARS else row["title"][:TITLE_CHARS - 1] + "…"
        bars.append({"y": i * box["row"], "w": round(plot_w * max(row["votes"], 0) / leader, 2), "title": title,
                     "rank": row["rank"], "tied": row["tied"], "votes": row["votes"], "in": i < top_n})
    line_y = min(top_n, len(shown)) * box["row"] - box["gap"] / 2 if len(shown) > top_n else None
    return {**box, "plot_x": box["label"], "height": len(shown) * box["row"], "bars": bars, "cutoff_y": line_y,
            "top_n": top_n}
