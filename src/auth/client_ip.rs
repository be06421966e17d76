//! The client's address for per-address limits. Behind a reverse proxy every connection comes
//! from the proxy, so the address it forwards is used, but only when the connection comes from
//! a proxy named in `http.trusted_proxies`; anyone else could write any `X-Forwarded-For`.
use actix_web::HttpRequest;
use std::net::IpAddr;

/// Parse `http.trusted_proxies`: addresses separated by commas or spaces; bad entries are
/// reported so a typo does not silently turn the limit into one shared bucket.
pub fn parse_trusted(list: &str) -> anyhow::Result<Vec<IpAddr>> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| anyhow::anyhow!("http.trusted_proxies: `{s}` is not an IP address"))
        })
        .collect()
}

/// The client address: the peer, or for a trusted proxy the right-most forwarded address
/// that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// The key of an address's counter: IPv6 clients usually hold a whole /64, so they count as one.
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &[proxy]),
            Some("203.0.113.7".parse().unwrap()),
            "the right-most address the proxy saw, not one the client wrote"
        );
        assert_eq!(
            client_ip(&req, &[]),
            Some(proxy),
            "untrusted: the header is ignored"
        );
        let direct = TestRequest::default()
            .peer_addr("198.51.100.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, &[proxy]),
            Some("198.51.100.1".parse().unwrap())
        );
    }

    #[test]
    fn trusted_proxies_parse_and_typos_are_refused() {
        assert_eq!(parse_trusted("").unwrap(), Vec::<IpAddr>::new());
        assert_eq!(parse_trusted("10.0.0.1, ::1").unwrap().len(), 2);
        assert!(parse_trusted("10.0.0.256").is_err());
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_eq!(limit_key("::ffff:1.2.3.4".parse().unwrap()), "1.2.3.4");
    }
}
