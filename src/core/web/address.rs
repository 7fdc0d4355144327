//! Which addresses a fetch may reach: a moderator's link is untrusted input, so only
//! `http`/`https` on the usual ports, no user:password, and only public addresses: never
//! this machine, a private network, a link-local, multicast, reserved or documentation
//! range, nor an IPv4 address spelt as IPv6 (`::ffff:127.0.0.1`). The `url` crate reads
//! hosts as browsers do, so `2130706433`, `0x7f.1` and `127.1` arrive here as
//! `127.0.0.1`. The standard library's `is_global` is not stable, so the ranges are
//! listed here (IANA's special-purpose registries), with `ipnet` to test them.
//!
//! The `IP:port` pairs of `index.fetch_allow` are the only exceptions (the tests put
//! their local server there); names are never exempt, since a name may resolve anywhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{Ipv4Net, Ipv6Net};
use url::{Host, Url};

/// Why an address is refused, as one sentence for the moderator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("only http and https links can be added, not `{0}:`")]
    Scheme(String),
    #[error("links with a user name or password are not fetched")]
    Credentials,
    #[error("the link has no host name")]
    NoHost,
    #[error("only the usual web ports (80 and 443) are fetched, not {0}")]
    Port(u16),
    #[error("{0} is not a public address (this machine, a private network or a reserved range)")]
    NotPublic(IpAddr),
}

/// IPv4 ranges that are not public (RFC 6890 and its updates).
const V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// Within global unicast (2000::/3), the ranges that are not public: Teredo and other
/// IETF protocol assignments, documentation, 6to4 (which wraps any IPv4 address), and
/// the newer documentation range.
const V6_NOT_PUBLIC: [(Ipv6Addr, u8); 4] = [
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
];

/// Whether `ip` is a public address a fetch may connect to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => !V4.iter().any(|&(net, len)| {
            Ipv4Net::new(net, len)
                .expect("a valid prefix")
                .contains(&v4)
        }),
        IpAddr::V6(v6) => {
            let global_unicast = Ipv6Net::new(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3)
                .expect("a valid prefix")
                .contains(&v6);
            global_unicast
                && !V6_NOT_PUBLIC.iter().any(|&(net, len)| {
                    Ipv6Net::new(net, len)
                        .expect("a valid prefix")
                        .contains(&v6)
                })
        }
    }
}

/// The addresses exempt from the public-address rule, as configured
/// (`index.fetch_allow`: `IP:port` pairs, `[IPv6]:port` for IPv6). Only addresses, never
/// names: a name may resolve anywhere.
#[derive(Debug, Clone, Default)]
pub struct Allowed(Vec<SocketAddr>);

impl Allowed {
    pub fn new(pairs: &[SocketAddr]) -> Allowed {
        Allowed(pairs.to_vec())
    }

    /// Whether the address `to` is exempt: exactly as listed, so an IPv4 address wrapped
    /// in IPv6 (`::ffff:127.0.0.1`) is never exempt, even when the address it wraps is.
    pub fn socket(&self, to: SocketAddr) -> bool {
        self.0.contains(&to)
    }
}

/// Check a link (and every address a redirect leads to) before anything is sent: the
/// scheme, no credentials, the port, and a host written as an address must be public.
/// A host name is checked when it is resolved (see the fetcher's resolver).
pub fn check_url(url: &Url, allowed: &Allowed) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scheme(url.scheme().to_string()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    let host = url.host().ok_or(Refused::NoHost)?;
    let port = url.port_or_known_default().unwrap_or(0);
    let ip = match host {
        Host::Domain(_) => None,
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
    };
    if let Some(ip) = ip {
        if allowed.socket(SocketAddr::new(ip, port)) {
            return Ok(());
        }
        if !is_public(ip) {
            return Err(Refused::NotPublic(ip.to_canonical()));
        }
    }
    if port != 80 && port != 443 {
        return Err(Refused::Port(port));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(link: &str) -> Option<Refused> {
        check_url(&Url::parse(link).unwrap(), &Allowed::default()).err()
    }

    #[test]
    fn this_machine_and_private_networks_are_refused_however_spelt() {
        for link in [
            "http://127.0.0.1/",
            "http://127.0.0.2/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://%31%32%37.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://[ff02::1]/",
            "http://[2002:7f00:1::]/",
            "http://[64:ff9b::7f00:1]/",
        ] {
            assert!(
                matches!(refused(link), Some(Refused::NotPublic(_))),
                "{link}: {:?}",
                refused(link)
            );
        }
    }

    #[test]
    fn public_addresses_and_names_pass_and_other_links_say_why_not() {
        for link in [
            "https://example.org/news",
            "http://93.184.216.34/",
            "https://[2606:4700::1111]/",
        ] {
            assert_eq!(refused(link), None, "{link}");
        }
        assert_eq!(
            refused("file:///etc/passwd"),
            Some(Refused::Scheme("file".into()))
        );
        assert_eq!(
            refused("https://user:secret@example.org/"),
            Some(Refused::Credentials)
        );
        assert_eq!(
            refused("http://example.org:8080/"),
            Some(Refused::Port(8080))
        );
        assert_eq!(
            refused("ftp://example.org/a"),
            Some(Refused::Scheme("ftp".into()))
        );
    }

    #[test]
    fn only_the_pairs_allowed_are_exempt() {
        let allowed = Allowed::new(&["127.0.0.1:8123".parse().unwrap()]);
        let check = |l: &str| check_url(&Url::parse(l).unwrap(), &allowed);
        assert_eq!(check("http://127.0.0.1:8123/a"), Ok(()));
        assert!(check("http://127.0.0.1:8124/a").is_err());
        assert!(check("http://127.0.0.2:8123/a").is_err());
        // The same address spelt otherwise is the same address; a name is never exempt.
        assert_eq!(check("http://2130706433:8123/a"), Ok(()));
        assert!(check("http://[::ffff:127.0.0.1]:8123/a").is_err());
        assert!(check("http://localhost:8123/a").is_err());
        assert!(allowed.socket("127.0.0.1:8123".parse().unwrap()));
        assert!(!allowed.socket("127.0.0.2:8123".parse().unwrap()));
    }
}
