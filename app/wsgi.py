"""The WSGI entry point uWSGI loads (`module = app.wsgi:application`); settings come from the environment."""
from . import create_app

application = create_app()
