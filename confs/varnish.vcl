vcl 4.1;
# Varnish for lightning-talks. Rendered by app/runtime/stack from its settings into run/: edit this template.
# It caches the baked homepage and its assets for long, the public talk list for a second, and
# passes the rest of /api/ to the app servers' nginx.

import directors;
import std;

# The app is healthy when the API and its database answer; while it is not, cached pages are
# served from grace instead of errors.
probe api_health {
    .url = "/api/health";
    .interval = {{ s.probe_interval }};
    # A registration burst (scrypt is CPU-heavy by design) can queue the probe for seconds: only a
    # probe that waits longer than that, three times out of five, means the app is down. A stopped
    # app fails at once (nginx answers 503), so that is still noticed in about three seconds.
    .timeout = 4s;
    .window = 5;
    .threshold = 3;
    .initial = 3;       # start healthy: the first visitors should not wait for three probes
}

{% for host, port in s.app_backends %}
backend app{{ loop.index }} {
    .host = "{{ host }}";
    .port = "{{ port }}";
    .probe = api_health;
}
{% endfor %}

# Who may PURGE and BAN: this machine and the app servers, which purge the homepage on a bake, and
# only with the secret (LT_PURGE_SECRET): a TLS terminator on this machine makes every visitor 127.0.0.1.
acl purgers {
{% for address in s.purgers %}
    "{{ address }}";
{% endfor %}
}

sub vcl_init {
    # Round-robin over the app servers; the probe takes a sick one out of the rotation.
    new apps = directors.round_robin();
{% for _ in s.app_backends %}
    apps.add_backend(app{{ loop.index }});
{% endfor %}
}

sub vcl_recv {
    set req.backend_hint = apps.backend();
    std.log("path: " + regsub(req.url, "\?.*", ""));  # the URL itself is kept out of the log

    # The visitor's address, which nginx (real_ip) hands the app for its rate limits. Varnish has
    # appended its peer's address to X-Forwarded-For; what a client wrote there itself is not believed.
    if (req.restarts == 0) {
{% if s.proxy_count %}
        # LT_PROXY_COUNT={{ s.proxy_count }}: the peer is a proxy (a TLS terminator) that appended the
        # visitor's address, so many entries left of the peer's; a request with fewer came round it.
        if (req.http.X-Forwarded-For ~ "^(.*,)?\s*([^,\s]+)\s*(,[^,]*){ {{- s.proxy_count -}} }$") {
            set req.http.X-Forwarded-For = regsub(req.http.X-Forwarded-For, "^(.*,)?\s*([^,\s]+)\s*(,[^,]*){ {{- s.proxy_count -}} }$", "\2");
        } else {
            set req.http.X-Forwarded-For = client.ip;
        }
{% else %}
        set req.http.X-Forwarded-For = client.ip;
{% endif %}
    }

    if (req.method == "PURGE" || req.method == "BAN") {
        if (client.ip !~ purgers || req.http.X-Purge-Secret != "{{ purge_secret }}") {
            return (synth(405, "Not allowed."));
        }
        if (req.method == "PURGE") {
            return (purge);
        }
        std.ban("req.url ~ " + req.url);  # BAN /static/ drops every URL matching the regex
        return (synth(200, "Banned."));
    }

    # nginx decodes and resolves a path before it routes (/x/../api/, //api/, /%61pi/ and an
    # absolute-form http://host/api/ all reach the app), while the routing below reads it as sent:
    # such a path could have an API reply cached as a file. No page of ours needs one: refuse it.
    if (req.url !~ "^/" || regsub(req.url, "\?.*", "") ~ "(//|/\.\.?(/|$)|%|\\)") {
        return (synth(400, "Bad path"));
    }

    # A client's `_=` cache-buster (old clients used jQuery's) would make every poll a miss.
    set req.url = regsuball(req.url, "([?&])_=[^&]*&?", "\1");
    set req.url = regsub(req.url, "[?&]$", "");

    # While the app is healthy, serve stale objects only briefly (a background fetch refreshes
    # them); while it is sick, the full 10 h grace keeps the site up.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }

    if (req.url ~ "^/api/") {
        # The public talk list is the same for everyone: cookies must not split or bypass it.
        if (req.method ~ "^(GET|HEAD)$" && req.url ~ "^/api/session/?(\?|$)" && !req.http.Authorization) {
            unset req.http.Cookie;
            return (hash);
        }
        return (pass);  # logins, votes, pitches, the dashboard: always the app's answer
    }
    unset req.http.Cookie;  # the login cookie is for /api/ only; static files ignore it and its lt_in hint
}

sub vcl_hash {
    # One site per Varnish: the Host header (and port) must not split the cache or miss a purge.
    # So nothing cached may depend on the Host a client claims (nginx's redirects are relative).
    hash_data(req.url);
    return (lookup);
}

sub vcl_backend_response {
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);  # keep serving the stale copy rather than caching an error
    }
    if (beresp.http.Set-Cookie || bereq.http.Authorization) {
        set beresp.uncacheable = true;  # a login or an organizer's page is never stored
        return (deliver);
    }
    if (beresp.status == 200 && bereq.url ~ "^/api/session/?(\?|$)") {
        set beresp.ttl = 1s;  # thousands of polling pages cost the app one request a second
    } elsif (beresp.status == 200 && bereq.url !~ "^/api/") {
        set beresp.ttl = {{ s.cache_ttl }};  # a bake purges the homepage; assets are content-hashed
    }
    set beresp.grace = 10h;
}

sub vcl_backend_error {
    if (bereq.url ~ "^/api/") {
        # No app server answered: the API's own error shape, never cached.
        set beresp.ttl = 0s;
        set beresp.http.Content-Type = "application/json";
        set beresp.http.Cache-Control = "no-store";
        set beresp.http.Retry-After = "5";
        synthetic({"{"success": false, "text": "The site is restarting; please try again in a moment." }"});
        return (deliver);
    }
}

sub hide_proxy_headers {
    # Via names Varnish and its version, X-Varnish its transaction ids: nothing a visitor needs.
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    call hide_proxy_headers;
    if (resp.status == 400) {
        # The API's error shape, as nginx and the app answer.
        set resp.http.Content-Type = "application/json";
        set resp.http.Cache-Control = "no-store";
        set resp.body = {"{"success": false, "text": "Bad path: no dot segments, doubled slashes or percent escapes." }"};
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    call hide_proxy_headers;
}
