//! Size limits on every string and list a record may carry.
//!
//! They keep one request from costing unbounded memory or time, and they are
//! documented in the README so clients can check before sending.

/// Characters in one name form.
pub const NAME_CHARS: usize = 1_000;
/// Name forms on one record.
pub const NAMES: usize = 100;
/// Characters in a free-text field (instructions, birth place).
pub const TEXT_CHARS: usize = 2_000;
/// Entries in a list of countries, dates, documents or tags.
pub const LIST_ITEMS: usize = 300;
/// Characters in a tag.
pub const TAG_CHARS: usize = 100;
/// Characters in a declared purpose or a user name.
pub const LABEL_CHARS: usize = 200;

/// Most items on one page of any list.
pub const PAGE_MAX: u32 = 1_000;
/// Items on a page when the caller names no `limit`.
pub const PAGE_DEFAULT: u32 = 100;

/// A page size from a query string: 1 to [`PAGE_MAX`], [`PAGE_DEFAULT`] when
/// absent. `limit=0` is refused rather than read as 1, and so is anything
/// over the maximum, so a caller never gets a page it did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "u32")]
pub struct PageLimit(u32);

impl PageLimit {
    /// The size.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> PageLimit {
        PageLimit(PAGE_DEFAULT)
    }
}

impl TryFrom<u32> for PageLimit {
    type Error = String;

    fn try_from(n: u32) -> Result<PageLimit, String> {
        match n {
            1..=PAGE_MAX => Ok(PageLimit(n)),
            _ => Err(format!("must be 1 to {PAGE_MAX} ({n} given)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_limit_is_one_to_the_maximum() {
        assert_eq!(PageLimit::default().get(), PAGE_DEFAULT);
        assert_eq!(PageLimit::try_from(1).map(PageLimit::get), Ok(1));
        assert_eq!(PageLimit::try_from(PAGE_MAX).map(PageLimit::get), Ok(PAGE_MAX));
        assert!(PageLimit::try_from(0).is_err());
        assert!(PageLimit::try_from(PAGE_MAX + 1).is_err());
    }
}
