"""The command line of each daemon: run by `fab stack` and written into the systemd units alike."""
import os
import shutil

# Varnish's request log lives in shared memory (varnishlog), not on disk, but anyone in the
# varnish group can read it. Headers hold login cookies (user ids) and Basic auth, URLs may hold
# the legacy GET API's passwords: keep all of them out; the VCL logs each path instead.
PRIVATE_LOG_TAGS = (
    "ReqURL", "BereqURL", "ReqHeader", "BereqHeader", "RespHeader", "BerespHeader", "ObjHeader",
    "ReqUnset", "BereqUnset", "RespUnset", "BerespUnset",
)
# Records nobody reads in production, left out because writing them costs a cache hit about a
# fifth of its speed (fab bench); varnishlog still shows each request's method, path and status.
QUIET_LOG_TAGS = (
    "Timestamp", "ReqAcct", "VCL_call", "VCL_return", "Hash", "Storage", "RespProtocol", "RespReason", "ReqProtocol",
)


def program(name):
    """A system daemon's absolute path (systemd wants one; /usr/sbin is often not on a user's PATH)."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/local/sbin:/usr/sbin") or f"/usr/sbin/{name}"


def uwsgi(s):
    """uWSGI from the venv's bin/ (pyuwsgi runs in the Python that launched it)."""
    return [str(s.bin_dir / "pyuwsgi"), "--ini", str(s.run_dir / "uwsgi.ini")]


def nginx(s):
    """nginx in the foreground from our own config, everything it writes inside its prefix."""
    prefix = s.nginx_prefix
    return [program("nginx"), "-c", str(s.run_dir / "nginx.conf"), "-p", f"{prefix}/", "-e", str(prefix / "error.log"),
            "-g", "daemon off;"]


def varnishd(s, storage="malloc,64m"):
    """varnishd in the foreground; 64 MB holds the homepage, its assets and the talk list many times."""
    return [program("varnishd"), "-F", "-n", str(s.varnish_dir), "-a", f"{s.listen}:{s.port}",
            "-T", f"127.0.0.1:{s.admin_port}", "-f", str(s.run_dir / "varnish.vcl"), "-s", storage,
            "-P", str(s.run_dir / "varnishd.pid"),
            "-p", "vsl_mask=" + ",".join(f"-{tag}" for tag in PRIVATE_LOG_TAGS + QUIET_LOG_TAGS)]


def db(s):
    """The embedded database as the app's own long-running command (it records where it runs)."""
    return [str(s.bin_dir / "python"), "-m", "app", "db", "--port", str(s.db_port)]
