//! `<service> healthcheck`: the container's health probe, the same for every
//! HTTP service, so images need no curl. It asks the container's own server for
//! `GET /health/ready` over plain HTTP/1.1 — on the port of `BIND_ADDR`, through
//! the loopback address when the server listens on all addresses — and exits 0
//! on a 200, 1 otherwise (no answer within 3 s, another status, a bad
//! `BIND_ADDR`). It reads no other setting, so it needs none of the secrets.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long the whole probe may take.
pub const BUDGET: Duration = Duration::from_secs(3);
/// What it asks for.
pub const PATH: &str = "/health/ready";

/// `<service> healthcheck`: exits 0 when the server bound to `BIND_ADDR`
/// (default `0.0.0.0:<default_port>`) answers 200 on [`PATH`] within [`BUDGET`].
pub fn run(service: &str, default_port: u16) -> ExitCode {
    let target = match target(std::env::var("BIND_ADDR").ok(), default_port) {
        Ok(target) => target,
        Err(err) => {
            eprintln!("{service} healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    match probe(target, PATH, BUDGET) {
        Ok(200) => {
            println!("{service} healthcheck: {PATH} answered 200");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("{service} healthcheck: {PATH} on {target} answered {status}");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("{service} healthcheck: {PATH} on {target}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Where to reach the server bound to `BIND_ADDR` (default `0.0.0.0:<default_port>`)
/// from inside: the loopback address when it listens on every address.
pub fn target(bind_addr: Option<String>, default_port: u16) -> Result<SocketAddr, String> {
    let bind = match bind_addr.as_deref().map(str::trim) {
        None | Some("") => SocketAddr::from(([0, 0, 0, 0], default_port)),
        Some(value) => value.parse().map_err(|_| {
            format!("BIND_ADDR: must be an address like 0.0.0.0:{default_port}, got {value:?}")
        })?,
    };
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, bind.port()))
}

/// `GET path` on `addr`: the status code of the answer, all within `budget`.
pub fn probe(addr: SocketAddr, path: &str, budget: Duration) -> io::Result<u16> {
    let deadline = Instant::now() + budget;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer within {budget:?}"),
                )
            })
    };
    let mut stream = TcpStream::connect_timeout(&addr, remaining()?)?;
    stream.set_write_timeout(Some(remaining()?))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: finance-bot-healthcheck\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut head = Vec::with_capacity(128);
    let mut chunk = [0_u8; 512];
    while !head.contains(&b'\n') && head.len() < 8192 {
        stream.set_read_timeout(Some(remaining()?))?;
        let read = match stream.read(&mut chunk) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer within {budget:?}"),
                ));
            }
            Err(err) => return Err(err),
        };
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    status_of(&head)
}

/// The status code of an HTTP/1.x status line (`HTTP/1.1 200 OK`).
pub fn status_of(head: &[u8]) -> io::Result<u16> {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") && code.len() == 3 => {
            code.parse().map_err(|_| bad_answer(&line))
        }
        _ => Err(bad_answer(&line)),
    }
}

fn bad_answer(line: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not an HTTP answer: {:?}", line.trim_end()),
    )
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::time::{Duration, Instant};

    use super::{probe, status_of, target};

    /// A one-connection server that reads the request, then answers `answer`
    /// (or nothing, holding the connection, when `None`).
    fn serve_once(answer: Option<&'static str>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut request = [0_u8; 1024];
            let read = conn.read(&mut request).expect("read the request");
            let request = String::from_utf8_lossy(&request[..read]).into_owned();
            assert!(
                request.starts_with("GET /health/ready HTTP/1.1\r\n"),
                "{request}"
            );
            match answer {
                Some(answer) => conn.write_all(answer.as_bytes()).expect("answer"),
                None => std::thread::sleep(Duration::from_secs(2)),
            }
        });
        addr
    }

    #[test]
    fn a_200_is_healthy_and_other_statuses_are_reported() {
        let ok = serve_once(Some(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"status\":\"ok\"}",
        ));
        let down = serve_once(Some("HTTP/1.1 503 Service Unavailable\r\n\r\n"));

        assert_eq!(
            probe(ok, "/health/ready", Duration::from_secs(3)).expect("200"),
            200
        );
        assert_eq!(
            probe(down, "/health/ready", Duration::from_secs(3)).expect("503"),
            503
        );
    }

    #[test]
    fn a_silent_server_fails_within_the_budget() {
        let silent = serve_once(None);
        let started = Instant::now();

        let err = probe(silent, "/health/ready", Duration::from_millis(300)).expect_err("silent");

        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_closed_port_fails() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("address");
        // The listener is dropped: nothing listens there any more.
        assert!(probe(addr, "/health/ready", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn the_target_is_the_bound_port_on_loopback() {
        assert_eq!(
            target(None, 8000).expect("default").to_string(),
            "127.0.0.1:8000"
        );
        assert_eq!(
            target(None, 8080).expect("default").to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(
            target(Some(" ".into()), 8000).expect("blank").to_string(),
            "127.0.0.1:8000"
        );
        assert_eq!(
            target(Some("0.0.0.0:9000".into()), 8000)
                .expect("any")
                .to_string(),
            "127.0.0.1:9000"
        );
        assert_eq!(
            target(Some("[::]:9000".into()), 8000)
                .expect("any v6")
                .to_string(),
            "[::1]:9000"
        );
        assert_eq!(
            target(Some("10.1.2.3:80".into()), 8000)
                .expect("specific")
                .to_string(),
            "10.1.2.3:80"
        );
        assert!(
            target(Some("nowhere".into()), 8000)
                .expect_err("bad")
                .starts_with("BIND_ADDR:")
        );
    }

    #[test]
    fn status_lines_are_parsed_strictly() {
        assert_eq!(status_of(b"HTTP/1.1 204 No Content\r\n").expect("204"), 204);
        assert_eq!(status_of(b"HTTP/1.0 200\n").expect("1.0"), 200);
        assert!(status_of(b"").is_err());
        assert!(status_of(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(status_of(b"HTTP/1.1 2000 Odd\r\n").is_err());
    }
}
