"""Running the site: the embedded database, the dev server, the local stack and deploys."""
