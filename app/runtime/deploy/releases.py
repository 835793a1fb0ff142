"""`fab deploy`, `pull` and `rollback`: ship a commit to a server as a new release, switch to it and check it,
and switch back when it fails."""
import click

from ..testsuite import FAST_TESTS, pytest_command
from .layout import release_name
from .provision import ensure_venv, refresh, render_confs, requirements_key
from .server import words
from .steps import DeployError, StepFailed, run_steps


def check_clean_tree(conn, root):
    """Refuse uncommitted changes: a deploy ships exactly a commit."""
    dirty = conn.local(f"git -C {root} status --porcelain", hide=True).stdout
    if dirty.strip():
        raise DeployError(f"the working tree has uncommitted changes; commit or stash them first:\n{dirty.rstrip()}")


def local_commit(conn, root):
    """The short hash of the commit a deploy from here ships."""
    return conn.local(f"git -C {root} rev-parse --short HEAD", hide=True).stdout.strip()


def remote_commit(server, branch):
    """The short hash of the branch's head in the environment's repo, as the server sees it."""
    if not server.env.repo:
        raise DeployError(f"--branch needs `repo` in [{server.env.name}] of deploy.toml: what the server clones")
    heads = server.output(words("git", "ls-remote", server.env.repo, f"refs/heads/{branch}"))
    if not heads:
        raise DeployError(f"{server.env.repo} has no branch {branch}")
    return heads.split()[0][:7]


def rsync_code(server, root, release):
    """Copy the tracked files into the release (hard-linking those unchanged since the current one)."""
    link = [f"--link-dest={server.layout.current}/"] if server.current() else []
    sudo = [] if server.conn.user == "root" else ["--rsync-path=sudo -n rsync"]
    target = f"{server.conn.user}@{server.conn.host}:{server.layout.release(release)}/"
    rsync = words("rsync", "-rlt", "--chmod=go+rX,go-w", "--stats", "--from0", "--files-from=-", *link, *sudo,
                  "-e", server.ssh_command(), "./", target)
    server.conn.local(f"cd {root} && git ls-files -z | {rsync}")


def clone_branch(server, branch, release):
    """Clone the branch into the release, on the server."""
    server.run(words("git", "clone", "--quiet", "--depth", "1", "--branch", branch, server.env.repo,
                     server.layout.release(release)))


def link_shared(server, release):
    """The release's name, its .env (shared/.env) and a www/ the app's user bakes into."""
    path, layout = server.layout.release(release), server.layout
    server.run(" && ".join([
        f"echo {release} > {path / 'RELEASE'}", words("ln", "-sfn", layout.env_file, path / ".env"),
        words("mkdir", "-p", path / "www"), words("chown", server.env.user, path / "www"),
    ]))


def install(server, release):
    """Link the release to the venv for its requirements.txt, making that venv if it is new."""
    path = server.layout.release(release)
    requirements = server.run(words("cat", path / "requirements.txt"), hide=True).stdout
    ensure_venv(server, requirements)
    server.run(words("ln", "-sfn", server.layout.venvs / requirements_key(requirements), path / ".venv"))


def switch(server, release):
    """Point `current` at the release in one rename, so nothing ever sees it missing."""
    current = server.layout.current
    server.run(words("ln", "-sfn", server.layout.release(release), f"{current}.new") + " && "
               + words("mv", "-T", f"{current}.new", current))


def activate(server, release):
    """Make a release the one that runs: bake, render confs, switch, reload, purge, check."""
    changed, started = [], []
    run_steps([
        ("bake the homepage", lambda: server.app_command(release, "bake")),
        ("render the confs", lambda: changed.extend(render_confs(server, release))),
        ("switch current", lambda: switch(server, release)),
        ("start or reload the services", lambda: started.append(refresh(server, release, changed))),
        ("purge Varnish", lambda: started[0] or server.app_command(release, "varnish")),
        ("check /api/health and the homepage", lambda: check_release(server, release)),
    ])


def check_release(server, release):
    """Check the release behind the cache, where its own server errors show and fail the check at once (Varnish
    marks a backend whose health fails sick and answers for it), then through the cache, as visitors get it.
    Two commands, not a new option: an older release's check, run for a rollback to it, would refuse one."""
    for url in (server.env.app_url, server.env.local_url):
        server.deploy_command(release, "check", url, "--release", release, "--timeout", server.env.check_timeout)


def remove_release(server, release):
    """Delete a release that failed."""
    server.run(words("rm", "-rf", server.layout.release(release)))


def prune(server):
    """Keep the newest `keep` releases (and always the current one), and the venvs they use."""
    layout, current = server.layout, server.current()
    old = [name for name in server.releases()[:-max(server.env.keep, 1)] if name != current]
    if old:
        server.run(words("rm", "-rf", *(layout.release(name) for name in old)))
    used = set(server.output(f"readlink {layout.releases}/*/.venv").split())
    venvs = server.output(words("ls", "-1", layout.venvs)).split()
    unused = [layout.venvs / name for name in venvs if str(layout.venvs / name) not in used]
    if unused:
        server.run(words("rm", "-rf", *unused))


def ship_steps(server, root, release, branch=None):
    """The steps that put a new release on the server, without running it."""
    ship = (lambda: clone_branch(server, branch, release)) if branch else (lambda: rsync_code(server, root, release))
    return [
        (f"ship the code ({f'git clone of {branch}' if branch else 'rsync of the tracked files'})", ship),
        ("link the settings", lambda: link_shared(server, release)),
        ("install requirements", lambda: install(server, release)),
    ]


def pull(server, root, branch=None):
    """Put a new release on the server without switching to it; its name."""
    release = release_name(remote_commit(server, branch) if branch else local_commit(server.conn, root))
    try:
        run_steps(ship_steps(server, root, release, branch))
    except StepFailed:
        remove_release(server, release)
        raise
    return release


def deploy(server, root, skip_tests=False, branch=None):
    """Ship, install and switch to a new release; when it fails its checks, switch back and remove it."""
    previous, env = server.current(), server.env
    release = release_name(remote_commit(server, branch) if branch else local_commit(server.conn, root))
    local = [("check the working tree is clean", lambda: check_clean_tree(server.conn, root))]
    if not skip_tests:
        local.append(("run the fast tests here (--skip-tests skips them)",
                      lambda: server.conn.local(f"cd {root} && {pytest_command(FAST_TESTS)} -q -x")))
    try:
        run_steps(local)
    except StepFailed as failure:
        raise DeployError(f"{failure}\nNothing was sent to {server.name}.") from None
    try:
        run_steps([*ship_steps(server, root, release, branch),
                   ("apply indexes", lambda: server.app_command(release, "indexes"))])
    except StepFailed as failure:
        remove_release(server, release)
        raise DeployError(f"{failure}\nNothing changed: {server.name} still runs {previous or 'no release'}. "
                          f"Fix that and run `fab e {env.name} deploy` again.") from None
    try:
        activate(server, release)
    except StepFailed as failure:
        if not previous:
            raise DeployError(f"{failure}\n{release} is current but failing, and there is no earlier release to go "
                              f"back to: `fab e {env.name} logs` shows why.") from None
        click.echo(f"rolling back to {previous}", err=True)
        try:
            activate(server, previous)
        except StepFailed as again:
            raise DeployError(f"{failure}\nRolling back to {previous} failed too, {again}. `fab e {env.name} logs` "
                              f"shows why; `fab e {env.name} rollback` or a fixed deploy tries again.") from None
        remove_release(server, release)
        raise DeployError(f"{failure}\nRolled back: {server.name} runs {previous} again, and {release} is removed. "
                          f"`fab e {env.name} logs` shows why it failed.") from None
    # Again once switched: the old release's workers stored votes under older _ids until the switch.
    run_steps([("move votes the old release stored meanwhile", lambda: server.app_command(release, "indexes")),
               ("remove old releases", lambda: prune(server))])
    return release


def rollback(server):
    """Switch back to the release before the current one; its name."""
    current = server.current()
    earlier = [name for name in server.releases() if current and name < current]
    if not earlier:
        raise DeployError(f"{server.name} has no release before {current or 'none'} to roll back to")
    activate(server, earlier[-1])
    return earlier[-1]
