//! `web-service healthcheck`: the container's health probe, so an image needs no
//! curl. It asks this container's own server for `GET /health/ready` over plain
//! HTTP/1.1 — on the port of `BIND_ADDR`, through the loopback address when the
//! server listens on every address — and succeeds on a 200 only, within 3 s.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub const BUDGET: Duration = Duration::from_secs(3);
pub const PATH: &str = "/health/ready";

/// Where to reach the server bound to `BIND_ADDR` (default `0.0.0.0:8080`) from inside.
pub fn target(bind_addr: Option<&str>) -> Result<SocketAddr, String> {
    let bind = match bind_addr.map(str::trim) {
        None | Some("") => SocketAddr::from(([0, 0, 0, 0], 8080)),
        Some(value) => value.parse().map_err(|_| {
            format!("BIND_ADDR: must be an address like 0.0.0.0:8080, got {value:?}")
        })?,
    };
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, bind.port()))
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no answer within {BUDGET:?}"),
    )
}

/// `GET {PATH}` on `addr`: the status code of the answer, all within `budget`.
pub fn probe(addr: SocketAddr, budget: Duration) -> io::Result<u16> {
    let deadline = Instant::now() + budget;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(timed_out)
    };
    let mut stream = TcpStream::connect_timeout(&addr, remaining()?)?;
    stream.set_write_timeout(Some(remaining()?))?;
    write!(
        stream,
        "GET {PATH} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: web-service-healthcheck\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = Vec::with_capacity(128);
    let mut chunk = [0_u8; 512];
    while !head.contains(&b'\n') && head.len() < 8192 {
        stream.set_read_timeout(Some(remaining()?))?;
        let read = match stream.read(&mut chunk) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Err(timed_out()),
            Err(err) => return Err(err),
        };
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") && code.len() == 3 => code
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer")),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not an HTTP answer: {:?}", line.trim_end()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_loopback_on_the_bound_port() {
        assert_eq!(target(None), Ok("127.0.0.1:8080".parse().expect("addr")));
        assert_eq!(
            target(Some("0.0.0.0:9000")),
            Ok("127.0.0.1:9000".parse().expect("addr"))
        );
        assert_eq!(
            target(Some("[::]:9000")),
            Ok("[::1]:9000".parse().expect("addr"))
        );
        assert_eq!(
            target(Some("10.1.2.3:80")),
            Ok("10.1.2.3:80".parse().expect("addr"))
        );
        assert!(target(Some("nope")).is_err());
    }

    #[test]
    fn nobody_listening_fails_quickly() {
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            probe.local_addr().expect("addr")
        };
        let started = Instant::now();
        assert!(probe(addr, Duration::from_millis(500)).is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
