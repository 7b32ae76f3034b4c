//! Values that are noise for correlation (public resolvers, big CDNs and
//! well-known domains), flagged rather than dropped, as MISP's warninglists
//! do. The operator can replace the built-in list with a file of the same
//! form: one entry per line, `exact|hostname|cidr VALUE REASON…`, `#`
//! comments.
//!
//! - `exact`: the canonical value of any kind;
//! - `hostname`: a domain and every name under it (and URLs on them);
//! - `cidr`: an IPv4 or IPv6 network.

use ipnet::IpNet;

use crate::observable::{self, Kind, Observable};

/// The list shipped with Tocsin: a few values every network sees.
pub const BUILT_IN: &str = "\
# Public DNS resolvers
cidr 8.8.8.8/32 public DNS resolver (Google)
cidr 8.8.4.4/32 public DNS resolver (Google)
cidr 1.1.1.1/32 public DNS resolver (Cloudflare)
cidr 1.0.0.1/32 public DNS resolver (Cloudflare)
cidr 9.9.9.9/32 public DNS resolver (Quad9)
cidr 208.67.222.222/32 public DNS resolver (OpenDNS)
cidr 2001:4860:4860::8888/128 public DNS resolver (Google)
cidr 2606:4700:4700::1111/128 public DNS resolver (Cloudflare)
# Private and documentation networks
cidr 10.0.0.0/8 private network (RFC 1918)
cidr 172.16.0.0/12 private network (RFC 1918)
cidr 192.168.0.0/16 private network (RFC 1918)
cidr 127.0.0.0/8 loopback
# Well-known domains and CDNs
hostname google.com well-known domain
hostname microsoft.com well-known domain
hostname windowsupdate.com well-known domain
hostname apple.com well-known domain
hostname amazonaws.com cloud provider
hostname cloudflare.com CDN
hostname akamaihd.net CDN
hostname cloudfront.net CDN
hostname github.com well-known domain
# Hashes of empty input
exact d41d8cd98f00b204e9800998ecf8427e MD5 of empty input
exact da39a3ee5e6b4b0d3255bfef95601890afd80709 SHA-1 of empty input
exact e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 SHA-256 of empty input
";

#[derive(Debug, Clone)]
enum Entry {
    Exact(Observable),
    Hostname(String),
    Cidr(IpNet),
}

/// A warninglist.
#[derive(Debug, Clone)]
pub struct Warninglist {
    entries: Vec<(Entry, String)>,
}

/// A line of a warninglist file that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("warninglist line {line}: {reason}")]
pub struct WarninglistError {
    pub line: usize,
    pub reason: String,
}

impl Default for Warninglist {
    fn default() -> Warninglist {
        Warninglist::parse(BUILT_IN).unwrap_or(Warninglist { entries: vec![] })
    }
}

impl Warninglist {
    /// Reads a list; every line that does not read is an error naming it.
    pub fn parse(text: &str) -> Result<Warninglist, WarninglistError> {
        let mut entries = vec![];
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: String| WarninglistError { line: line_no, reason };
            let mut words = line.splitn(3, char::is_whitespace);
            let (Some(form), Some(value)) = (words.next(), words.next()) else {
                return Err(err("expected `exact|hostname|cidr VALUE REASON`".into()));
            };
            let reason = words.next().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("warninglist").to_owned();
            let entry = match form {
                "exact" => Entry::Exact(observable::normalize(value).map_err(|e| err(format!("`{value}`: {e}")))?),
                "hostname" => Entry::Hostname(
                    observable::normalize_as(Kind::Domain, value).map_err(|e| err(format!("`{value}`: {e}")))?.value,
                ),
                "cidr" => Entry::Cidr(value.parse().map_err(|e| err(format!("`{value}`: {e}")))?),
                other => return Err(err(format!("`{other}`: the form is exact, hostname or cidr"))),
            };
            entries.push((entry, reason));
        }
        Ok(Warninglist { entries })
    }

    /// How many entries the list has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Why `o` is noise, if it is.
    pub fn flag(&self, o: &Observable) -> Option<&str> {
        let url_host =
            (o.kind == Kind::Url).then(|| url::Url::parse(&o.value).ok()?.host_str().map(str::to_owned)).flatten();
        let host = match o.kind {
            Kind::Domain => Some(o.value.as_str()),
            Kind::Url => url_host.as_deref(),
            Kind::Email => o.value.rsplit_once('@').map(|(_, d)| d),
            _ => None,
        };
        let ip: Option<std::net::IpAddr> = match o.kind {
            Kind::Ipv4 | Kind::Ipv6 => o.value.parse().ok(),
            _ => None,
        };
        self.entries.iter().find_map(|(entry, reason)| {
            let hit = match entry {
                Entry::Exact(e) => e == o,
                Entry::Hostname(h) => host.is_some_and(|d| d == h || d.ends_with(&format!(".{h}"))),
                Entry::Cidr(net) => ip.is_some_and(|ip| net.contains(&ip)),
            };
            hit.then_some(reason.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(list: &Warninglist, text: &str) -> Option<String> {
        list.flag(&observable::normalize(text).expect(text)).map(str::to_owned)
    }

    #[test]
    fn the_built_in_list_flags_resolvers_big_domains_and_empty_hashes() {
        let list = Warninglist::default();
        assert!(list.len() > 20);
        assert_eq!(flag(&list, "8.8.8.8").as_deref(), Some("public DNS resolver (Google)"));
        assert!(flag(&list, "192.168.4.20").is_some());
        assert!(flag(&list, "update.microsoft.com").is_some());
        assert!(flag(&list, "https://s3.amazonaws.com/bucket").is_some());
        assert!(flag(&list, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855").is_some());
        assert_eq!(flag(&list, "203.0.113.9"), None);
        assert_eq!(flag(&list, "notmicrosoft.com"), None, "a suffix is not a subdomain");
    }

    #[test]
    fn an_operator_list_replaces_it_and_bad_lines_are_named() {
        let list = Warninglist::parse("# ours\nhostname example.net our own\n").expect("list");
        assert_eq!(flag(&list, "www.example.net").as_deref(), Some("our own"));
        assert_eq!(flag(&list, "8.8.8.8"), None);
        let e = Warninglist::parse("exact 1.2.3.4 ok\ncidr 10.0.0.0/33 bad\n").expect_err("bad mask");
        assert_eq!(e.line, 2);
        assert!(Warninglist::parse("regex .* all").is_err());
    }
}
