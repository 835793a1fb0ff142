"""Deploying to servers over SSH (`fab e prd deploy`): fab's tasks are built from the plain functions here,
`provision` (setup), `releases` (deploy, pull, rollback) and `upkeep` (backups, restarts, logs), each a list of
named `steps`.

The web app never imports this package. `python -m app.runtime.deploy` holds the few commands that run on the server
itself: starting and reloading the services, and checking a release.
"""
