//! Dates as lists write them, to [`PartialDate`]s at their precision.
//!
//! A record keeps partial dates only, so the lists' qualifiers become
//! precision: an approximate date ("circa 1960") is kept to its year, which
//! the matcher compares with a year's tolerance either side; a range
//! ("between 1959 and 1961") becomes each year in it, or its two ends when it
//! spans more than [`MAX_RANGE`] years.

use tocsin_core::PartialDate;

/// Longest range of years kept year by year.
const MAX_RANGE: i32 = 10;

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (also with `/`), or a timestamp whose
/// first ten characters are a date.
pub(crate) fn iso(s: &str) -> Option<PartialDate> {
    let s = s.trim().replace('/', "-");
    let s = s.get(..10.min(s.len()))?;
    let mut parts = s.split('-');
    let year = parts.next()?;
    let month = parts.next();
    let day = parts.next();
    let pad = |p: &str| format!("{p:0>2}");
    let text = match (month, day) {
        (None, _) => year.to_owned(),
        (Some(m), None) => format!("{year}-{}", pad(m)),
        (Some(m), Some(d)) => format!("{year}-{}-{}", pad(m), pad(d)),
    };
    PartialDate::parse(&text).ok()
}

/// A year, four digits.
pub(crate) fn year(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    (s.len() == 4).then(|| PartialDate::parse(s).ok()).flatten()
}

/// The years `from..=to`, or just the two ends of a long range.
pub(crate) fn range(from: &str, to: &str) -> Vec<PartialDate> {
    let (Some(a), Some(b)) = (year(from), year(to)) else {
        return year(from).into_iter().chain(year(to)).collect();
    };
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    if b.year() - a.year() > MAX_RANGE {
        return vec![a, b];
    }
    (a.year()..=b.year()).filter_map(|y| PartialDate::parse(&y.to_string()).ok()).collect()
}

/// OFAC's forms: `10 Dec 1948`, `Dec 1948`, `1948`, `circa 1948`,
/// `1959 to 1961`, `circa 1959-1961`; empty when none fits.
pub(crate) fn ofac(s: &str) -> Vec<PartialDate> {
    let s = s.trim().trim_end_matches('.');
    let s = s.strip_prefix("circa").map(str::trim).unwrap_or(s);
    if let Some((a, b)) = s.split_once(" to ").or_else(|| s.split_once('-')) {
        let (a, b) = (a.trim(), b.trim());
        if a.len() == 4 && b.len() == 4 {
            return range(a, b);
        }
        let (from, to) = (ofac(a), ofac(b));
        // `01 Jan 1961 to 31 Dec 1963` means the years 1961 to 1963.
        if let ([f], [t]) = (from.as_slice(), to.as_slice())
            && (f.month(), f.day(), t.month(), t.day()) == (Some(1), Some(1), Some(12), Some(31))
        {
            return range(&f.year().to_string(), &t.year().to_string());
        }
        return from.into_iter().chain(to).collect();
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let month = |m: &str| {
        let m = m.to_ascii_lowercase();
        MONTHS.iter().position(|x| m.starts_with(x)).map(|i| i + 1)
    };
    let text = match words.as_slice() {
        [y] => y.to_string(),
        [m, y] => format!("{y}-{:02}", month(m).unwrap_or(0)),
        [d, m, y] => format!("{y}-{:02}-{:0>2}", month(m).unwrap_or(0), d),
        _ => return vec![],
    };
    PartialDate::parse(&text).ok().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: Vec<PartialDate>) -> Vec<String> {
        v.into_iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn reads_ofac_dates_at_their_precision() {
        assert_eq!(texts(ofac("10 Dec 1948")), ["1948-12-10"]);
        assert_eq!(texts(ofac("03 May 1938")), ["1938-05-03"]);
        assert_eq!(texts(ofac("Dec 1948")), ["1948-12"]);
        assert_eq!(texts(ofac("1946")), ["1946"]);
        assert_eq!(texts(ofac("circa 1960")), ["1960"]);
        assert_eq!(texts(ofac("1959 to 1961")), ["1959", "1960", "1961"]);
        assert_eq!(texts(ofac("circa 1958-1962")), ["1958", "1959", "1960", "1961", "1962"]);
        assert_eq!(texts(ofac("1900 to 1970")), ["1900", "1970"]);
        assert_eq!(texts(ofac("01 Jan 1961 to 31 Dec 1962")), ["1961", "1962"]);
        assert_eq!(texts(ofac("05 Jan 1961 to 07 Feb 1961")), ["1961-01-05", "1961-02-07"]);
        assert!(ofac("unknown").is_empty());
        assert!(ofac("31 Feb 1970").is_empty());
    }

    #[test]
    fn reads_iso_and_slashed_dates() {
        assert_eq!(iso("1970/05/01").map(|d| d.to_string()).as_deref(), Some("1970-05-01"));
        assert_eq!(iso("1969-7-16").map(|d| d.to_string()).as_deref(), Some("1969-07-16"));
        assert_eq!(iso("1970-05-01T00:00:00Z").map(|d| d.to_string()).as_deref(), Some("1970-05-01"));
        assert_eq!(iso("1970").map(|d| d.to_string()).as_deref(), Some("1970"));
        assert_eq!(iso("soon"), None);
    }

    #[test]
    fn ranges_keep_their_years() {
        assert_eq!(texts(range("1961", "1959")), ["1959", "1960", "1961"]);
        assert_eq!(texts(range("1961", "")), ["1961"]);
    }
}
