//! The scripts a new developer runs install only what they need: nothing that
//! drags in a daemon whose post-install script fails where no daemon may start.

use deploy_checks::read;

/// Every `apt-get install` in the scripts, with the file it is in.
fn apt_installs() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for file in [
        "scripts/lib/services.sh",
        "scripts/check-deploy",
        "scripts/up",
        "scripts/test",
        "scripts/test-up",
        "scripts/check-api",
        "scripts/bench",
    ] {
        for line in read(file).lines() {
            let code = line.split('#').next().unwrap_or_default();
            // A line that runs it (not a message naming it).
            if code.contains("apt-get install") && !code.trim_start().starts_with("die ") {
                found.push((file.to_owned(), code.trim().to_owned()));
            }
        }
    }
    found
}

#[test]
fn apt_installs_only_what_is_asked_for() {
    let installs = apt_installs();
    assert!(!installs.is_empty(), "no apt-get install found");
    for (file, line) in installs {
        assert!(
            line.contains("--no-install-recommends"),
            "{file}: `{line}` would install Recommends too (docker-compose recommends docker.io, a daemon)"
        );
    }
}

#[test]
fn no_script_installs_a_daemon_the_tests_do_not_use() {
    for file in ["scripts/check-deploy", "scripts/test", "scripts/check-api"] {
        let text = read(file);
        for daemon in ["docker.io", "containerd", "docker-ce"] {
            let installs = text
                .lines()
                .map(|l| l.split('#').next().unwrap_or_default())
                .any(|l| l.contains("apt_install") && l.contains(daemon));
            assert!(!installs, "{file} installs {daemon}");
        }
    }
}
