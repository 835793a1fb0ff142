"""Checking an account's password under the login limits, for logins and for confirming a link."""
from .. import ratelimit
from ..store import users


def matches(user, password, ip):
    """Whether this is the account's password; 429 once this address has guessed too often.
    A wrong one is counted against the address, and against the email from this address."""
    # Checked before the password, so that a guesser over a limit cannot tell a right guess either. Keyed
    # by address too, so that guessing an email locks out the guesser and not the owner elsewhere.
    email_from_ip = f"{user['email']} {ip}"
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_EMAIL, email_from_ip)
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_IP, ip)
    if users.password_matches(user, password):
        return True
    ratelimit.spend(ratelimit.LOGIN_FAILS_PER_EMAIL, email_from_ip)
    ratelimit.spend(ratelimit.LOGIN_FAILS_PER_IP, ip)
    return False
