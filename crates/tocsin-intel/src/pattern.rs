//! STIX 2.1 patterns (the `stix` pattern language of indicators), read far
//! enough to check their syntax and to take out the values they compare
//! for equality, which is what exact-value correlation needs:
//! `[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'x.example']`
//! gives both values. Nothing is ever evaluated.
//!
//! Written here rather than taken from a crate: the Rust STIX crates that
//! parse patterns are 0.x releases with a toolchain newer than ours or no
//! repository (see the research note, §9), and the subset needed (tokens,
//! the expression grammar, equality and `IN` on known paths) is small.

use crate::observable::{self, Kind, Observable};

/// Why a pattern does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern, at character {at}: {message}")]
pub struct PatternError {
    pub at: usize,
    pub message: String,
}

/// The longest pattern read.
pub const MAX_PATTERN: usize = 64 * 1024;
/// How deep brackets and parentheses may nest.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    Word(String),
    Str(String),
    /// A typed literal (`t'…'`, `h'…'`, `b'…'`) or a number or boolean.
    Other,
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn error(&self, message: impl Into<String>) -> PatternError {
        PatternError { at: self.text[..self.pos].chars().count(), message: message.into() }
    }

    fn tokens(mut self) -> Result<Vec<(usize, Token)>, PatternError> {
        let mut out = vec![];
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            let c = bytes[self.pos];
            let start = self.pos;
            let token = match c {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    self.pos += 1;
                    continue;
                }
                b'[' => self.one(Token::LBracket),
                b']' => self.one(Token::RBracket),
                b'(' => self.one(Token::LParen),
                b')' => self.one(Token::RParen),
                b',' => self.one(Token::Comma),
                b'=' => self.one(Token::Op("=")),
                b'!' if bytes.get(self.pos + 1) == Some(&b'=') => {
                    self.pos += 2;
                    Token::Op("!=")
                }
                b'<' | b'>' => {
                    let eq = bytes.get(self.pos + 1) == Some(&b'=');
                    self.pos += 1 + usize::from(eq);
                    Token::Op(match (c, eq) {
                        (b'<', false) => "<",
                        (b'<', true) => "<=",
                        (_, false) => ">",
                        _ => ">=",
                    })
                }
                b'\'' => Token::Str(self.string()?),
                b't' | b'h' | b'b' if bytes.get(self.pos + 1) == Some(&b'\'') => {
                    self.pos += 1;
                    self.string()?;
                    Token::Other
                }
                b'-' | b'0'..=b'9' => {
                    self.pos += 1;
                    while self.pos < bytes.len() && (bytes[self.pos].is_ascii_digit() || bytes[self.pos] == b'.') {
                        self.pos += 1;
                    }
                    Token::Other
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    // A word: a keyword or an object path (`file:hashes.'SHA-256'`,
                    // `x-custom:values[*].name`).
                    while self.pos < bytes.len() {
                        match bytes[self.pos] {
                            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b':' | b'.' | b'*' => self.pos += 1,
                            b'[' if self.text[start..self.pos].contains(':') => self.pos += 1,
                            b']' if self.text[start..self.pos].contains(':')
                                && self.text[start..self.pos].rfind('[') > self.text[start..self.pos].rfind(']') =>
                            {
                                self.pos += 1
                            }
                            b'\'' if self.text[start..self.pos].ends_with('.') => {
                                self.string()?;
                            }
                            _ => break,
                        }
                    }
                    Token::Word(self.text[start..self.pos].to_owned())
                }
                _ => {
                    return Err(
                        self.error(format!("unexpected `{}`", self.text[self.pos..].chars().next().unwrap_or(' ')))
                    );
                }
            };
            out.push((start, token));
        }
        Ok(out)
    }

    fn one(&mut self, t: Token) -> Token {
        self.pos += 1;
        t
    }

    /// A quoted string from the opening quote; `\'` and `\\` escaped.
    fn string(&mut self) -> Result<String, PatternError> {
        let bytes = self.text.as_bytes();
        let opened = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut from = self.pos;
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\\' => {
                    out.push_str(&self.text[from..self.pos]);
                    match bytes.get(self.pos + 1) {
                        Some(b'\'') => out.push('\''),
                        Some(b'\\') => out.push('\\'),
                        _ => return Err(self.error("a backslash escapes only ' and \\")),
                    }
                    self.pos += 2;
                    from = self.pos;
                }
                b'\'' => {
                    out.push_str(&self.text[from..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                _ => self.pos += 1,
            }
        }
        self.pos = opened;
        Err(self.error("a string is not closed"))
    }
}

/// What a pattern compares for equality with a known kind of observable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The values compared with `=` or listed in `IN (…)`, on the paths
    /// whose kind is known, in canonical form (values that do not read as
    /// their kind are left out).
    pub observables: Vec<Observable>,
}

/// Parses a STIX pattern.
pub fn parse(pattern: &str) -> Result<Parsed, PatternError> {
    if pattern.len() > MAX_PATTERN {
        return Err(PatternError { at: 0, message: format!("longer than {MAX_PATTERN} bytes") });
    }
    let tokens = Lexer { text: pattern, pos: 0 }.tokens()?;
    let mut p = Parser { tokens, at: 0, end: pattern.chars().count(), text: pattern, out: Parsed::default() };
    p.pattern(0)?;
    if p.at != p.tokens.len() {
        return Err(p.error("unexpected text after the pattern"));
    }
    let mut out = p.out;
    out.observables.sort();
    out.observables.dedup();
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
    text: &'a str,
    out: Parsed,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> PatternError {
        let at = self.tokens.get(self.at).map_or(self.end, |(b, _)| self.text[..*b].chars().count());
        PatternError { at, message: message.to_owned() }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn expect(&mut self, t: &Token, what: &str) -> Result<(), PatternError> {
        if self.peek() == Some(t) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("{what} expected")))
        }
    }

    /// observation ((AND | OR | FOLLOWEDBY) observation)* qualifier*
    fn pattern(&mut self, depth: usize) -> Result<(), PatternError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        loop {
            match self.peek() {
                Some(Token::LBracket) => {
                    self.at += 1;
                    self.comparisons(depth + 1)?;
                    self.expect(&Token::RBracket, "`]`")?;
                }
                Some(Token::LParen) => {
                    self.at += 1;
                    self.pattern(depth + 1)?;
                    self.expect(&Token::RParen, "`)`")?;
                }
                _ => return Err(self.error("`[` expected (an observation)")),
            }
            self.qualifiers()?;
            if !["AND", "OR", "FOLLOWEDBY"].iter().any(|k| self.eat(k)) {
                return Ok(());
            }
        }
    }

    /// WITHIN n SECONDS, START t'…' STOP t'…', REPEATS n TIMES.
    fn qualifiers(&mut self) -> Result<(), PatternError> {
        loop {
            if self.eat("WITHIN") {
                self.literal()?;
                self.expect_word("SECONDS")?;
            } else if self.eat("START") {
                self.literal()?;
                self.expect_word("STOP")?;
                self.literal()?;
            } else if self.eat("REPEATS") {
                self.literal()?;
                self.expect_word("TIMES")?;
            } else {
                return Ok(());
            }
        }
    }

    /// Takes keyword `k` if it is next.
    fn eat(&mut self, k: &str) -> bool {
        let next = self.keyword(k);
        self.at += usize::from(next);
        next
    }

    /// Takes keyword `k`, which must be next.
    fn expect_word(&mut self, k: &str) -> Result<(), PatternError> {
        match self.eat(k) {
            true => Ok(()),
            false => Err(self.error(&format!("{k} expected"))),
        }
    }

    fn literal(&mut self) -> Result<Option<String>, PatternError> {
        match self.peek().cloned() {
            Some(Token::Str(s)) => {
                self.at += 1;
                Ok(Some(s))
            }
            Some(Token::Other) => {
                self.at += 1;
                Ok(None)
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                self.at += 1;
                Ok(None)
            }
            _ => Err(self.error("a value expected")),
        }
    }

    /// comparison ((AND | OR) comparison)*, with parentheses.
    fn comparisons(&mut self, depth: usize) -> Result<(), PatternError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        loop {
            if self.peek() == Some(&Token::LParen) {
                self.at += 1;
                self.comparisons(depth + 1)?;
                self.expect(&Token::RParen, "`)`")?;
            } else {
                self.comparison()?;
            }
            if !(self.eat("AND") || self.eat("OR")) {
                return Ok(());
            }
        }
    }

    /// path [NOT] operator value
    fn comparison(&mut self) -> Result<(), PatternError> {
        let Some(Token::Word(path)) = self.peek().cloned() else {
            return Err(self.error("an object path expected (`type:property`)"));
        };
        if !path.contains(':') {
            return Err(self.error("an object path expected (`type:property`)"));
        }
        self.at += 1;
        let negated = self.eat("NOT");
        let kind = Kind::of_stix_path(&path);
        let keep = |out: &mut Parsed, value: &str| {
            if let (Some(kind), false) = (kind, negated)
                && let Ok(o) = observable::normalize_as(kind, value)
            {
                out.observables.push(o);
            }
        };
        match self.peek().cloned() {
            Some(Token::Op(op)) => {
                self.at += 1;
                let value = self.literal()?;
                if let (Some(v), "=") = (value, op) {
                    keep(&mut self.out, &v);
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("IN") => {
                self.at += 1;
                self.expect(&Token::LParen, "`(` after IN")?;
                loop {
                    if let Some(v) = self.literal()? {
                        keep(&mut self.out, &v);
                    }
                    if self.peek() == Some(&Token::Comma) {
                        self.at += 1;
                    } else {
                        break;
                    }
                }
                self.expect(&Token::RParen, "`)`")?;
            }
            Some(Token::Word(w))
                if ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"].iter().any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                self.at += 1;
                self.literal()?;
            }
            _ => return Err(self.error("an operator expected (=, !=, <, >, IN, LIKE, MATCHES, …)")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(p: &str) -> Vec<String> {
        parse(p).unwrap_or_else(|e| panic!("{p}: {e}")).observables.into_iter().map(|o| o.to_string()).collect()
    }

    #[test]
    fn equality_values_are_taken_in_canonical_form() {
        assert_eq!(values("[ipv4-addr:value = '198.51.100.7']"), ["ipv4:198.51.100.7"]);
        assert_eq!(
            values("[domain-name:value = 'Evil.Example' OR url:value = 'http://evil.example/x']"),
            ["domain:evil.example", "url:http://evil.example/x"]
        );
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(values(&format!("[file:hashes.'SHA-256' = '{}']", sha.to_uppercase())), [format!("sha256:{sha}")]);
        assert_eq!(values("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]").len(), 2);
    }

    #[test]
    fn only_positive_equality_on_known_paths_counts() {
        assert!(values("[ipv4-addr:value != '192.0.2.1']").is_empty());
        assert!(values("[ipv4-addr:value NOT = '192.0.2.1']").is_empty());
        assert!(values("[file:name = 'payload.exe']").is_empty());
        assert!(values("[url:value LIKE '%evil%']").is_empty());
        assert!(values("[ipv4-addr:value = 'not an address']").is_empty());
    }

    #[test]
    fn full_patterns_with_qualifiers_parse() {
        let p = "([ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']) WITHIN 300 SECONDS \
                 OR [network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp'] \
                 START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'";
        assert_eq!(values(p), ["ipv4:192.0.2.1", "domain:a.example"]);
        assert_eq!(values("[email-addr:value = 'o\\'brien@example.org']"), ["email:o'brien@example.org"]);
    }

    #[test]
    fn broken_patterns_say_where() {
        for (p, at) in [
            ("ipv4-addr:value = '1.2.3.4'", 0),
            ("[ipv4-addr:value = '1.2.3.4'", 28),
            ("[ipv4-addr:value = '1.2.3.4]", 19),
            ("[ipv4-addr:value '1.2.3.4']", 17),
            ("[value = 'x']", 1),
            ("[a:b = 'x'] WITHIN 5", 20),
        ] {
            let e = parse(p).expect_err(p);
            assert_eq!(e.at, at, "{p}: {e}");
        }
        assert!(parse(&"(".repeat(200)).is_err(), "deep nesting is refused, not a stack overflow");
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_says_why(text in "\\PC{0,120}") {
            let _ = parse(&text);
        }

        #[test]
        fn pattern_like_text_never_panics(text in "[\\[\\]() =',:a-z0-9.-]{0,80}") {
            let _ = parse(&text);
        }
    }
}
