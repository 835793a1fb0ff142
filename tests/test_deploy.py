"""fab's deploy tasks over real SSH, against a real sshd on loopback: this machine plays the server.

The tasks run as `fab e test ...` from a throwaway git copy of this checkout (a deploy ships commits). On the
"server" our supervisor runs the rendered systemd units as plain processes (services = "processes").
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from app.runtime.embedded import free_port
from app.runtime.processes import answers

from .helpers import require, unavailable

ROOT = Path(__file__).resolve().parent.parent
FAB = Path(sys.executable).with_name("fab")
MARKER = "Deployed by the second release"
pytestmark = [pytest.mark.deploy, pytest.mark.daemons, pytest.mark.xdist_group("deploy")]  # one server for the file


def git(repo, *words):
    """A git command in the throwaway copy; its output."""
    return subprocess.run(["git", "-C", str(repo), *words], capture_output=True, text=True, check=True).stdout


def wait_for_port(port, process, timeout=10):
    """Wait until something accepts connections on the port; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while not answers(port):
        assert process.poll() is None and time.monotonic() < deadline, "sshd did not start"
        time.sleep(0.05)


@pytest.fixture(scope="session")
def home():
    """A temp dir every user can enter: the app's user and Varnish read the app dir inside it."""
    require("sshd", "ssh", "ssh-keygen", "rsync", "git", "nginx", "varnishd", "openssl", "runuser")
    if os.geteuid() != 0:
        unavailable("the deploy tests log in as root to a local sshd and run the app as www-data")
    path = Path(tempfile.mkdtemp(prefix="lt-deploy-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture(scope="session")
def sshd(home):
    """A real sshd on a free loopback port with its own host key and one authorized key; an ssh_config for it."""
    keys = home / "ssh"
    keys.mkdir()
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    shutil.copy(keys / "client_key.pub", keys / "authorized_keys")
    port = free_port()
    (keys / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {keys / 'host_key'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n")
    # Fabric reads this file (`fab -S`) and hands its settings to rsync's ssh: both trust only this host key.
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {(keys / 'host_key.pub').read_text()}")
    (keys / "ssh_config").write_text(
        f"Host 127.0.0.1\n  IdentityFile {keys / 'client_key'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {keys / 'known_hosts'}\n  StrictHostKeyChecking yes\n")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    with open(keys / "sshd.log", "wb") as log:
        process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(keys / "sshd_config")], stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield {"port": port, "config": keys / "ssh_config"}
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def ports():
    """The deployed stack's free loopback ports."""
    return {name: free_port() for name in ("port", "nginx_port", "admin_port", "db_port")}


@pytest.fixture(scope="session")
def repo(home, sshd, ports):
    """A throwaway git copy of this checkout's files, committed, with a `test` environment for this sshd."""
    path = home / "repo"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "-co", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, path / name)
    settings = "".join(f"{name} = {port}\n" for name, port in ports.items())
    with open(path / "deploy.toml", "a") as toml:
        toml.write(f'\n[test]\nhosts = ["root@127.0.0.1:{sshd["port"]}"]\napp_dir = "{home / "srv"}"\n'
                   f'services = "processes"\nlisten = "127.0.0.1"\nworkers = 1\nkeep = 2\ncheck_timeout = 10\n{settings}')
    git(path, "init", "-q")
    git(path, "add", "-A")
    commit(path, "the checkout as it is")
    return path


def commit(repo, message):
    """Commit everything in the copy."""
    git(repo, "-c", "user.name=Tests", "-c", "user.email=tests@example.org", "commit", "-qam", message)


def fab(repo, sshd, *words, ok=True):
    """Run fab in the copy over SSH; the finished process (stdout and stderr together)."""
    done = subprocess.run([str(FAB), "-r", str(repo), "-S", str(sshd["config"]), *words], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    assert (done.returncode == 0) == ok, (f"fab {' '.join(words)} exited {done.returncode}:\n{output[-6000:]}"
                                          f"{services_logs(repo.parent / 'srv')}")
    done.output = output
    return done


def services_logs(app_dir, lines=60):
    """The last lines of each service's log on the server, to show why a deploy did what it did."""
    return "".join(f"\n==== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
                   for log in sorted((app_dir / "shared" / "run" / "logs").glob("*.log")))


@pytest.fixture(scope="session")
def server(home, repo, sshd):
    """The server after `fab e test setup`; at the end its services are stopped."""
    app_dir = home / "srv"
    try:
        fab(repo, sshd, "e", "test", "setup")
        yield app_dir
    finally:
        run_dir = app_dir / "shared" / "run"
        if run_dir.is_dir():
            subprocess.run([sys.executable, "-m", "app.runtime.deploy", "stop", str(run_dir), "--manager", "processes"],
                           cwd=ROOT, check=True, timeout=120)


@pytest.fixture(scope="session")
def first_release(repo, sshd, server):
    """The name of the release the first `fab e test deploy` made."""
    fab(repo, sshd, "e", "test", "deploy", "--skip-tests")
    return os.readlink(server / "current").rsplit("/", 1)[1]


def get(port, path):
    """(status, body) of a GET on loopback."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def health(ports):
    """The deployed site's /api/health through Varnish."""
    status, body = get(ports["port"], "/api/health")
    return status, json.loads(body)


def test_deployed_site_answers_on_its_own_ports(first_release, ports):
    status, body = health(ports)
    assert (status, body["ok"], body["release"]) == (200, True, first_release)
    for port in (ports["port"], ports["nginx_port"]):
        status, page = get(port, "/")
        assert status == 200 and "Lightning talks" in page and MARKER not in page


def test_setup_again_changes_nothing(repo, sshd, first_release):
    assert "nothing changed" in fab(repo, sshd, "e", "test", "setup").output


def test_deploy_refuses_a_dirty_tree(repo, sshd, server, first_release):
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nuncommitted\n")
    try:
        refused = fab(repo, sshd, "e", "test", "deploy", "--skip-tests", ok=False)
    finally:
        git(repo, "checkout", "--", "README.md")
    assert "uncommitted changes" in refused.output and "README.md" in refused.output
    assert os.readlink(server / "current").endswith(first_release)


def service_pids(app_dir):
    """The pid of each service the server's supervisor runs, by name."""
    return json.loads((app_dir / "shared" / "run" / "services.json").read_text())["services"]


def active_vcl(app_dir):
    """The name of the VCL the deployed Varnish uses."""
    listed = subprocess.run(["varnishadm", "-n", str(app_dir / "shared" / "run" / "varnish"), "vcl.list"],
                            capture_output=True, text=True, timeout=10, check=True).stdout
    return next(line.split()[-1] for line in listed.splitlines() if line.startswith("active"))


def test_changed_template_and_confs_deploy_then_roll_back(repo, sshd, server, first_release, ports):
    pids, vcl = service_pids(server), active_vcl(server)
    template = repo / "app" / "templates" / "index.html"
    template.write_text(template.read_text().replace("</body>", f"<p>{MARKER}</p>\n</body>"))
    for conf in ("varnish.vcl", "nginx.conf"):
        path = repo / "confs" / conf
        path.write_text(path.read_text() + "# changed by a test\n")
    commit(repo, "a visible change, and a change to the confs")
    deployed = fab(repo, sshd, "e", "test", "deploy", "--skip-tests")
    second = os.readlink(server / "current").rsplit("/", 1)[1]
    assert second != first_release and MARKER in get(ports["port"], "/")[1]
    assert health(ports)[1]["release"] == second
    assert "restarted none; reloaded uwsgi nginx varnish" in deployed.output
    reloaded = active_vcl(server)
    assert reloaded != vcl and reloaded.startswith("reload_")  # varnishreload loaded the changed VCL

    fab(repo, sshd, "e", "test", "rollback")
    assert MARKER not in get(ports["port"], "/")[1]
    assert health(ports)[1]["release"] == first_release
    assert sorted(os.listdir(server / "releases")) == [first_release, second]
    assert active_vcl(server) not in (vcl, reloaded)
    # Every change was a reload in place of the same processes, never a restart: Varnish keeps its cache.
    assert service_pids(server) == pids


def test_broken_build_rolls_itself_back_and_the_site_stays_up(repo, sshd, server, first_release, ports):
    releases = sorted(os.listdir(server / "releases"))
    module = repo / "app" / "api" / "health.py"
    module.write_text(module.read_text().replace('get_db().command("ping")', 'raise RuntimeError("broken build")'))
    commit(repo, "a broken health check")
    try:
        failed = fab(repo, sshd, "e", "test", "deploy", "--skip-tests", ok=False)
    finally:
        git(repo, "revert", "--no-edit", "HEAD")
    assert "step 'check /api/health and the homepage' failed" in failed.output
    assert f"runs {first_release} again" in failed.output
    status, body = health(ports)
    assert (status, body["release"]) == (200, first_release)
    assert get(ports["port"], "/")[0] == 200
    assert sorted(os.listdir(server / "releases")) == releases  # the broken release is gone


def test_backup_then_restore_into_an_empty_database_is_identical(repo, sshd, server, first_release):
    fab(repo, sshd, "e", "test", "fake_data", "--users", "8", "--sessions", "4", "--votes", "20")
    before = Path(fab(repo, sshd, "e", "test", "backup").stdout.split("downloaded ")[1].strip())
    settings = server / "shared" / ".env"
    original = settings.read_text()
    settings.write_text(original + "LT_DB_NAME=restored\n")  # an empty database on the same server
    try:
        fab(repo, sshd, "e", "test", "restore", str(before))
        refused = fab(repo, sshd, "e", "test", "restore", str(before), ok=False)
        drift = fab(repo, sshd, "e", "test", "tally", "--dry-run").output
        time.sleep(1)  # backups are named to the second
        after = Path(fab(repo, sshd, "e", "test", "backup").stdout.split("downloaded ")[1].strip())
    finally:
        settings.write_text(original)
    assert "already has data" in refused.output
    assert "0 talk(s) drifted" in drift
    collections = [json.loads(path.read_text())["collections"] for path in (before, after)]
    assert collections[0]["sessions"] and collections[0]["votes"]
    assert collections[0] == collections[1]


def test_logs_show_the_services_with_an_explicit_host(repo, sshd, first_release):
    shown = fab(repo, sshd, "-H", f"root@127.0.0.1:{sshd['port']}", "e", "test", "logs", "--lines", "5",
                "--no-follow").output
    assert "uwsgi.log" in shown and "varnish.log" in shown


def test_bounce_restarts_uwsgi_alone_and_pip_install_mends_the_venv(repo, sshd, server, first_release, ports):
    before = service_pids(server)
    fab(repo, sshd, "e", "test", "bounce")
    after = service_pids(server)
    assert after["uwsgi"] != before["uwsgi"]
    assert {name: pid for name, pid in after.items() if name != "uwsgi"} == {
        name: pid for name, pid in before.items() if name != "uwsgi"}
    assert health(ports)[0] == 200
    assert "install requirements: done" in fab(repo, sshd, "e", "test", "pip_install").output


def test_pull_ships_a_release_without_switching_to_it(repo, sshd, server, first_release, ports):
    current = os.readlink(server / "current")
    pulled = fab(repo, sshd, "e", "test", "pull").output.split(" has ", 1)[1].split(";", 1)[0].strip()
    assert (server / "releases" / pulled / ".venv" / "bin" / "python").exists()
    assert os.readlink(server / "current") == current and health(ports)[1]["release"] != pulled
