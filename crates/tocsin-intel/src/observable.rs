//! Observables as analysts paste them, read into one canonical form so
//! that the same address, domain or hash shared by two agencies is the same
//! key: defanged forms restored (`hxxp`, `[.]`, `(dot)`, `[@]`), case
//! folded where it carries no meaning, internationalized domain names in
//! their ASCII (punycode) form, IP addresses in their canonical text.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// What an observable is, named as STIX names the property it compares
/// (`ipv4-addr:value`, `file:hashes.'SHA-256'`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    /// A cryptocurrency address (Bitcoin, Ethereum, Monero).
    Wallet,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 10] = [
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Domain,
        Kind::Url,
        Kind::Email,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::Sha512,
        Kind::Wallet,
    ];

    /// The kind's name in the API (`ipv4`, `sha256`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::Sha512 => "sha512",
            Kind::Wallet => "wallet",
        }
    }

    /// The kind of a STIX object path in a pattern or an SCO property:
    /// `ipv4-addr:value`, `file:hashes.'SHA-256'`, `file:hashes.MD5`, ….
    pub fn of_stix_path(path: &str) -> Option<Kind> {
        let (object, property) = path.split_once(':')?;
        let property = property.trim();
        match (object.trim(), property) {
            ("ipv4-addr", "value") => Some(Kind::Ipv4),
            ("ipv6-addr", "value") => Some(Kind::Ipv6),
            ("domain-name", "value") => Some(Kind::Domain),
            ("url", "value") => Some(Kind::Url),
            ("email-addr", "value") => Some(Kind::Email),
            ("cryptocurrency-wallet" | "x-cryptocurrency-wallet", "value" | "address") => Some(Kind::Wallet),
            ("file", p) => Kind::of_hash_name(p.strip_prefix("hashes.")?.trim_matches(['\'', '"'])),
            _ => None,
        }
    }

    /// The kind of a STIX hash algorithm name (`SHA-256`, `sha256`, `MD5`).
    pub fn of_hash_name(name: &str) -> Option<Kind> {
        let folded: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        match folded.as_str() {
            "md5" => Some(Kind::Md5),
            "sha1" => Some(Kind::Sha1),
            "sha256" => Some(Kind::Sha256),
            "sha512" => Some(Kind::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = ObservableError;

    fn from_str(s: &str) -> Result<Kind, ObservableError> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| ObservableError::UnknownKind(s.to_owned()))
    }
}

/// An observable in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Observable {
    pub kind: Kind,
    pub value: String,
}

impl fmt::Display for Observable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

/// Why a text is not an observable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservableError {
    #[error("empty value")]
    Empty,
    #[error("{0} characters: at most {MAX_LEN}")]
    TooLong(usize),
    #[error("not an IP address, domain, URL, e-mail address, file hash or wallet address")]
    Unrecognized,
    #[error("not a valid {kind}: {reason}")]
    Invalid { kind: Kind, reason: String },
    #[error("unknown kind `{0}`: one of ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512, wallet")]
    UnknownKind(String),
}

/// The longest value read (a URL can be long; nothing legitimate is longer).
pub const MAX_LEN: usize = 4096;

/// Restores the usual defanged forms: `hxxp(s)`, `[.]`, `(.)`, `{.}`,
/// `[dot]`, `(dot)`, `[:]`, `[@]`, `[at]`, `[/]`, and drops surrounding
/// space and control characters (as a URL parser would: before the
/// defanged scheme is looked for, so `hxxp` behind them is found too).
pub fn refang(text: &str) -> String {
    // Each pass shortens the text or leaves it as it is, and a pass can
    // make a form another pass restores (`[(.)]`): repeated until none is
    // left.
    let mut s = refang_once(text);
    loop {
        let again = refang_once(&s);
        if again == s {
            return s;
        }
        s = again;
    }
}

fn refang_once(text: &str) -> String {
    let mut s = text.trim_matches(|c: char| c.is_whitespace() || c.is_control()).to_owned();
    // Every bracketed form opens with one of these, and a defanged scheme
    // starts with h or f: most values have neither and are done.
    let scheme = s.as_bytes().first().is_some_and(|b| matches!(b.to_ascii_lowercase(), b'h' | b'f'));
    if !scheme && !s.contains(['[', '(', '{']) {
        return s;
    }
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[DOT]", "."),
        ("(DOT)", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[@]", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("[AT]", "@"),
        ("[/]", "/"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    // hxxp://, hXXps://, fxp:// (defanged ftp)
    for (from, to) in [("hxxps://", "https://"), ("hxxp://", "http://"), ("fxp://", "ftp://")] {
        // Bytes, not a slice of the text: the prefix may end inside a
        // character.
        if s.as_bytes().get(..from.len()).is_some_and(|p| p.eq_ignore_ascii_case(from.as_bytes())) {
            s.replace_range(..from.len(), to);
            break;
        }
    }
    s
}

/// Reads `text` as whatever observable it is.
pub fn normalize(text: &str) -> Result<Observable, ObservableError> {
    let s = checked(text)?;
    let kind = detect(&s).ok_or(ObservableError::Unrecognized)?;
    canonical(kind, &s)
}

/// Reads `text` as an observable of `kind`.
pub fn normalize_as(kind: Kind, text: &str) -> Result<Observable, ObservableError> {
    let s = checked(text)?;
    canonical(kind, &s)
}

fn checked(text: &str) -> Result<String, ObservableError> {
    if text.len() > MAX_LEN {
        return Err(ObservableError::TooLong(text.chars().count()));
    }
    let s = refang(text);
    if s.is_empty() {
        return Err(ObservableError::Empty);
    }
    Ok(s)
}

/// The kind a refanged text looks like.
fn detect(s: &str) -> Option<Kind> {
    if s.contains("://") {
        return Some(Kind::Url);
    }
    if s.parse::<Ipv4Addr>().is_ok() {
        return Some(Kind::Ipv4);
    }
    if s.trim_start_matches('[').trim_end_matches(']').parse::<Ipv6Addr>().is_ok() {
        return Some(Kind::Ipv6);
    }
    if s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return match s.len() {
            32 => Some(Kind::Md5),
            40 => Some(Kind::Sha1),
            64 => Some(Kind::Sha256),
            128 => Some(Kind::Sha512),
            _ => None,
        };
    }
    if wallet(s).is_some() {
        return Some(Kind::Wallet);
    }
    if s.contains('@') {
        return Some(Kind::Email);
    }
    if s.contains('.') && !s.contains(['/', ' ', '?', '#']) {
        return Some(Kind::Domain);
    }
    None
}

fn invalid(kind: Kind, reason: impl Into<String>) -> ObservableError {
    ObservableError::Invalid { kind, reason: reason.into() }
}

/// The canonical form, which must read again as itself: a parser's
/// output can hold a defanged form (a backslash read as `/` makes `[/]`),
/// so it is refanged and read again until it settles.
fn canonical(kind: Kind, s: &str) -> Result<Observable, ObservableError> {
    let mut text = s.to_owned();
    for _ in 0..4 {
        let o = canonical_once(kind, &text)?;
        // Punycode and percent-encoding lengthen a value: what would not
        // be read again is not kept either.
        if o.value.len() > MAX_LEN {
            return Err(ObservableError::TooLong(o.value.chars().count()));
        }
        let again = refang(&o.value);
        if again == o.value {
            return Ok(o);
        }
        text = again;
    }
    Err(invalid(kind, "its canonical form does not settle"))
}

fn canonical_once(kind: Kind, s: &str) -> Result<Observable, ObservableError> {
    let value = match kind {
        Kind::Ipv4 => s.parse::<Ipv4Addr>().map_err(|e| invalid(kind, e.to_string()))?.to_string(),
        Kind::Ipv6 => s
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<Ipv6Addr>()
            .map_err(|e| invalid(kind, e.to_string()))?
            .to_string(),
        Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 => {
            let want = match kind {
                Kind::Md5 => 32,
                Kind::Sha1 => 40,
                Kind::Sha256 => 64,
                _ => 128,
            };
            if s.len() != want || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(kind, format!("{want} hexadecimal digits expected")));
            }
            s.to_ascii_lowercase()
        }
        Kind::Domain => domain(s)?,
        Kind::Email => {
            let (local, host) = s.rsplit_once('@').ok_or_else(|| invalid(kind, "no @"))?;
            // Checked as it will be kept: lower case can be longer.
            let local = local.to_lowercase();
            if local.is_empty()
                || local.len() > 64
                || local.contains(|c: char| c == '@' || c.is_whitespace() || c.is_control())
            {
                return Err(invalid(
                    kind,
                    "the part before @ is empty, longer than 64 bytes, or has @, spaces or control characters",
                ));
            }
            format!("{local}@{}", domain(host).map_err(|_| invalid(kind, "the domain after @"))?)
        }
        Kind::Url => {
            let mut url = url::Url::parse(s).map_err(|e| invalid(kind, e.to_string()))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid(kind, "no host"));
            }
            url.set_fragment(None);
            let text = url.to_string();
            // A few Unicode hosts map to an ASCII form that does not read
            // again: refused, so every key reads back as itself.
            if url::Url::parse(&text).ok().as_ref() != Some(&url) {
                return Err(invalid(kind, "the host has no stable ASCII form"));
            }
            text
        }
        Kind::Wallet => wallet(s).ok_or_else(|| invalid(kind, "not a Bitcoin, Ethereum or Monero address"))?,
    };
    Ok(Observable { kind, value })
}

/// A domain name, lower case, IDN in punycode, no trailing dot.
fn domain(s: &str) -> Result<String, ObservableError> {
    let trimmed = s.strip_suffix('.').unwrap_or(s);
    if !trimmed.contains('.') {
        return Err(invalid(Kind::Domain, "at least two labels expected"));
    }
    match url::Host::parse(trimmed) {
        Ok(url::Host::Domain(d)) => {
            if d.split('.').any(|label| label.is_empty() || label.len() > 63) || d.len() > 253 {
                return Err(invalid(Kind::Domain, "a label is empty or longer than 63 characters"));
            }
            if d.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')) {
                return Err(invalid(Kind::Domain, "characters a host name cannot have"));
            }
            if url::Host::parse(&d).ok() != Some(url::Host::Domain(d.clone())) {
                return Err(invalid(Kind::Domain, "no stable ASCII form"));
            }
            Ok(d)
        }
        Ok(_) => Err(invalid(Kind::Domain, "an IP address, not a name")),
        Err(e) => Err(invalid(Kind::Domain, e.to_string())),
    }
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// A wallet address in canonical form: Ethereum lower case (the checksum
/// is letter case), Bitcoin bech32 lower case, base58 as written (its case
/// is the value).
fn wallet(s: &str) -> Option<String> {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| format!("0x{}", hex.to_ascii_lowercase()));
    }
    let lower = s.to_ascii_lowercase();
    if let Some(data) = lower.strip_prefix("bc1").or_else(|| lower.strip_prefix("tb1")) {
        let one_case = s == lower || s == s.to_ascii_uppercase();
        return (one_case && (11..=71).contains(&data.len()) && data.bytes().all(|b| BECH32.contains(&b)))
            .then_some(lower);
    }
    let base58 = s.bytes().all(|b| BASE58.contains(&b));
    let bitcoin = matches!(s.as_bytes().first(), Some(b'1' | b'3')) && (26..=35).contains(&s.len());
    let monero = matches!(s.as_bytes().first(), Some(b'4' | b'8')) && s.len() == 95;
    (base58 && (bitcoin || monero)).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> (Kind, String) {
        let o = normalize(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (o.kind, o.value)
    }

    #[test]
    fn defanged_forms_read_as_the_live_ones() {
        assert_eq!(norm("hxxp://evil[.]example[.]com/pay"), (Kind::Url, "http://evil.example.com/pay".into()));
        assert_eq!(norm("hXXps://Evil.Example.com"), (Kind::Url, "https://evil.example.com/".into()));
        assert_eq!(norm(" 192.0.2[.]10 "), (Kind::Ipv4, "192.0.2.10".into()));
        assert_eq!(norm("Lock(dot)Bit(dot)example"), (Kind::Domain, "lock.bit.example".into()));
        assert_eq!(norm("ops[@]Example.org"), (Kind::Email, "ops@example.org".into()));
    }

    #[test]
    fn addresses_take_their_canonical_text() {
        assert_eq!(norm("2001:DB8:0:0:0:0:0:1"), (Kind::Ipv6, "2001:db8::1".into()));
        assert_eq!(norm("[2001:db8::1]"), (Kind::Ipv6, "2001:db8::1".into()));
        assert!(
            normalize("192.0.2.300")
                .is_err_and(|e| e == ObservableError::Unrecognized || matches!(e, ObservableError::Invalid { .. }))
        );
        assert!(normalize_as(Kind::Ipv4, "01.2.3.4").is_err(), "leading zeros are ambiguous (octal)");
    }

    #[test]
    fn internationalized_domains_become_punycode_and_lose_their_trailing_dot() {
        assert_eq!(norm("BÜCHER.example."), (Kind::Domain, "xn--bcher-kva.example".into()));
        assert_eq!(norm("xn--bcher-kva.example"), (Kind::Domain, "xn--bcher-kva.example".into()));
        assert_eq!(norm("http://bücher.example/a?b=1#frag"), (Kind::Url, "http://xn--bcher-kva.example/a?b=1".into()));
        assert!(normalize_as(Kind::Domain, "localhost").is_err());
        assert!(normalize_as(Kind::Domain, "a..b").is_err());
    }

    #[test]
    fn hashes_by_length_in_lower_case() {
        let sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(norm(sha256), (Kind::Sha256, sha256.to_ascii_lowercase()));
        assert_eq!(norm(&"a".repeat(32)).0, Kind::Md5);
        assert_eq!(norm(&"b".repeat(40)).0, Kind::Sha1);
        assert_eq!(norm(&"c".repeat(128)).0, Kind::Sha512);
        assert!(normalize_as(Kind::Sha256, &"a".repeat(63)).is_err());
        assert_eq!(normalize(&"a".repeat(50)), Err(ObservableError::Unrecognized));
    }

    #[test]
    fn wallets_keep_the_case_that_is_their_value() {
        let eth = "0x52908400098527886E0F7030069857D2E4169EE7";
        assert_eq!(norm(eth), (Kind::Wallet, eth.to_ascii_lowercase()));
        let bech = "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ";
        assert_eq!(norm(bech), (Kind::Wallet, bech.to_ascii_lowercase()));
        let legacy = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
        assert_eq!(norm(legacy), (Kind::Wallet, legacy.into()));
        assert!(normalize_as(Kind::Wallet, "bc1QAR0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").is_err(), "mixed case bech32");
    }

    #[test]
    fn stix_paths_name_their_kind() {
        assert_eq!(Kind::of_stix_path("ipv4-addr:value"), Some(Kind::Ipv4));
        assert_eq!(Kind::of_stix_path("file:hashes.'SHA-256'"), Some(Kind::Sha256));
        assert_eq!(Kind::of_stix_path("file:hashes.MD5"), Some(Kind::Md5));
        assert_eq!(Kind::of_stix_path("file:name"), None);
        assert_eq!("sha1".parse::<Kind>(), Ok(Kind::Sha1));
        assert!("sha3".parse::<Kind>().is_err());
    }

    #[test]
    fn a_defanged_scheme_behind_control_characters_is_restored() {
        // Found by the `observable` fuzz target: the URL parser drops the
        // leading controls, so `hxxps` became the scheme, and the value
        // read again as `https`.
        let text = "\u{1a}\0\0hxxps://pay[.]example/ransom";
        assert_eq!(norm(text), (Kind::Url, "https://pay.example/ransom".into()));
        assert!(normalize("hxxps://pay.ex\u{1}ample.org/x").is_err(), "a control character in a host");
        // Found by the widened proptest: a scheme followed by a character
        // of four bytes (the prefix was read as a slice of the text).
        assert!(refang("hxxp://\u{1BC80}").starts_with("http://"));
        // Found by the fuzz target again: a form made by restoring another.
        assert_eq!(norm("hxxp://aq\\rr[(.)]"), (Kind::Url, "http://aq/rr.".into()));
        // And an e-mail address whose part before @ held another @, or grew
        // past 64 bytes in lower case (Ⱥ is 2 bytes, ⱥ 3).
        assert!(normalize("a[AT]b@example.org").is_err());
        assert!(normalize(&format!("{}@example.org", "Ⱥ".repeat(30))).is_err());
        // And a URL that percent-encoding (or punycode) takes past the
        // longest value read.
        let long = format!("http://example.org/{}", "Ü".repeat(2000));
        assert!(long.len() <= MAX_LEN);
        assert!(matches!(normalize(&long), Err(ObservableError::TooLong(_))));
    }

    #[test]
    fn nothing_else_is_an_observable() {
        assert_eq!(normalize("   "), Err(ObservableError::Empty));
        assert_eq!(normalize("John Smith"), Err(ObservableError::Unrecognized));
        assert!(matches!(normalize(&"a".repeat(MAX_LEN + 1)), Err(ObservableError::TooLong(_))));
    }

    proptest::proptest! {
        /// Any text is read or refused, never a panic; what is read is a
        /// fixed point (its canonical form reads as itself).
        #[test]
        fn canonical_forms_are_fixed_points(text in "(\\PC|[\\x00-\\x1f]|hxxps?://|[\\[\\](){}]|\\.|dot|at|\\\\){0,40}") {
            if let Ok(o) = normalize(&text) {
                let again = normalize_as(o.kind, &o.value).expect("a canonical value reads again");
                proptest::prop_assert_eq!(again, o);
            }
        }

        #[test]
        fn an_ipv4_address_defanged_or_not_is_one_key(a: u8, b: u8, c: u8, d: u8) {
            let plain = normalize(&format!("{a}.{b}.{c}.{d}")).expect("ipv4");
            let defanged = normalize(&format!("{a}[.]{b}[.]{c}[.]{d}")).expect("defanged ipv4");
            proptest::prop_assert_eq!(plain, defanged);
        }
    }
}
