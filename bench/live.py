"""The homepage rendered by Flask on every request: what baking saves us, for the benchmark only."""
from pathlib import Path

from app import create_app
from app.homepage import bake

app = create_app()
with app.app_context():
    ASSETS = bake.publish_assets(Path(app.config["WWW_DIR"]))


@app.route("/")
def live():
    """Render the page now, as an unbaked site would."""
    return bake.render(ASSETS)[0]


application = app
