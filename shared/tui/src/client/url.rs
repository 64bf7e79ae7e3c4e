//! The server's addresses: the WebSocket endpoint, the REST base and the media address.

use std::net::IpAddr;

/// The WebSocket address for a server given as `http://host:port`, `ws://host:port/ws`,
/// `host:port`, …
pub fn ws_url(server: &str) -> String {
    let s = server.trim().trim_end_matches('/');
    let s = s
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    let s = if s.contains("://") {
        s
    } else {
        format!("ws://{s}")
    };
    if s.ends_with("/ws") {
        s
    } else {
        format!("{s}/ws")
    }
}

/// The REST base (`http://host:port/api/v1`) of the same server.
pub fn api_base(server: &str) -> String {
    let ws = ws_url(server);
    let base = ws
        .trim_end_matches("/ws")
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    format!("{base}/api/v1")
}

/// The host part of a `scheme://host:port/path` address (an IPv6 literal without its
/// brackets); empty when there is none.
pub fn host(url: &str) -> &str {
    url.split("//")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|hp| {
            if hp.ends_with(']') {
                hp
            } else {
                hp.rsplit_once(':').map_or(hp, |(h, _)| h)
            }
        })
        .map_or("", |h| h.trim_matches(['[', ']']))
}

/// The address to offer media from: the one the server is reached at, when it is a literal.
pub fn media_ip(url: &str) -> IpAddr {
    host(url).parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ws_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("ws://127.0.0.1:8080/ws"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("127.0.0.1:8080"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("h:1"), "ws://h:1/ws");
        assert_eq!(api_base("ws://h:1/ws"), "http://h:1/api/v1");
        assert_eq!(api_base("https://h"), "https://h/api/v1");
        assert_eq!(
            media_ip("ws://10.1.2.3:8080/ws"),
            IpAddr::from([10, 1, 2, 3])
        );
        assert_eq!(
            media_ip("ws://localhost:8080/ws"),
            IpAddr::from([127, 0, 0, 1])
        );
        assert_eq!(ws_url("https://h:8443"), "wss://h:8443/ws");
        assert_eq!(api_base("wss://h:8443/ws"), "https://h:8443/api/v1");
        assert_eq!(host("wss://hotline.example:8443/ws"), "hotline.example");
        assert_eq!(host("wss://[::1]:8443/ws"), "::1");
        assert_eq!(host("wss://[::1]/ws"), "::1");
        assert_eq!(host("wss://h/ws"), "h");
        assert_eq!(
            media_ip("wss://[::1]:8443/ws"),
            IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
        );
    }
}
