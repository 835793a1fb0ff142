"""Attendees' account mail: one-time links that confirm an email or set a new password."""
